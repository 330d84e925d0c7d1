package dev.schedulerd.mcp.cli;

import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.executor.SecretMask;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.mcp.SuppressForbidden;
import dev.schedulerd.mcp.dashboard.DashboardServer;
import dev.schedulerd.mcp.server.SchedulerdServer;
import dev.schedulerd.metrics.MetricsServer;
import dev.schedulerd.metrics.SchedulerMetrics;
import dev.schedulerd.metrics.TimedTaskStore;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.SchedulerBuilder;
import dev.schedulerd.store.json.SeedFiles;
import dev.schedulerd.store.sqlite.SqliteOptions;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code schedulerd} command line: the daemon, or importing and exporting task files. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** A step of the shutdown hook: its failure is logged, and the steps after it still run. */
  private static void guarded(String step, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      log.warn("Shutting down: {} failed", step, e);
    }
  }

  private final String mode;
  private final String store;
  private final String zone;
  private final int stopGraceSeconds;
  private final @Nullable String nodeId;
  private final @Nullable Integer metricsPort;
  private final String metricsBind;
  private final @Nullable Path plugins;
  private final Settings settings;

  @SuppressForbidden(reason = "usage errors go to the real stderr, help and version to stdout")
  public static void main(String[] args) {
    launchProcessesByFork();
    carrierThreadsAtLeast(4);
    boundHttpRequests();
    PrintStream protocolOut = takeOverStdout();
    PrintStream err = System.err;
    int code;
    try {
      code = run(args, protocolOut);
    } catch (Settings.SettingsException e) {
      err.println("schedulerd: " + e.getMessage());
      code = 2;
    } catch (CommandLineArgs.UsageException e) {
      // One message, not the whole usage text: an MCP client shows stderr to its user.
      err.println("schedulerd: " + e.getMessage());
      err.println("Run 'schedulerd --help' for the options.");
      code = 2;
    } catch (DaemonSocket.AlreadyRunning e) {
      // Not a failure to retry: a service manager's Restart= leaves exit code 3 alone.
      err.println("schedulerd: " + e.getMessage());
      code = 3;
    } catch (StoreException | IllegalStateException e) {
      // The message already says which file or plugin, what is wrong and what to do.
      err.println("schedulerd: " + e.getMessage());
      code = 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = 1;
    } catch (RuntimeException | Error e) {
      // A bug: the whole trace, and exit all the same (other threads would keep the JVM up).
      log.error("schedulerd failed", e);
      code = 1;
    }
    System.exit(code);
  }

  /**
   * The JDK's HTTP server (metrics, dashboard) waits for ever on a request that is never finished
   * and takes any number of connections unless told: bounded here, before it is first used. The
   * operator's own settings win. Responses stay unbounded: the dashboard's event streams are long.
   */
  private static void boundHttpRequests() {
    for (String[] setting :
        new String[][] {
          {"sun.net.httpserver.maxReqTime", "10"}, {"jdk.httpserver.maxConnections", "128"}
        }) {
      if (System.getProperty(setting[0]) == null) {
        System.setProperty(setting[0], setting[1]);
      }
    }
  }

  /**
   * Virtual threads run on as many carrier threads as cores; one pinned while it loads a class (the
   * JVM's own frames on its stack) holds its carrier. On two cores two runs loading classes at once
   * left none for the thread that held the lock they waited for. A floor of carriers makes that far
   * less likely; the operator's own setting wins.
   */
  private static void carrierThreadsAtLeast(int floor) {
    String key = "jdk.virtualThreadScheduler.parallelism";
    if (System.getProperty(key) == null) {
      System.setProperty(
          key, Integer.toString(Math.max(floor, Runtime.getRuntime().availableProcessors())));
    }
  }

  @SuppressForbidden(reason = "the operator's commands speak to a person: errors on stderr")
  private static PrintStream operatorErr() {
    return System.err;
  }

  /** Parses {@code args} and runs what they ask for; the process's exit code. */
  static int run(String[] args, PrintStream protocolOut) throws InterruptedException {
    if (args.length > 0 && OperatorCommand.VERBS.contains(args[0])) {
      try {
        return OperatorCommand.run(args, protocolOut, operatorErr());
      } catch (java.io.IOException e) {
        operatorErr().println("schedulerd " + args[0] + ": " + e.getMessage());
        return 1;
      } finally {
        protocolOut.flush();
      }
    }
    CommandLineArgs cli =
        CommandLineArgs.parse(
            args, config -> Settings.load(config, System.getenv(), SeedFiles.home()));
    PrintStream out = protocolOut; // help, version and the task-file commands' reports
    if (cli.helpRequested()) {
      out.print(CommandLineArgs.usage(cli.command()));
      out.flush();
      return 0;
    }
    if (cli.versionRequested()) {
      out.println("schedulerd " + Version.current());
      out.flush();
      return 0;
    }
    return switch (cli.command()) {
      case SERVE ->
          inProcess(cli) ? new Main(cli, protocolOut).call() : frontEnd(cli, args, protocolOut);
      case DAEMON -> new Main(cli, protocolOut).call();
      case IMPORT -> SeedFileCommands.importFile(cli, out);
      case EXPORT -> SeedFileCommands.exportFile(cli, out);
      case SERVICE -> ServiceCommand.run(cli, args, out);
    };
  }

  private final PrintStream protocolOut;

  /**
   * Whether this client is served in this process (as before the background daemon): with {@code
   * --no-daemon}, or a memory store, which no other process could share.
   */
  private static boolean inProcess(CommandLineArgs cli) {
    return cli.flag(CommandLineArgs.NO_DAEMON)
        || StoreSelection.parse(cli.text(CommandLineArgs.STORE)).name().equals("memory");
  }

  /** The thin front-end: relays this client's session to the store's background daemon. */
  private static int frontEnd(CommandLineArgs cli, String[] args, PrintStream protocolOut)
      throws InterruptedException {
    String store = DaemonCommand.normalizedStore(cli.text(CommandLineArgs.STORE));
    DaemonPaths paths = DaemonPaths.of(store, System.getenv());
    String name = DaemonPaths.nameOf(store);
    Path logFile =
        SeedFiles.home()
            .resolve(".memory")
            .resolve(name.equals("default") ? "schedulerd.log" : "schedulerd-" + name + ".log");
    DaemonStarter starter =
        new DaemonStarter(
            paths,
            DaemonCommand.of(args),
            DaemonCommand.environment(store, System.getenv()),
            logFile,
            Version.build(),
            DaemonOptions.of(cli),
            storeFileOf(store),
            Duration.ofSeconds(60));
    return new FrontEnd(starter, new FileInputStream(FileDescriptor.in), protocolOut).run();
  }

  private final @Nullable String socket;
  private final Map<String, String> daemonOptions;
  private final java.util.concurrent.atomic.AtomicReference<@Nullable DashboardServer>
      runningDashboard = new java.util.concurrent.atomic.AtomicReference<>();

  private Main(CommandLineArgs cli, PrintStream protocolOut) {
    this.protocolOut = protocolOut;
    this.settings = cli.settings();
    this.mode = cli.command().wireName();
    this.store = cli.text(CommandLineArgs.STORE);
    this.daemonOptions = DaemonOptions.of(cli);
    this.zone = cli.text(CommandLineArgs.ZONE);
    Integer grace = cli.number(CommandLineArgs.STOP_GRACE);
    if (grace != null && (grace < 0 || grace > 3600)) {
      throw new CommandLineArgs.UsageException(
          "Invalid value for option '--stop-grace': "
              + grace
              + " is not a number of seconds from 0 to 3600");
    }
    this.stopGraceSeconds = grace == null ? 2 : grace;
    this.nodeId = cli.value(CommandLineArgs.NODE_ID);
    this.metricsPort = cli.number(CommandLineArgs.METRICS_PORT);
    this.metricsBind = cli.text(CommandLineArgs.METRICS_BIND);
    this.socket =
        cli.command() == CommandLineArgs.Command.DAEMON ? cli.value(CommandLineArgs.SOCKET) : null;
    String pluginDir = cli.value(CommandLineArgs.PLUGINS);
    this.plugins = pluginDir == null ? null : Path.of(pluginDir);
  }

  /**
   * Shell tasks and MCP servers are started by forking, not through the JDK's default helper
   * process ({@code jspawnhelper}): killed in the middle of two concurrent launches, the daemon
   * left two helpers each waiting on a pipe the other held open, and both kept the daemon's stdout
   * open, so the MCP client never saw the end of its session (CrashLoopIT found it). A forked child
   * closes every other descriptor before it execs and never waits on its parent. An operator's own
   * -Djdk.lang.Process.launchMechanism wins.
   */
  private static void launchProcessesByFork() {
    if (System.getProperty("jdk.lang.Process.launchMechanism") == null) {
      System.setProperty("jdk.lang.Process.launchMechanism", "FORK");
    }
  }

  /**
   * Keeps the real stdout for the MCP transport and points {@code System.out} at stderr, so that a
   * library printing to stdout cannot corrupt the protocol.
   */
  @SuppressForbidden(reason = "the one place that owns the real stdout")
  private static PrintStream takeOverStdout() {
    PrintStream real =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    return real;
  }

  /**
   * From here on, every line written to stderr (and to {@code System.out}, which points there) has
   * the values of the variables tasks may use masked.
   */
  @SuppressForbidden(reason = "the one place that owns stderr")
  private static void maskStderr(SecretMask mask) {
    if (mask.isEmpty()) {
      return;
    }
    PrintStream masked =
        new PrintStream(new MaskingOutputStream(System.err, mask), true, StandardCharsets.UTF_8);
    System.setErr(masked);
    System.setOut(masked);
  }

  int call() throws InterruptedException {
    // The daemon takes its socket first: a second daemon of the store stops before opening it.
    CountDownLatch shutdown = new CountDownLatch(1);
    DaemonSocket claimed = mode.equals("daemon") ? claimSocket(shutdown) : null;
    ZoneId defaultZone = CommandLineArgs.zone(zone);
    ClassLoader pluginLoader =
        Plugins.loaderFor(
            plugins != null ? plugins : Plugins.defaultFolder(), Main.class.getClassLoader());
    ExecutorRegistry executors;
    try {
      executors = ExecutorRegistry.load(pluginLoader).configure(settings.executorSettings());
    } catch (IllegalArgumentException e) {
      throw new CommandLineArgs.UsageException("config file: " + e.getMessage());
    }
    SecretMask secrets = SecretMask.daemon(System.getenv(), executors::allowsAny);
    maskStderr(secrets);
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    boolean defaultStoreIsNew =
        isDefaultStore(store) && isMissingOrEmpty(SqliteOptions.defaultFile());
    TaskStore opened = openStore(store, settings, pluginLoader);
    if (defaultStoreIsNew) {
      importSeedFile(opened, defaultZone);
    }
    TaskStore taskStore = new TimedTaskStore(opened, meters);
    SchedulerBuilder builder =
        Scheduler.builder()
            .store(taskStore)
            .executors(executors)
            .secretMask(secrets)
            .defaultZone(defaultZone)
            .stopGrace(Duration.ofSeconds(Math.max(0, stopGraceSeconds)));
    if (nodeId != null) {
      builder.nodeId(nodeId);
    }
    Settings.Limits limits = settings.limits();
    limits.resources().forEach(builder::resourceCapacity);
    limits.maxRunsPerKind().forEach(builder::maxConcurrentRuns);
    if (limits.maxRuns() != null) {
      builder.maxConcurrentRuns(limits.maxRuns());
    }
    builder.maxQueuedTasks(limits.maxTasks());
    if (limits.priorityAgingSeconds() != null) {
      builder.priorityAging(Duration.ofSeconds(limits.priorityAgingSeconds()));
    }
    if (limits.leaseSeconds() != null) {
      builder.leaseDuration(Duration.ofSeconds(limits.leaseSeconds()));
    }
    if (limits.retentionHours() != null) {
      builder.finishedTaskRetention(Duration.ofHours(limits.retentionHours()));
    }
    Scheduler scheduler = builder.build();
    SchedulerMetrics metrics = new SchedulerMetrics(scheduler);
    metrics.bindTo(meters);
    scheduler.addListener(metrics);
    MetricsServer metricsServer = startMetrics(meters);
    if (mode.equals("daemon") && claimed == null) {
      scheduler.start();
    } // else it starts once the MCP server is built (see serveSocket and below)
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shutdown.countDown();
                  // Each step guarded: main closes the scheduler at the same time, and a step
                  // that fails must not leave the URL or daemon file of a stopped daemon behind.
                  DashboardServer dashboard = runningDashboard.getAndSet(null);
                  if (dashboard != null) {
                    guarded("closing the dashboard", dashboard::close); // before the socket
                  }
                  guarded("stopping the scheduler", scheduler::close);
                  if (claimed != null) {
                    // the socket file goes; the JVM may halt before main closes it
                    guarded("releasing the daemon socket", claimed::close);
                  }
                },
                "schedulerd-shutdown"));
    try {
      if (mode.equals("daemon")) {
        serveSocket(claimed, scheduler, metrics, shutdown);
        return 0;
      }
      OutputStream out = protocolOut;
      try (SchedulerdServer server =
          new SchedulerdServer(
              scheduler,
              Version.current(),
              new FileInputStream(FileDescriptor.in),
              out,
              () -> {},
              metrics::figures)) {
        // The client's initialize must not wait for the store's tasks to load (a million take
        // seconds; clients give up on a silent server): tools answer meanwhile, and
        // scheduler_daemon_status says 'starting'. Started only once the server is built: runs
        // starting (recovered ones at once) while this thread still loads the server's classes
        // could take both carriers of a 2-core machine, pinned in class loading, waiting for a
        // lock this thread held (seen: CrashLoopIT hung).
        Thread.ofPlatform()
            .name("schedulerd-start")
            .daemon()
            .start(() -> startInBackground(scheduler));
        server.awaitSessionEnd();
      }
      return 0;
    } finally {
      scheduler.close();
      executors.closeAll();
      taskStore.close();
      if (metricsServer != null) {
        metricsServer.close();
      }
    }
  }

  /**
   * The background daemon's socket ({@code --socket PATH}, else the store's in the private folder),
   * or null with {@code --socket none}.
   *
   * @param shutdown counted down to stop the daemon (a hand-over to a newer build)
   * @throws DaemonSocket.AlreadyRunning when a daemon of this store runs
   */
  private @Nullable DaemonSocket claimSocket(CountDownLatch shutdown) {
    if ("none".equals(socket)) {
      return null;
    }
    DaemonPaths paths;
    if (socket != null) {
      Path given = Path.of(socket).toAbsolutePath();
      Path folder = java.util.Objects.requireNonNullElse(given.getParent(), Path.of("/"));
      paths = DaemonPaths.in(folder, store).withSocket(given);
    } else {
      paths = DaemonPaths.of(store, System.getenv());
    }
    DaemonAnswers answers =
        new DaemonAnswers(
            Version.build(),
            daemonOptions,
            System.getenv(DaemonAnswers.SERVICE_VARIABLE),
            Duration.ofSeconds(Math.max(0, stopGraceSeconds)),
            shutdown::countDown);
    Path storeFile = storeFileOf(store);
    DaemonSocket claimed =
        DaemonSocket.claim(
            paths, storeFile, io.modelcontextprotocol.json.McpJsonDefaults.getMapper(), answers);
    claimed.watch(SOCKET_CHECK_INTERVAL, shutdown::countDown);
    return claimed;
  }

  /** The store's file, or null for a store without one (or a location that is not valid). */
  private static @Nullable Path storeFileOf(String store) {
    try {
      return StoreSelection.parse(store).file();
    } catch (IllegalArgumentException e) {
      return null; // a bad location: opening the store says what is wrong
    }
  }

  /** How often the daemon checks that its socket file is still there to be reached. */
  private static final Duration SOCKET_CHECK_INTERVAL = Duration.ofSeconds(5);

  /**
   * The background daemon: serves every MCP client that connects to its socket on this one
   * scheduler, until SIGTERM; no client needs to be connected.
   */
  private void serveSocket(
      @Nullable DaemonSocket claimed,
      Scheduler scheduler,
      SchedulerMetrics metrics,
      CountDownLatch shutdown)
      throws InterruptedException {
    if (claimed == null) {
      log.info("schedulerd daemon running (no socket); stop it with SIGTERM");
      shutdown.await();
      return;
    }
    try (claimed;
        SchedulerdServer server =
            new SchedulerdServer(
                scheduler,
                Version.current(),
                claimed.transport(),
                () -> {
                  Map<String, Object> figures = new java.util.LinkedHashMap<>(metrics.figures());
                  figures.put("pid", ProcessHandle.current().pid());
                  figures.put("socket", claimed.transport().path().toString());
                  figures.put("clients_connected", claimed.transport().sessionCount());
                  String logFile = System.getenv(DaemonStarter.LOG_FILE_VARIABLE);
                  if (logFile != null) {
                    figures.put("log_file", logFile);
                  }
                  return figures;
                })) {
      log.info(
          "schedulerd daemon serving MCP clients on {}; stop it with SIGTERM",
          claimed.transport().path());
      // A start that fails stops the daemon, as before the socket: a service manager restarts it.
      scheduler.start();
      log.info("schedulerd daemon running");
      // On SIGTERM the JVM may halt before this thread closes it: the shutdown hook does then.
      try (DashboardServer dashboard =
          DaemonDashboard.start(
              settings.dashboard(), store, scheduler, metrics::figures, runningDashboard::set)) {
        shutdown.await();
      }
    }
  }

  private static void startInBackground(Scheduler scheduler) {
    try {
      scheduler.start();
    } catch (RuntimeException e) {
      if (scheduler.lifecycle() == Scheduler.Lifecycle.CLOSED) {
        return; // the session ended before the start began
      }
      log.error(
          "The scheduler could not start: {}. The MCP tools still answer; scheduler_start_daemon"
              + " tries again.",
          e.getMessage(),
          e);
    }
  }

  /**
   * Starts the metrics endpoint when a port was given. A taken port stops the daemon in daemon mode
   * (it was asked for explicitly); in stdio mode several processes share a machine, so the endpoint
   * is skipped with a warning.
   */
  private @Nullable MetricsServer startMetrics(PrometheusMeterRegistry meters) {
    Integer port = metricsPort;
    if (port == null) {
      return null;
    }
    // promtool's lint: no abbreviated unit in a name (process_cpu_time_ns_total, already as
    // process_cpu_usage) and no _count suffix on a gauge (system_cpu_count).
    meters
        .config()
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
        .meterFilter(
            new MeterFilter() {
              @Override
              public io.micrometer.core.instrument.Meter.Id map(
                  io.micrometer.core.instrument.Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
              }
            });
    new JvmMemoryMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ClassLoaderMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    new VirtualThreadMetrics().bindTo(meters);
    try {
      MetricsServer server = MetricsServer.start(metricsBind, port, meters);
      log.info("Metrics on http://{}:{}/metrics", metricsBind, server.port());
      return server;
    } catch (java.io.IOException e) {
      String why =
          "cannot serve metrics on " + metricsBind + ":" + port + " (" + e.getMessage() + ")";
      if (mode.equals("daemon")) {
        throw new IllegalStateException(why + "; choose another --metrics-port");
      }
      log.warn("{}; going on without a metrics endpoint (another schedulerd may have it)", why);
      return null;
    }
  }

  /** Opens the store; a bad name or setting is a usage error (exit 2). */
  static TaskStore openStore(String spec, Settings settings, ClassLoader loader) {
    try {
      return StoreSelection.parse(spec).open(settings.storeOptions(), loader);
    } catch (IllegalArgumentException e) {
      throw new CommandLineArgs.UsageException("--store " + spec + ": " + e.getMessage());
    }
  }

  /** Whether {@code spec} names the default SQLite file, by an empty location or its path. */
  private static boolean isDefaultStore(String spec) {
    StoreSelection selection = StoreSelection.parse(spec);
    if (!selection.name().equals("sqlite")) {
      return false;
    }
    try {
      Path file = SqliteOptions.parse(selection.location(), Map.of()).file();
      return file.toAbsolutePath()
          .normalize()
          .equals(SqliteOptions.defaultFile().toAbsolutePath().normalize());
    } catch (IllegalArgumentException e) {
      return false; // opening it says what is wrong
    }
  }

  private static boolean isMissingOrEmpty(Path file) {
    try {
      return !Files.exists(file) || Files.size(file) == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * The seed kept its tasks in ~/.memory/scheduler_tasks.json. When the default SQLite store is
   * created (no file before this start) and that file exists, its tasks move in; the file is only
   * read.
   */
  private void importSeedFile(TaskStore taskStore, ZoneId defaultZone) {
    Path seedFile = SeedFiles.defaultFile();
    if (!Files.isRegularFile(seedFile)) {
      return;
    }
    try {
      SeedFiles.ImportReport report =
          SeedFiles.importInto(
              taskStore,
              seedFile,
              new FireTimes(defaultZone),
              java.time.InstantSource.system().instant());
      log.info(
          "New task store: imported {} task(s) from the seed's file {} (left untouched){}",
          report.imported(),
          seedFile,
          report.alreadyPresent().isEmpty() ? "" : "; already present: " + report.alreadyPresent());
    } catch (StoreException e) {
      log.error(
          "Could not import the seed's task file; starting without its tasks: {}", e.getMessage());
    }
  }
}
