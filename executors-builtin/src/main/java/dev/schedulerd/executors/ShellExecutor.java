package dev.schedulerd.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.EnvReferenceException;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.json.TaskJson;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Kind {@code shell}: runs a command. Disabled until the operator enables it in the config file,
 * with an allowlist of commands; never through MCP.
 *
 * <p>Config: {@code command} (an argv list; a single string runs through {@code /bin/sh -c} only
 * when {@code executors.shell.allow-shell-strings=true}), {@code working_dir}, {@code env} (added
 * variables; values may reference the daemon's own as {@code ${env:NAME}}, resolved at run time),
 * {@code retryable_exit_codes} (when given, only these exits are retried). stdin is closed; the
 * last 64 KiB of stdout and of stderr are kept, with the count of bytes dropped before them. The
 * command runs in its own process group (via {@code setsid} where it exists), and on timeout,
 * interruption or exit the whole tree is killed, so nothing it started is left behind.
 *
 * <p>Settings: {@code enabled} (default false), {@code allow} (comma-separated globs matched
 * against the program, argv[0] — or against the whole string for shell strings; {@code *} allows
 * everything), {@code allow-shell-strings} (default false).
 */
public class ShellExecutor implements TaskExecutor {
  static final int KEPT_BYTES = 64 * 1024;
  static final int MASK_MARGIN = 16 * 1024;
  private static final Set<String> FIELDS =
      Set.of("command", "working_dir", "env", "retryable_exit_codes");
  private static final String SETSID = "/usr/bin/setsid";

  /** What a task's process gets of the daemon's environment, besides {@code LC_*}. */
  static final Set<String> BASE_ENV =
      Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR");

  /**
   * Whether a process the daemon starts for a task (a shell run, an MCP server) gets the daemon's
   * variable {@code name}: only a fixed base, never the operator's secrets.
   */
  static boolean inBaseEnvironment(String name) {
    return BASE_ENV.contains(name) || name.startsWith("LC_");
  }

  private static final String SH = "/bin/sh";

  /**
   * Runs "$@" with stdin from /dev/null, beside a watcher that blocks reading the daemon's end of a
   * pipe: when that closes (the daemon died, even by kill -9, or the run is over), the watcher
   * kills the whole process group. Ends with the command's exit status.
   */
  private static final String SUPERVISOR =
      "exec 3<&0 0</dev/null\n"
          + "(read -r _ <&3; kill -KILL 0) >/dev/null 2>&1 &\n"
          + "watcher=$!\n"
          + "exec 3<&-\n"
          + "\"$@\"\n"
          + "status=$?\n"
          + "kill \"$watcher\" 2>/dev/null\n"
          + "exit \"$status\"\n";

  /**
   * {@link #SUPERVISOR} whose watcher is also a watchdog: its first argument is the instant (epoch
   * milliseconds) by which the run must stop, and each line the daemon writes moves it on (the node
   * renewed the run's lease). When that instant passes with no new line, because the node froze
   * (SIGSTOP, a stalled VM) or lost the store, the watcher kills the whole process group before
   * another node may take the run over. {@code timeout} bounds each wait; the shell's {@code read}
   * takes one line from the pipe and no more.
   */
  private static final String WATCHDOG_SUPERVISOR =
      "exec 3<&0 0</dev/null\n"
          + "stop_by=$1\n"
          + "shift\n"
          // However the inner loop ends (the instant passed, the pipe closed, a line it cannot
          // read, an error), the group is killed: nothing turns the watchdog off but the run's end.
          + "( (while :; do\n"
          + "  now=$(\"$SCHEDULERD_DATE\" +%s%3N)\n"
          + "  case $now in ''|*[!0-9]*) break ;; esac\n"
          + "  left=$((stop_by - now))\n"
          + "  [ \"$left\" -gt 0 ] || break\n"
          + "  [ \"$left\" -le 3600000 ] || left=3600000\n"
          + "  wait_s=$((left / 1000)).$(printf %03d $((left % 1000)))\n"
          // --foreground: timeout stays in the run's process group, killed with it
          + "  line=$(\"$SCHEDULERD_TIMEOUT\" --foreground \"$wait_s\" /bin/sh -c"
          + " 'unset TMOUT; IFS= read -r l <&3 && echo \"$l\"')\n"
          + "  case $? in\n"
          + "    0) case $line in ''|*[!0-9]*) break ;; esac; stop_by=$line ;;\n"
          + "    124) ;;\n"
          + "    *) break ;;\n"
          + "  esac\n"
          + "done); kill -KILL 0) >/dev/null 2>&1 &\n"
          + "watcher=$!\n"
          + "exec 3<&-\n"
          // started after its stop-by instant (the node froze while starting it): it never runs
          + "[ \"$(\"$SCHEDULERD_DATE\" +%s%3N)\" -lt \"$stop_by\" ] || { kill -KILL 0; exit 137; }\n"
          + "unset SCHEDULERD_DATE SCHEDULERD_TIMEOUT\n"
          + "\"$@\"\n"
          + "status=$?\n"
          + "kill \"$watcher\" 2>/dev/null\n"
          + "exit \"$status\"\n";

  /**
   * How long after the run's stop-by instant its watchdog strikes: the node, when it can, stops the
   * run itself at that instant (and records nothing); the watchdog is for a node that cannot.
   */
  static final Duration WATCHDOG_GRACE = Duration.ofMillis(250);

  /**
   * The watchdog's tools, by full path: the task's own PATH (when the operator allows it) must not
   * choose them. Empty where neither place has one: runs then have no watchdog, said once.
   */
  private static final Optional<String> TIMEOUT =
      firstExecutable("/usr/bin/timeout", "/bin/timeout");

  private static final Optional<String> DATE = firstExecutable("/usr/bin/date", "/bin/date");

  private static final AtomicBoolean NO_WATCHDOG_SAID = new AtomicBoolean();

  /**
   * How often a run's wait looks whether its stop-by instant moved on, to tell its watchdog: well
   * within {@link #WATCHDOG_GRACE}, so that a renewal confirmed just in time reaches it in time.
   */
  private static final Duration WATCHDOG_FEED = Duration.ofMillis(100);

  private static Optional<String> firstExecutable(String... paths) {
    for (String path : paths) {
      if (Files.isExecutable(Path.of(path))) {
        return Optional.of(path);
      }
    }
    return Optional.empty();
  }

  private final String kind;
  private final InstantSource clock;
  private volatile ShellPolicy policy;

  public ShellExecutor() {
    this("shell", InstantSource.system());
  }

  protected ShellExecutor(String kind, InstantSource clock) {
    this.kind = kind;
    this.clock = clock;
    this.policy = ShellPolicy.none(kind);
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public String description() {
    return "Runs a command (argv list) with a working directory and added environment; exit 0 is"
        + " success. Disabled unless the operator enables it with an allowlist.";
  }

  @Override
  public boolean enabledByDefault() {
    return false;
  }

  @Override
  public void configure(ExecutorSettings operatorSettings) {
    this.policy = ShellPolicy.of(operatorSettings);
  }

  @Override
  public ObjectNode configSchema() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode schema = json.objectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ObjectNode command = properties.putObject("command");
    command.put(
        "description",
        "The program and its arguments, e.g. [\"/usr/local/bin/backup\", \"--full\"]; a single"
            + " string runs through /bin/sh -c only if the operator allows shell strings.");
    command
        .putArray("oneOf")
        .add(
            json.objectNode()
                .put("type", "array")
                .put("minItems", 1)
                .set("items", json.objectNode().put("type", "string").put("minLength", 1)))
        .add(json.objectNode().put("type", "string").put("minLength", 1));
    properties
        .putObject("working_dir")
        .put("type", "string")
        .put("description", "Directory to run in; default: the daemon's.");
    properties
        .putObject("env")
        .put("type", "object")
        .put(
            "description",
            "Variables to add; a value may be ${env:NAME}, read from the daemon's environment when the task runs.")
        .putObject("additionalProperties")
        .put("type", "string");
    properties
        .putObject("retryable_exit_codes")
        .put("type", "array")
        .put("description", "Exit codes worth retrying; when given, other failures are final.")
        .putObject("items")
        .put("type", "integer")
        .put("minimum", 1)
        .put("maximum", 255);
    schema.putArray("required").add("command");
    schema.put("additionalProperties", false);
    return schema;
  }

  @Override
  public List<String> validate(ObjectNode config) {
    List<String> problems = new ArrayList<>();
    for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        problems.add(
            "unknown field '" + name + "': use command, working_dir, env, retryable_exit_codes");
      }
    }
    ShellPolicy current = policy;
    current.planCommand(config.get("command"), problems);
    JsonNode dir = config.get("working_dir");
    if (dir != null && !dir.isTextual()) {
      problems.add("working_dir: expected a string, got " + TaskJson.kindOf(dir));
    } else if (dir != null) {
      current.checkWorkingDir(dir.asText()).ifPresent(problems::add);
    }
    JsonNode env = config.get("env");
    if (env != null) {
      if (!env.isObject()) {
        problems.add("env: expected an object of strings, got " + TaskJson.kindOf(env));
      } else {
        env.fields()
            .forEachRemaining(
                e -> {
                  if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    problems.add("env: '" + e.getKey() + "' is not a valid variable name");
                  } else if (!current.envPolicy().allows(e.getKey())) {
                    problems.add(
                        "env."
                            + e.getKey()
                            + ": a task may not set it: "
                            + current.envPolicy().refusal(e.getKey()));
                  }
                  if (!e.getValue().isTextual()) {
                    problems.add(
                        "env."
                            + e.getKey()
                            + ": expected a string, got "
                            + TaskJson.kindOf(e.getValue()));
                  }
                });
      }
    }
    JsonNode codes = config.get("retryable_exit_codes");
    if (codes != null) {
      if (!codes.isArray()) {
        problems.add("retryable_exit_codes: expected a list of integers 1-255, got " + codes);
      } else {
        for (JsonNode code : codes) {
          if (!code.isInt() || code.asInt() < 1 || code.asInt() > 255) {
            problems.add("retryable_exit_codes: " + code + " is not an integer from 1 to 255");
          }
        }
      }
    }
    return problems;
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
    ObjectNode config = context.config();
    List<String> problems = validate(config); // this node's policy may differ from the adder's
    List<String> argv = policy.planCommand(config.get("command"), problems);
    if (!problems.isEmpty() || argv == null) {
      return ExecutionResult.permanentFailure(
          "refused on this node: " + String.join("; ", problems));
    }
    Map<String, String> added = new LinkedHashMap<>();
    try {
      JsonNode env = config.path("env");
      for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        added.put(
            e.getKey(), context.resolveEnv(e.getValue().asText(), "config.env." + e.getKey()));
      }
    } catch (EnvReferenceException e) {
      return ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
    }
    boolean ownGroup = Files.isExecutable(Path.of(SETSID)) && Files.isExecutable(Path.of(SH));
    boolean watchdog = ownGroup && TIMEOUT.isPresent() && DATE.isPresent();
    if (ownGroup && !watchdog && NO_WATCHDOG_SAID.compareAndSet(false, true)) {
      context
          .logger()
          .warn(
              "No timeout or date in /usr/bin or /bin: shell runs have no watchdog, so a run of"
                  + " a frozen node is not stopped before another node may take it over");
    }
    Instant stopBy = context.stopBy();
    List<String> launched = new ArrayList<>();
    if (watchdog) {
      // A new session and process group, killed as one; its supervisor kills it when the daemon
      // dies (the pipe on its stdin closes) or stops renewing the run's lease, so no run outlives
      // the daemon that started it, nor runs on after another node may have taken it over.
      launched.addAll(
          List.of(
              SETSID,
              SH,
              "-c",
              WATCHDOG_SUPERVISOR,
              "schedulerd-run",
              Long.toString(watchdogAt(stopBy))));
    } else if (ownGroup) {
      launched.addAll(List.of(SETSID, SH, "-c", SUPERVISOR, "schedulerd-run"));
    }
    launched.addAll(argv);
    ProcessBuilder builder = new ProcessBuilder(launched);
    if (config.hasNonNull("working_dir")) {
      File dir = new File(config.get("working_dir").asText());
      if (!dir.isDirectory()) {
        return ExecutionResult.permanentFailure(
            "working_dir '" + dir + "' does not exist or is not a directory on this node");
      }
      builder.directory(dir);
    }
    // Not the daemon's environment, which holds the operator's secrets: a fixed base, plus what
    // the task sets under the operator's allow-env.
    Map<String, String> environment = builder.environment();
    environment.clear();
    System.getenv()
        .forEach(
            (name, value) -> {
              if (inBaseEnvironment(name)) {
                environment.put(name, value);
              }
            });
    environment.putAll(added);
    if (watchdog) {
      // The watchdog's tools, set after the task's variables so that none can choose them; the
      // supervisor unsets both before it starts the command.
      environment.put("SCHEDULERD_DATE", DATE.orElseThrow());
      environment.put("SCHEDULERD_TIMEOUT", TIMEOUT.orElseThrow());
    }
    Instant started = clock.instant();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return ExecutionResult.permanentFailure(
          "cannot start " + argv.get(0) + ": " + e.getMessage());
    } catch (IllegalArgumentException e) { // a NUL in an argument or variable
      return ExecutionResult.permanentFailure(
          "cannot start " + argv.get(0) + ": an argument or env value holds a NUL character");
    }
    // A margin beyond what is shown: masking runs before the cut, so no value is cut in two.
    TailBuffer out = new TailBuffer(KEPT_BYTES + MASK_MARGIN);
    TailBuffer err = new TailBuffer(KEPT_BYTES + MASK_MARGIN);
    Thread outPump = Thread.ofVirtual().start(() -> pump(process, out, true));
    Thread errPump = Thread.ofVirtual().start(() -> pump(process, err, false));
    if (!ownGroup) {
      closeStdin(process); // nothing to read; with a supervisor, stdin is its lifeline instead
    }
    int exit;
    try {
      Instant[] told = {stopBy}; // what the watchdog was told last
      if (!awaitExit(process, context, watchdog ? told : null)) {
        killTree(process, ownGroup);
        joinPumps(outPump, errPump);
        return ExecutionResult.failure(
            "timed out after "
                + seconds(Duration.between(started, clock.instant()))
                + "; killed the process tree\n"
                + report(out, err, context));
      }
      exit = process.exitValue();
      if (watchdog && exit == 128 + 9 && clock.instant().toEpochMilli() >= watchdogAt(told[0])) {
        joinPumps(outPump, errPump);
        return ExecutionResult.failure(
            "stopped by its watchdog: this node did not renew the run's lease in time (it was"
                + " frozen or cut off from the store), so the run was killed before another node"
                + " could take it over\n"
                + report(out, err, context));
      }
    } catch (InterruptedException e) {
      killTree(process, ownGroup); // timed out or stopped by the scheduler
      // SIGKILL is delivered at once but takes effect later: the pumps end once every process
      // holding the output pipes has died, so the caller sees the tree gone, not dying.
      try {
        joinPumps(outPump, errPump);
      } catch (InterruptedException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    // Read what it wrote before killing what it left running in the background: destroying the
    // Process would close the pipes under the readers and lose the tail of the output.
    joinPumps(Duration.ofSeconds(2), outPump, errPump);
    killGroup(process, ownGroup);
    joinPumps(outPump, errPump);
    String summary =
        "exit code "
            + exit
            + " after "
            + seconds(Duration.between(started, clock.instant()))
            + "\n"
            + report(out, err, context);
    if (exit == 0) {
      return ExecutionResult.success(summary);
    }
    JsonNode codes = config.get("retryable_exit_codes");
    boolean retryable = codes == null;
    if (codes != null) {
      for (JsonNode code : codes) {
        retryable |= code.asInt() == exit;
      }
    }
    return new ExecutionResult.Failure(summary, retryable);
  }

  /**
   * Waits for the process to exit by the run's deadline; with a watchdog, tells it each time the
   * run's stop-by instant moves on (one line on its pipe).
   *
   * @return whether it exited; false when the deadline passed
   */
  private boolean awaitExit(Process process, ExecutionContext context, Instant @Nullable [] told)
      throws InterruptedException {
    while (true) {
      Duration left = Duration.between(clock.instant(), context.deadline());
      if (left.isNegative() || left.isZero()) {
        return process.waitFor(0, TimeUnit.MILLISECONDS);
      }
      if (told == null) {
        return process.waitFor(left.toMillis(), TimeUnit.MILLISECONDS);
      }
      long slice = Math.min(left.toMillis(), WATCHDOG_FEED.toMillis());
      if (process.waitFor(slice, TimeUnit.MILLISECONDS)) {
        return true;
      }
      Instant stopBy = context.stopBy();
      if (watchdogAt(stopBy) != watchdogAt(told[0])) {
        tellWatchdog(process, stopBy);
        told[0] = stopBy;
      }
    }
  }

  /** The instant, in epoch milliseconds, at which the watchdog kills the run. */
  private static long watchdogAt(Instant stopBy) {
    try {
      return stopBy.plus(WATCHDOG_GRACE).toEpochMilli();
    } catch (ArithmeticException | java.time.DateTimeException e) {
      return Long.MAX_VALUE / 2; // no end in sight; the shell's waits are an hour at most
    }
  }

  private static void tellWatchdog(Process process, Instant stopBy) {
    try {
      OutputStream pipe = process.getOutputStream();
      pipe.write((watchdogAt(stopBy) + "\n").getBytes(StandardCharsets.US_ASCII));
      pipe.flush();
    } catch (IOException e) {
      // the watchdog is gone: the run's group is being killed, or the run just ended
    }
  }

  private static void closeStdin(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // the process may already be gone
    }
  }

  private static void pump(Process process, TailBuffer into, boolean stdout) {
    try {
      into.pump(stdout ? process.getInputStream() : process.getErrorStream());
    } catch (IOException e) {
      // the stream closed under us when the tree was killed
    }
  }

  private static void joinPumps(Thread... pumps) throws InterruptedException {
    joinPumps(Duration.ofSeconds(5), pumps);
  }

  private static void joinPumps(Duration wait, Thread... pumps) throws InterruptedException {
    for (Thread pump : pumps) {
      pump.join(wait);
    }
  }

  /** Kills the process, its process group (when it has its own) and every descendant. */
  private static void killTree(Process process, boolean ownGroup) {
    killGroup(process, ownGroup);
    process.destroyForcibly();
  }

  /** Kills the process group (when it has its own) and every descendant, not the process. */
  private static void killGroup(Process process, boolean ownGroup) {
    if (ownGroup) {
      try {
        new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start()
            .waitFor(5, TimeUnit.SECONDS);
      } catch (IOException e) {
        // fall back to the descendants below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    closeStdin(process);
  }

  private static String report(TailBuffer out, TailBuffer err, ExecutionContext context) {
    StringBuilder text = new StringBuilder();
    section(text, "stdout", out, context);
    section(text, "stderr", err, context);
    return text.toString().stripTrailing();
  }

  /** The last {@link #KEPT_BYTES} of a stream, masked before the cut. */
  private static void section(
      StringBuilder text, String name, TailBuffer buffer, ExecutionContext context) {
    // Masked before the cut (a value whole in the margin), and after it (a part at the new edge).
    String kept = context.mask(Utf8Cuts.tail(context.mask(buffer.text()), KEPT_BYTES));
    long dropped = Math.max(0, buffer.total() - KEPT_BYTES);
    if (kept.isEmpty() && dropped == 0) {
      return;
    }
    text.append("--- ").append(name);
    if (dropped > 0) {
      text.append(" (last ")
          .append(KEPT_BYTES)
          .append(" bytes; ")
          .append(dropped)
          .append(" earlier bytes dropped)");
    }
    text.append(" ---\n").append(kept);
    if (!kept.endsWith("\n")) {
      text.append('\n');
    }
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
  }

  @Override
  public String toString() {
    return kind + " executor";
  }
}
