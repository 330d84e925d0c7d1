package dev.schedulerd.mcp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.SuppressForbidden;
import dev.schedulerd.mcp.transport.DaemonRequests;
import dev.schedulerd.store.json.SeedFiles;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaches the background daemon of a store, starting it when none answers: race-free (front-ends
 * started at once take the start lock in turn and re-check before starting one) and self-healing (a
 * socket left by a dead daemon is replaced by the new daemon, which holds the daemon lock).
 *
 * <p>The daemon is started detached from the client: in a session of its own ({@code setsid} where
 * there is one), input from /dev/null, output appended to its log, so that neither the client's
 * SIGTERM nor a kill of the front-end reaches it.
 */
final class DaemonStarter {
  private static final Logger log = LoggerFactory.getLogger(DaemonStarter.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The longest a front-end waits for an older daemon to stop when it hands over. */
  private static final Duration MAX_HAND_OVER = Duration.ofSeconds(120);

  /** How long a started daemon that exited is given for another one's socket to answer. */
  private static final Duration EXITED_GRACE = Duration.ofSeconds(3);

  /** Tells the daemon where its output goes, for scheduler_daemon_status. */
  static final String LOG_FILE_VARIABLE = "SCHEDULERD_DAEMON_LOG";

  /** A log larger than this is moved aside (to {@code .1}) before the daemon starts. */
  static final long MAX_LOG_BYTES = 10L * 1024 * 1024;

  private final DaemonPaths paths;
  private final List<String> daemonCommand;
  private final Map<String, String> daemonEnvironment;
  private final Path logFile;
  private final String version;
  private final Map<String, String> options;
  private final @Nullable Path storeFile;
  private final Duration startTimeout;

  /**
   * @param daemonCommand the command that runs {@code schedulerd daemon} for this store
   * @param daemonEnvironment variables set for it (its store: not on its command line)
   * @param logFile where the daemon's output goes
   * @param version this build's version, compared with the daemon's
   * @param options this client's settings ({@link DaemonOptions}), compared with the daemon's
   * @param storeFile the store's file, beside which its daemon names its socket (null: none)
   * @param startTimeout how long a started daemon may take to accept connections
   */
  DaemonStarter(
      DaemonPaths paths,
      List<String> daemonCommand,
      Map<String, String> daemonEnvironment,
      Path logFile,
      String version,
      Map<String, String> options,
      @Nullable Path storeFile,
      Duration startTimeout) {
    this.paths = paths;
    this.daemonCommand = List.copyOf(daemonCommand);
    this.daemonEnvironment = Map.copyOf(daemonEnvironment);
    this.logFile = logFile;
    this.version = version;
    this.options = Map.copyOf(options);
    this.storeFile = storeFile;
    this.startTimeout = startTimeout;
  }

  /** A connection to the daemon, greeted, and what its user should know about its build. */
  record Reached(SocketChannel channel, @Nullable String warning) {}

  /** What a daemon says of itself when greeted. */
  record Greeting(
      String build, String pid, Map<String, String> options, @Nullable String serviceRestart) {
    /**
     * How the user restarts this daemon: its service's command, or a kill (a client restarts it).
     */
    String restart() {
      return serviceRestart != null
          ? "restart its service: " + serviceRestart
          : "kill " + pid + "; the next client starts it";
    }
  }

  /**
   * Reaches the daemon, starting it when none answers. A daemon of an older build is asked to hand
   * over (it stops, and this front-end starts its own build); a newer one, or one that refuses,
   * serves on, with a warning for the user.
   *
   * @throws IllegalStateException when the folder is unsafe or the daemon did not come up (the
   *     message quotes its log)
   */
  Reached reach() throws IOException {
    SocketChannel channel = connectOrStart();
    Greeting greeting = greetOrClose(channel);
    if (!Version.isNewer(version, greeting.build())) {
      return new Reached(channel, otherBuild(greeting, null));
    }
    closeQuietly(channel);
    return handOver();
  }

  /**
   * A connection to the daemon, started first when none answers: on this runtime folder's socket,
   * else on the one the store's daemon named beside the store (a daemon started by a client with
   * another {@code XDG_RUNTIME_DIR}).
   */
  private SocketChannel connectOrStart() throws IOException {
    paths.prepare();
    SocketChannel running = connectToRunning();
    if (running != null) {
      return running;
    }
    try (FileChannel lockFile = openStartLock();
        FileLock ignored = lockStart(lockFile)) {
      running = connectToRunning(); // another front-end may have started it
      return running != null ? running : startAndConnect();
    }
  }

  private @Nullable SocketChannel connectToRunning() {
    SocketChannel running = FrontEnd.tryConnect(paths.socket());
    if (running != null || storeFile == null) {
      return running;
    }
    Path elsewhere = DaemonSocket.socketBeside(storeFile);
    if (elsewhere == null || elsewhere.equals(paths.socket())) {
      return null;
    }
    running = FrontEnd.tryConnect(elsewhere);
    if (running != null) {
      log.info("The store's daemon listens on {} (another runtime folder)", elsewhere);
    }
    return running;
  }

  /**
   * Waits for the start lock, at most {@link #startLockLimit()}: its holder is starting a daemon or
   * waiting for an older one to hand over, each bounded.
   */
  @SuppressForbidden(reason = "polls a file lock another process holds; no signal to wait on")
  private FileLock lockStart(FileChannel lockFile) throws IOException {
    long deadline = System.nanoTime() + startLockLimit().toNanos();
    while (true) {
      FileLock lock = lockFile.tryLock();
      if (lock != null) {
        return lock;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "another schedulerd front-end held the start lock "
                + paths.lock()
                + " for "
                + startLockLimit().toSeconds()
                + " s (starting the daemon or waiting for one to hand over); see "
                + logFile);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the start lock", e);
      }
    }
  }

  /** The longest a start lock is held: a start, or a hand-over and a start. */
  private Duration startLockLimit() {
    return startTimeout.plus(MAX_HAND_OVER).plus(GREETING_LIMIT).plus(Duration.ofSeconds(10));
  }

  /**
   * Under the start lock (front-ends of the old build that lose their daemon wait for it, instead
   * of starting the old build again): asks the older daemon to stop, waits for it to exit, starts
   * this build's.
   */
  private Reached handOver() throws IOException {
    try (FileChannel lockFile = openStartLock();
        FileLock ignored = lockStart(lockFile)) {
      SocketChannel channel = connectToRunning();
      if (channel == null) {
        channel = startAndConnect();
        return new Reached(channel, otherBuild(greetOrClose(channel), null));
      }
      Greeting greeting = greetOrClose(channel);
      if (!Version.isNewer(version, greeting.build())) {
        return new Reached(channel, otherBuild(greeting, null)); // replaced meanwhile
      }
      JsonNode answer;
      try {
        answer =
            request(
                channel,
                DaemonRequests.HAND_OVER_METHOD,
                "{\"build\":" + JSON.writeValueAsString(version) + "}");
      } catch (IOException | RuntimeException e) {
        closeQuietly(channel);
        throw e;
      }
      if (!answer.path("accepted").asBoolean()) {
        return new Reached(channel, otherBuild(greeting, answer.path("reason").asText("")));
      }
      closeQuietly(channel);
      long stopsWithin =
          Math.min(MAX_HAND_OVER.toSeconds(), answer.path("stops_within_seconds").asLong(30));
      log.info(
          "The daemon of build {} (pid {}) hands over to this build ({}); starting it once the old"
              + " one stopped (at most {} s)",
          greeting.build(),
          greeting.pid(),
          version,
          stopsWithin);
      awaitExit(greeting.pid(), Duration.ofSeconds(stopsWithin));
      channel = startAndConnect();
      return new Reached(channel, otherBuild(greetOrClose(channel), null));
    }
  }

  private void awaitExit(String pid, Duration limit) throws IOException {
    ProcessHandle old;
    try {
      old = ProcessHandle.of(Long.parseLong(pid)).orElse(null);
    } catch (NumberFormatException e) {
      old = null;
    }
    if (old == null) {
      return;
    }
    try {
      old.onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "the old schedulerd daemon (pid "
              + pid
              + ") agreed to hand over but did not stop within "
              + limit.toSeconds()
              + " s; stop it (kill "
              + pid
              + ") and start the client again",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the old daemon stopped", e);
    } catch (ExecutionException e) {
      throw new IOException("could not watch the old daemon stop", e);
    }
  }

  private FileChannel openStartLock() throws IOException {
    return FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  /** Starts the daemon and connects to it; the caller holds the start lock. */
  @SuppressForbidden(
      reason =
          "polls another process's socket while it starts (bounded by startTimeout): nothing in"
              + " this process could signal a condition")
  private SocketChannel startAndConnect() throws IOException {
    try {
      Process daemon = start();
      long deadline = System.nanoTime() + startTimeout.toNanos();
      long exitedAt = 0;
      while (System.nanoTime() < deadline) {
        SocketChannel connected = FrontEnd.tryConnect(paths.socket());
        if (connected != null) {
          return connected;
        }
        if (!daemon.isAlive()) {
          // Exited: a failure, or a daemon started by hand meanwhile, about to listen.
          exitedAt = exitedAt == 0 ? System.nanoTime() : exitedAt;
          if (System.nanoTime() - exitedAt > EXITED_GRACE.toNanos()) {
            throw new IllegalStateException(
                "the schedulerd daemon exited with code "
                    + daemon.exitValue()
                    + " as it started; its log ("
                    + logFile
                    + ") ends with:\n"
                    + tail(logFile));
          }
        }
        Thread.sleep(25); // polling a socket that is about to be bound
      }
      throw new IllegalStateException(
          "the schedulerd daemon did not accept connections within "
              + startTimeout.toSeconds()
              + " s; its log ("
              + logFile
              + ") ends with:\n"
              + tail(logFile));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the daemon", e);
    }
  }

  /** How long a daemon may take to answer the greeting of a new connection. */
  static final Duration GREETING_LIMIT = Duration.ofSeconds(10);

  /**
   * Greets the daemon on a new connection: it must answer as a schedulerd daemon within {@link
   * #GREETING_LIMIT} (a refusal, such as a full daemon's, is an error). Closes the connection when
   * it fails.
   *
   * @throws IOException when it refused, closed, or did not answer in time
   */
  Greeting greetOrClose(SocketChannel channel) throws IOException {
    try {
      JsonNode result = request(channel, DaemonRequests.HELLO_METHOD, "{}");
      if (!result.path("name").asText().equals("schedulerd")) {
        throw new IOException("what answers on " + paths.socket() + " is not a schedulerd daemon");
      }
      Map<String, String> options = new java.util.TreeMap<>();
      result
          .path("options")
          .properties()
          .forEach(e -> options.put(e.getKey(), e.getValue().asText()));
      String service = result.path("service_restart").asText("");
      return new Greeting(
          result.path("version").asText(""),
          result.path("pid").asText("?"),
          options,
          service.isEmpty() ? null : service);
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * Sends one request outside MCP and reads its answer, within {@link #GREETING_LIMIT}.
   *
   * @return its result
   */
  private JsonNode request(SocketChannel channel, String method, String params) throws IOException {
    String id = "schedulerd-front-end-" + java.util.UUID.randomUUID();
    java.util.concurrent.atomic.AtomicBoolean answered =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CompletableFuture.delayedExecutor(
            GREETING_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              if (!answered.get()) {
                closeQuietly(channel); // ends the read below
              }
            });
    String line;
    try {
      FrontEnd.write(
          channel,
          "{\"jsonrpc\":\"2.0\",\"id\":\""
              + id
              + "\",\"method\":\""
              + method
              + "\",\"params\":"
              + params
              + "}");
      line = FrontEnd.readLine(channel);
    } catch (java.nio.channels.ClosedChannelException e) {
      throw new IOException(
          "the daemon did not answer " + method + " within " + GREETING_LIMIT.toSeconds() + " s",
          e);
    } finally {
      answered.set(true);
    }
    if (line == null) {
      throw new IOException("the daemon closed the connection before answering " + method);
    }
    JsonNode answer = JSON.readTree(line);
    if (answer.has("error")) {
      throw new IOException(
          "the daemon refused the connection: " + answer.path("error").path("message").asText());
    }
    if (!answer.path("id").asText().equals(id)) {
      throw new IOException("what answers on " + paths.socket() + " is not a schedulerd daemon");
    }
    return answer.path("result");
  }

  /**
   * What to tell the user about the daemon reached: another build, or other settings than this
   * client's (which then do not apply); null when neither.
   */
  private @Nullable String otherBuild(Greeting greeting, @Nullable String refusal) {
    String build = buildWarning(greeting, refusal);
    String differences = DaemonOptions.differences(greeting.options(), options);
    if (differences == null) {
      return build;
    }
    String settings =
        "the schedulerd daemon serving this store (pid "
            + greeting.pid()
            + ") runs with other settings than this client's: "
            + differences
            + "; this client's apply once it restarts with them ("
            + greeting.restart()
            + ")";
    return build == null ? settings : build + "; " + settings;
  }

  private @Nullable String buildWarning(Greeting greeting, @Nullable String refusal) {
    if (greeting.build().equals(version)) {
      return null;
    }
    String theirs = greeting.build().isEmpty() ? "unknown" : greeting.build();
    String about =
        "the schedulerd daemon serving this store (pid "
            + greeting.pid()
            + ") is version "
            + theirs
            + ", this is "
            + version;
    if (refusal != null) {
      return about + "; it did not hand over: " + refusal;
    }
    if (Version.isNewer(theirs, version)) {
      return about + ": a newer build, which serves this client as well";
    }
    return about + ": it keeps serving until it is restarted (" + greeting.restart() + ")";
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private Process start() throws IOException {
    rotate(logFile);
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid"); // a session of its own: no signal of the client's group
    } else if (Files.isExecutable(Path.of("/bin/setsid"))) {
      command.add("/bin/setsid");
    }
    command.addAll(daemonCommand);
    log.info("Starting the schedulerd daemon; its log: {}", logFile);
    // In the user's home, not the first client's folder (often /): the daemon outlives that client,
    // and its working folder is where tasks run by default.
    ProcessBuilder builder = new ProcessBuilder(command).directory(SeedFiles.home().toFile());
    builder.environment().putAll(daemonEnvironment);
    builder.environment().put(LOG_FILE_VARIABLE, logFile.toAbsolutePath().toString());
    return builder
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
  }

  /**
   * Moves a log over {@link #MAX_LOG_BYTES} to {@code LOG.1}, replacing the previous one, and
   * leaves a log only this user may read: it holds what clients asked.
   */
  static void rotate(Path logFile) throws IOException {
    Path folder = logFile.toAbsolutePath().getParent();
    if (folder != null) {
      Files.createDirectories(folder);
    }
    if (Files.exists(logFile) && Files.size(logFile) > MAX_LOG_BYTES) {
      Files.move(
          logFile,
          logFile.resolveSibling(logFile.getFileName() + ".1"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    java.util.Set<java.nio.file.attribute.PosixFilePermission> owner =
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
    if (!Files.exists(logFile)) {
      Files.createFile(
          logFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(owner));
    } else {
      Files.setPosixFilePermissions(logFile, owner);
    }
  }

  /** The last lines of the log, from its last 8 KiB at most. */
  private static String tail(Path logFile) {
    try (java.nio.channels.SeekableByteChannel log = Files.newByteChannel(logFile)) {
      long start = Math.max(0, log.size() - 8192);
      log.position(start);
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate((int) (log.size() - start));
      while (bytes.hasRemaining() && log.read(bytes) > 0) {
        // reading the rest
      }
      String text = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
      List<String> lines = List.of(text.split("\n"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
