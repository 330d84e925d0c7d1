package dev.schedulerd.mcp;

import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.metrics.MetricsServer;
import dev.schedulerd.metrics.SchedulerMetrics;
import dev.schedulerd.metrics.TimedTaskStore;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.FireTimes;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.json.SeedFiles;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
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
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code schedulerd} command line. */
@Command(
    name = "schedulerd",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "A task scheduler that AI agents drive over MCP.",
      "MODE 'serve' (default) speaks MCP on stdin/stdout; 'daemon' only schedules, until SIGTERM."
    },
    exitCodeOnInvalidInput = 2,
    subcommands = {SeedFileCommands.Import.class, SeedFileCommands.Export.class},
    footer = {
      "%nSettings also come from the environment (SCHEDULERD_STORE, SCHEDULERD_ZONE,"
          + " SCHEDULERD_KEEP_ALIVE, SCHEDULERD_STOP_GRACE, SCHEDULERD_NODE_ID, SCHEDULERD_PLUGINS,"
          + " SCHEDULERD_METRICS_PORT, SCHEDULERD_METRICS_BIND) and a config file"
          + " (--config FILE, else $SCHEDULERD_CONFIG, else"
          + " ~/.config/schedulerd/schedulerd.properties; keys: the option names, plus"
          + " store.OPTION). The command line wins over the environment, which wins over the"
          + " config file."
    })
public final class Main implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "MODE",
      description = "serve (default) or daemon")
  private String mode = "serve";

  @Option(
      names = "--store",
      paramLabel = "NAME[:LOCATION]",
      description =
          "Where tasks live: sqlite[:PATH] (default; PATH defaults to ~/.memory/scheduler.db and"
              + " may end in ?synchronous=normal), json[:PATH] (the seed's task file, one process"
              + " at a time), postgres:jdbc:postgresql://HOST:PORT/DB?user=U&password=P (several"
              + " nodes on several machines), or memory (nothing survives the process).")
  private String store = "sqlite";

  @Option(
      names = "--zone",
      paramLabel = "ZONE",
      description = "Default IANA time zone of cron schedules (default: ${DEFAULT-VALUE}).")
  private String zone = "UTC";

  @Option(
      names = "--keep-alive",
      description = "Keep scheduling after the MCP client disconnects, until SIGTERM.")
  private boolean keepAlive;

  @Option(
      names = "--stop-grace",
      paramLabel = "SECONDS",
      description = "How long runs in flight may finish at shutdown (default: ${DEFAULT-VALUE}).")
  private int stopGraceSeconds = 2;

  @Option(
      names = "--node-id",
      paramLabel = "ID",
      description = "This node's id in leases and runs.")
  private @Nullable String nodeId;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "A properties file with the settings above (keys: the option names).")
  private @Nullable Path config;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "Serve Prometheus metrics on http://BIND:PORT/metrics (off unless given; 0 = any free"
              + " port).")
  private @Nullable Integer metricsPort;

  @Option(
      names = "--metrics-bind",
      paramLabel = "ADDRESS",
      description = "Address of the metrics endpoint (default: ${DEFAULT-VALUE}).")
  private String metricsBind = "127.0.0.1";

  @Option(
      names = "--plugins",
      paramLabel = "DIR",
      description =
          "Folder of plugin jars (executors, stores) loaded at start (default:"
              + " ~/.memory/schedulerd-plugins).")
  private @Nullable Path plugins;

  private Settings settings = Settings.none();

  Settings settings() {
    return settings;
  }

  @SuppressForbidden(reason = "usage errors go to the real stderr, help and version to stdout")
  public static void main(String[] args) {
    PrintStream protocolOut = takeOverStdout();
    Main main = new Main(protocolOut);
    CommandLine cli = new CommandLine(main);
    cli.setOut(new java.io.PrintWriter(protocolOut, true, StandardCharsets.UTF_8));
    cli.setErr(new java.io.PrintWriter(System.err, true, StandardCharsets.UTF_8));
    try {
      main.settings = Settings.load(args, System.getenv(), SeedFiles.home());
    } catch (Settings.SettingsException e) {
      cli.getErr().println("schedulerd: " + e.getMessage());
      System.exit(2);
      return;
    }
    cli.setDefaultValueProvider(main.settings);
    cli.setParameterExceptionHandler(
        (e, arguments) -> {
          // One message, not the whole usage text: an MCP client shows stderr to its user.
          e.getCommandLine().getErr().println("schedulerd: " + e.getMessage());
          e.getCommandLine().getErr().println("Run 'schedulerd --help' for the options.");
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof StoreException || e instanceof IllegalStateException) {
            // The message already says which file or plugin, what is wrong and what to do.
            command.getErr().println("schedulerd: " + e.getMessage());
            return 1;
          }
          throw e;
        });
    int code = cli.execute(args);
    System.exit(code);
  }

  private final PrintStream protocolOut;

  private Main(PrintStream protocolOut) {
    this.protocolOut = protocolOut;
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

  @Override
  public Integer call() throws Exception {
    if (!mode.equals("serve") && !mode.equals("daemon")) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "unknown MODE '" + mode + "': use serve or daemon");
    }
    ZoneId defaultZone;
    try {
      defaultZone = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--zone '" + zone + "' is not an IANA time zone, e.g. Europe/Berlin");
    }
    ClassLoader pluginLoader =
        Plugins.loaderFor(
            plugins != null ? plugins : Plugins.defaultFolder(), Main.class.getClassLoader());
    ExecutorRegistry executors;
    try {
      executors = ExecutorRegistry.load(pluginLoader).configure(settings.executorSettings());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "config file: " + e.getMessage());
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TaskStore opened = openStore(store, settings, pluginLoader, new CommandLine(this));
    importSeedFileOnFirstStart(opened, defaultZone); // needs the store itself, not the wrapper
    TaskStore taskStore = new TimedTaskStore(opened, meters);
    Scheduler.Builder builder =
        Scheduler.builder()
            .store(taskStore)
            .executors(executors)
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
    if (limits.priorityAgingSeconds() != null) {
      builder.priorityAging(Duration.ofSeconds(limits.priorityAgingSeconds()));
    }
    Scheduler scheduler = builder.build();
    SchedulerMetrics metrics = new SchedulerMetrics(scheduler);
    metrics.bindTo(meters);
    scheduler.addListener(metrics);
    MetricsServer metricsServer = startMetrics(meters);
    if (mode.equals("daemon")) {
      scheduler.start();
    } else {
      // The client's initialize must not wait for the store's tasks to load (a million take
      // seconds; clients give up on a silent server): tools answer meanwhile, and
      // scheduler_daemon_status says 'starting'.
      Thread.ofPlatform()
          .name("schedulerd-start")
          .daemon()
          .start(() -> startInBackground(scheduler));
    }
    CountDownLatch shutdown = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shutdown.countDown();
                  scheduler.close();
                },
                "schedulerd-shutdown"));
    try {
      if (mode.equals("daemon")) {
        log.info("schedulerd daemon running; stop it with SIGTERM");
        shutdown.await();
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
        server.awaitSessionEnd();
      }
      if (keepAlive) {
        log.info("MCP client disconnected; --keep-alive: scheduling until SIGTERM");
        shutdown.await();
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
  static TaskStore openStore(
      String spec, Settings settings, ClassLoader loader, CommandLine commandLine) {
    try {
      return StoreSelection.parse(spec).open(settings.storeOptions(), loader);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          commandLine, "--store " + spec + ": " + e.getMessage());
    }
  }

  /**
   * The seed kept its tasks in ~/.memory/scheduler_tasks.json. When the default SQLite store is
   * created and that file exists, its tasks move in; the file is only read.
   */
  private void importSeedFileOnFirstStart(TaskStore taskStore, ZoneId defaultZone) {
    Path seedFile = SeedFiles.defaultFile();
    if (!(taskStore instanceof SqliteTaskStore sqlite)
        || !sqlite.createdNew()
        || !sqlite.file().equals(SqliteOptions.defaultFile().toAbsolutePath().normalize())
        || !Files.isRegularFile(seedFile)) {
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

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    static String current() {
      String version = Main.class.getPackage().getImplementationVersion();
      return version != null ? version : "dev";
    }

    @Override
    public String[] getVersion() {
      return new String[] {"schedulerd " + current()};
    }
  }
}
