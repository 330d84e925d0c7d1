package dev.schedulerd.mcp.cli;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code schedulerd} command line: {@code [MODE] [OPTIONS]}, or {@code import|export FILE
 * [OPTIONS]}. Written here rather than with a parsing library: the one we used (picocli) is
 * compiled for Java 5, which the JDK's start-up cache cannot hold, and loading it took about 130 ms
 * of every start (BENCHMARKS.md, W6).
 *
 * <p>Options take their value as {@code --name VALUE} or {@code --name=VALUE}; a flag is given bare
 * or as {@code --name=true|false}. An option not given takes its value from {@link Settings} (the
 * environment, then the config file), then from its built-in default.
 */
final class CommandLineArgs {
  /** A command line that cannot be used; the message says what is wrong. Exit code 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** One option: {@code --name}, the label of its value (null for a flag), its built-in default. */
  record Option(String name, @Nullable String label, @Nullable String defaultValue, String help) {
    boolean isFlag() {
      return label == null;
    }
  }

  static final Option STORE =
      new Option(
          "store",
          "NAME[:LOCATION]",
          "sqlite",
          "Where tasks live: sqlite[:PATH] (default; PATH defaults to ~/.memory/scheduler.db and"
              + " may end in ?synchronous=normal), json[:PATH] (the seed's task file, one process"
              + " at a time), postgres:jdbc:postgresql://HOST:PORT/DB?user=U&password=P (several"
              + " nodes on several machines), or memory (nothing survives the process).");
  static final Option ZONE =
      new Option("zone", "ZONE", "UTC", "Default IANA time zone of cron schedules.");
  static final Option NO_DAEMON =
      new Option(
          "no-daemon",
          null,
          "false",
          "Serve this MCP client in this process instead of relaying it to the background daemon"
              + " of the store: tasks then run only while the client is connected (for tests and"
              + " containers). Implied by --store memory.");
  static final Option STOP_GRACE =
      new Option("stop-grace", "SECONDS", "2", "How long runs in flight may finish at shutdown.");
  static final Option NODE_ID =
      new Option("node-id", "ID", null, "This node's id in leases and runs.");
  static final Option CONFIG =
      new Option(
          "config",
          "FILE",
          null,
          "A properties file with the settings above (keys: the option names).");
  static final Option METRICS_PORT =
      new Option(
          "metrics-port",
          "PORT",
          null,
          "Serve Prometheus metrics on http://BIND:PORT/metrics (off unless given; 0 = any free"
              + " port).");
  static final Option METRICS_BIND =
      new Option("metrics-bind", "ADDRESS", "127.0.0.1", "Address of the metrics endpoint.");
  static final Option PLUGINS =
      new Option(
          "plugins",
          "DIR",
          null,
          "Folder of plugin jars (executors, stores) loaded at start (default:"
              + " ~/.memory/schedulerd-plugins).");
  static final Option SOCKET =
      new Option(
          "socket",
          "PATH",
          null,
          "The Unix socket the daemon serves MCP clients on (default: one per store in a private"
              + " folder, $XDG_RUNTIME_DIR/schedulerd or ~/.memory/run); none serves no"
              + " client.");
  static final Option IMPORT_ZONE =
      new Option("zone", "ZONE", "UTC", "Zone of cron schedules in the file that name none.");

  /** What is run: the daemon in a mode, or one of the task-file commands. */
  enum Command {
    SERVE,
    DAEMON,
    IMPORT,
    EXPORT,
    SERVICE;

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    List<Option> options() {
      return switch (this) {
        case SERVE ->
            List.of(
                STORE,
                ZONE,
                NO_DAEMON,
                STOP_GRACE,
                NODE_ID,
                CONFIG,
                METRICS_PORT,
                METRICS_BIND,
                PLUGINS);
        case DAEMON ->
            List.of(
                STORE,
                ZONE,
                STOP_GRACE,
                NODE_ID,
                CONFIG,
                METRICS_PORT,
                METRICS_BIND,
                PLUGINS,
                SOCKET);
        case IMPORT -> List.of(STORE, IMPORT_ZONE, CONFIG);
        case EXPORT -> List.of(STORE, CONFIG);
        case SERVICE ->
            List.of(STORE, ZONE, STOP_GRACE, NODE_ID, CONFIG, METRICS_PORT, METRICS_BIND, PLUGINS);
      };
    }
  }

  private final Command command;
  private final Map<String, String> given;
  private final @Nullable String file;
  private final boolean help;
  private final boolean version;
  private final Settings settings;

  /** Reads the settings once the command line has said which config file, if any. */
  interface SettingsLoader {
    Settings load(@Nullable String configOption);
  }

  private CommandLineArgs(
      Command command,
      Map<String, String> given,
      @Nullable String file,
      boolean help,
      boolean version,
      Settings settings) {
    this.command = command;
    this.given = given;
    this.file = file;
    this.help = help;
    this.version = version;
    this.settings = settings;
  }

  /**
   * @throws UsageException for an unknown option or mode, a missing or surplus argument
   * @throws Settings.SettingsException from {@code settings}
   */
  static CommandLineArgs parse(String[] args, SettingsLoader settings) {
    int first = 0;
    Command command = Command.SERVE;
    boolean subcommand = false;
    if (args.length > 0
        && (args[0].equals("import") || args[0].equals("export") || args[0].equals("service"))) {
      command =
          switch (args[0]) {
            case "import" -> Command.IMPORT;
            case "export" -> Command.EXPORT;
            default -> Command.SERVICE;
          };
      subcommand = true;
      first = 1;
    }
    Map<String, String> given = new LinkedHashMap<>();
    List<String> positionals = new ArrayList<>();
    boolean help = false;
    boolean version = false;
    for (int i = first; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        help = true;
      } else if (!subcommand && (arg.equals("-V") || arg.equals("--version"))) {
        version = true;
      } else if (arg.startsWith("--")) {
        int equals = arg.indexOf('=');
        String name = arg.substring(2, equals < 0 ? arg.length() : equals);
        Option option = find(command, name, arg);
        String value;
        if (option.isFlag()) {
          value = equals < 0 ? "true" : arg.substring(equals + 1);
          if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new UsageException(
                "Invalid value for option '--" + name + "': '" + value + "' is not true or false");
          }
        } else if (equals >= 0) {
          value = arg.substring(equals + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException(
              "Missing required parameter for option '--" + name + "' (" + option.label() + ")");
        }
        given.put(name, value);
      } else if (arg.startsWith("-") && arg.length() > 1) {
        throw new UsageException("Unknown option: '" + arg + "'");
      } else {
        positionals.add(arg);
      }
    }
    String file = null;
    if (subcommand) {
      if (positionals.size() > 1) {
        throw new UsageException("Unmatched argument: '" + positionals.get(1) + "'");
      }
      String what = command == Command.SERVICE ? "ACTION" : "FILE";
      if (positionals.isEmpty() && !help) {
        throw new UsageException(
            "Missing required parameter: '"
                + what
                + "'"
                + (command == Command.SERVICE ? ": use install, uninstall or status" : ""));
      }
      file = positionals.isEmpty() ? null : positionals.get(0);
      if (command == Command.SERVICE
          && file != null
          && !List.of("install", "uninstall", "status").contains(file)) {
        throw new UsageException(
            "unknown ACTION '"
                + file
                + "' of schedulerd service: use install, uninstall or status");
      }
    } else {
      if (positionals.size() > 1) {
        throw new UsageException("Unmatched argument: '" + positionals.get(1) + "'");
      }
      if (!positionals.isEmpty()) {
        command =
            switch (positionals.get(0)) {
              case "serve" -> Command.SERVE;
              case "daemon" -> Command.DAEMON;
              default ->
                  throw new UsageException(
                      "unknown MODE '" + positionals.get(0) + "': use serve or daemon");
            };
      }
    }
    for (String name : given.keySet()) {
      if (command.options().stream().noneMatch(o -> o.name().equals(name))) {
        throw new UsageException(
            "--"
                + name
                + " is an option of 'schedulerd "
                + (command == Command.SERVE ? "daemon" : "serve")
                + "', not of 'schedulerd "
                + command.wireName()
                + "'");
      }
    }
    // --help and --version answer without reading the config file: a broken one must not hide them.
    return new CommandLineArgs(
        command,
        Map.copyOf(given),
        file,
        help,
        version,
        help || version ? Settings.none() : settings.load(given.get(CONFIG.name())));
  }

  private static Option find(Command command, String name, String arg) {
    if (name.equals("keep-alive")) {
      throw new UsageException(
          "--" + Settings.KEEP_ALIVE_GONE.replace("no-daemon=true", "--no-daemon"));
    }
    List<Option> known = new ArrayList<>(command.options());
    if (command == Command.SERVE) { // the mode may come after its options: serve's or daemon's
      known.addAll(Command.DAEMON.options());
    }
    for (Option option : known) {
      if (option.name().equals(name)) {
        return option;
      }
    }
    throw new UsageException("Unknown option: '" + arg + "'");
  }

  Command command() {
    return command;
  }

  /** The settings from the environment and the config file. */
  Settings settings() {
    return settings;
  }

  boolean helpRequested() {
    return help;
  }

  boolean versionRequested() {
    return version;
  }

  /** What {@code schedulerd service} is asked: install, uninstall or status. */
  String action() {
    if (file == null) {
      throw new UsageException("Missing required parameter: 'ACTION'");
    }
    return file;
  }

  /** The task file of {@code import} and {@code export}. */
  String file() {
    if (file == null) {
      throw new UsageException("Missing required parameter: 'FILE'");
    }
    return file;
  }

  /** The option's value: given, else from the environment or config file, else its default. */
  @Nullable String value(Option option) {
    String value = given.get(option.name());
    if (value == null) {
      value = settings.value(option.name());
    }
    return value != null ? value : option.defaultValue();
  }

  String text(Option option) {
    String value = value(option);
    if (value == null) {
      throw new IllegalStateException("--" + option.name() + " has no default");
    }
    return value;
  }

  boolean flag(Option option) {
    return Boolean.parseBoolean(value(option));
  }

  /** A whole number, or null when neither given nor defaulted. */
  @Nullable Integer number(Option option) {
    String value = value(option);
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new UsageException(
          "Invalid value for option '--" + option.name() + "': '" + value + "' is not an int");
    }
  }

  /** The time zone named by a --zone value. */
  static ZoneId zone(String zone) {
    try {
      return ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new UsageException(
          "--zone '" + zone + "' is not an IANA time zone, e.g. Europe/Berlin");
    }
  }

  // ------------------------------------------------------------------ help

  static String usage(Command command) {
    StringBuilder out = new StringBuilder();
    switch (command) {
      case SERVE, DAEMON -> {
        out.append("Usage: schedulerd [-hV] [MODE] [OPTIONS]\n")
            .append("       schedulerd import|export FILE [OPTIONS]\n")
            .append("       schedulerd service install|uninstall|status [OPTIONS]\n")
            .append("A task scheduler that AI agents drive over MCP.\n")
            .append(
                wrap(
                    "MODE 'serve' (default) speaks MCP on stdin/stdout, relayed to the background"
                        + " daemon of the store, which it starts when none runs (--no-daemon"
                        + " serves in this process); 'daemon' runs that daemon in the"
                        + " foreground, until SIGTERM.",
                    ""))
            .append("\n\n");
      }
      case IMPORT ->
          out.append("Usage: schedulerd import FILE [OPTIONS]\n")
              .append(
                  wrap(
                      "Adds the tasks of a JSON task file in the seed's format to the store."
                          + " Tasks whose id the store already has are left alone. The file is"
                          + " only read.",
                      ""))
              .append("\n\n");
      case SERVICE ->
          out.append("Usage: schedulerd service install|uninstall|status [OPTIONS]\n")
              .append(
                  wrap(
                      "Installs the store's background daemon as a service of this user (a"
                          + " systemd user unit, or a launchd agent on macOS) that starts at login"
                          + " and again after a crash, removes it, or says how it stands. The"
                          + " options are the daemon's.",
                      ""))
              .append("\n\n");
      case EXPORT ->
          out.append("Usage: schedulerd export FILE [OPTIONS]\n")
              .append(
                  wrap(
                      "Writes every task of the store (with its latest runs) to a JSON task file"
                          + " in the seed's format, replacing the file atomically.",
                      ""))
              .append("\n\n");
    }
    for (Option option : command.options()) {
      String left = "      --" + option.name() + (option.isFlag() ? "" : "=" + option.label());
      out.append(left).append('\n');
      String help = option.help();
      if (option.defaultValue() != null && !option.isFlag()) {
        help += " Default: " + option.defaultValue() + ".";
      }
      out.append(wrap(help, "          ")).append('\n');
    }
    out.append("  -h, --help\n          Show this help message and exit.\n");
    if (command == Command.SERVE || command == Command.DAEMON) {
      out.append("  -V, --version\n          Print version information and exit.\n")
          .append("\nCommands:\n")
          .append("  import FILE  Adds the tasks of a JSON task file in the seed's format.\n")
          .append("  export FILE  Writes every task of the store to such a file.\n")
          .append("  tasks | task ID | runs [ID] | status\n")
          .append("          Tables of the store's tasks, runs and daemon, in local time.\n")
          .append("  pause | resume | run-now | skip-next | retry | remove ID\n")
          .append("          Steers one task, as the dashboard and the MCP tools do.\n")
          .append("  preview CRON [--zone ZONE]\n")
          .append("          The cron expression's next fire times.\n")
          .append("  dashboard    Prints the dashboard's sign-in URL and opens a browser.\n")
          .append("  service install|uninstall|status\n")
          .append("          The daemon as a systemd user service or a launchd agent.\n")
          .append("  Each command takes --help; --json prints the answer for scripts.\n")
          .append(
              "\n"
                  + wrap(
                      "Settings also come from the environment (SCHEDULERD_STORE,"
                          + " SCHEDULERD_ZONE, SCHEDULERD_NO_DAEMON, SCHEDULERD_STOP_GRACE,"
                          + " SCHEDULERD_NODE_ID, SCHEDULERD_PLUGINS, SCHEDULERD_METRICS_PORT,"
                          + " SCHEDULERD_METRICS_BIND) and a config file (--config FILE, else"
                          + " $SCHEDULERD_CONFIG, else ~/.config/schedulerd/schedulerd.properties;"
                          + " keys: the option names, plus store.OPTION). The command line wins"
                          + " over the environment, which wins over the config file.",
                      ""))
          .append('\n');
    }
    return out.toString();
  }

  /** Words wrapped at 80 columns, each line indented. */
  private static String wrap(String text, String indent) {
    StringBuilder out = new StringBuilder();
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() > indent.length() && line.length() + 1 + word.length() > 80) {
        out.append(line).append('\n');
        line = new StringBuilder(indent);
      }
      if (line.length() > indent.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    return out.append(line).toString();
  }
}
