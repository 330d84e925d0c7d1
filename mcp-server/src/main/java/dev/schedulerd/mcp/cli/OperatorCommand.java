package dev.schedulerd.mcp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.store.json.SeedFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The operator's commands, for a person at a terminal: {@code schedulerd tasks|task|runs|status|
 * pause|resume|run-now|skip-next|retry|remove|preview|dashboard}. Each is one tool call, on the
 * store's daemon when it runs and on the store otherwise ({@link ToolConnection}); the answer is
 * printed as an aligned table in local time ({@link OperatorTables}), or as the tool's JSON with
 * {@code --json}.
 *
 * <p>Exit codes: 0 done, 1 refused or failed (the message says why), 2 a usage error, 4 no such
 * task.
 */
final class OperatorCommand {
  private OperatorCommand() {}

  /** The commands, as the first word of the command line. */
  static final Set<String> VERBS =
      Set.of(
          "tasks",
          "task",
          "runs",
          "status",
          "pause",
          "resume",
          "run-now",
          "skip-next",
          "retry",
          "remove",
          "preview",
          "dashboard");

  static final int NOT_FOUND = 4;

  private static final String QUIET_KEY = "org.slf4j.simpleLogger.log.dev.schedulerd";

  private static final Set<String> FLAGS = Set.of("--json", "--help", "-h");
  private static final Set<String> OPTIONS =
      Set.of(
          "--store",
          "--config",
          "--status",
          "--priority",
          "--label",
          "--type",
          "--limit",
          "--zone",
          "--count");

  /** What the command line asks, parsed. */
  record Request(
      String verb, List<String> operands, Map<String, String> options, boolean json, boolean help) {
    @Nullable String option(String name) {
      return options.get(name);
    }
  }

  static Request parse(String[] args) {
    String verb = args[0];
    List<String> operands = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    boolean json = false;
    boolean help = false;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      if (FLAGS.contains(arg)) {
        json |= arg.equals("--json");
        help |= !arg.equals("--json");
      } else if (OPTIONS.contains(name)) {
        String value;
        if (eq > 0 && arg.startsWith("--")) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new CommandLineArgs.UsageException(name + " needs a value");
        }
        options.put(name.substring(2), value);
      } else if (arg.startsWith("-")) {
        throw new CommandLineArgs.UsageException(
            "unknown option '" + arg + "' of schedulerd " + verb + "; " + usage(verb).strip());
      } else {
        operands.add(arg);
      }
    }
    int wanted =
        switch (verb) {
          case "tasks", "status", "dashboard" -> 0;
          case "runs" -> operands.size() <= 1 ? operands.size() : -1;
          default -> 1;
        };
    if (!help && operands.size() != wanted) {
      throw new CommandLineArgs.UsageException(usage(verb).strip());
    }
    return new Request(verb, List.copyOf(operands), Map.copyOf(options), json, help);
  }

  static String usage(String verb) {
    return switch (verb) {
      case "tasks" ->
          "Usage: schedulerd tasks [--status S] [--priority P] [--label KEY=VALUE] [--type KIND]"
              + " [--limit N] [--json]\n";
      case "task" -> "Usage: schedulerd task ID [--json]\n";
      case "runs" -> "Usage: schedulerd runs [ID] [--limit N] [--json]\n";
      case "status" -> "Usage: schedulerd status [--json]\n";
      case "preview" -> "Usage: schedulerd preview CRON [--zone ZONE] [--count N] [--json]\n";
      case "dashboard" -> "Usage: schedulerd dashboard\n";
      default -> "Usage: schedulerd " + verb + " ID [--json]\n";
    };
  }

  /** Runs the command; its exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    // A person reads stderr here: the store's and scheduler's start-up notes would drown the
    // answer (their loggers are made after this, when the store opens).
    if (System.getProperty(QUIET_KEY) == null) {
      System.setProperty(QUIET_KEY, "warn");
    }
    Request request = parse(args);
    if (request.help()) {
      out.print(usage(request.verb()));
      out.print(
          "Talks to the store's daemon when it runs, else to the store (--store, --config as for"
              + " the daemon). Times are local ("
              + ZoneId.systemDefault()
              + "). Exit codes: 0 done, 1 refused or failed, 2 usage, 4 no such task.\n");
      return 0;
    }
    Settings settings = Settings.load(request.option("config"), System.getenv(), SeedFiles.home());
    String store =
        DaemonCommand.normalizedStore(
            firstNonNull(
                request.option("store"),
                System.getenv("SCHEDULERD_STORE"),
                settings.value("store"),
                "sqlite"));
    String zone = firstNonNull(System.getenv("SCHEDULERD_ZONE"), settings.value("zone"), "UTC");
    ToolConnection connection =
        ToolConnection.toDaemon(
            DaemonPaths.of(store, System.getenv()), StoreSelection.parse(store).file());
    if (request.verb().equals("dashboard")) {
      return dashboard(store, connection, out, err);
    }
    if (connection == null) {
      connection = ToolConnection.toStore(store, settings, CommandLineArgs.zone(zone));
    }
    try (ToolConnection open = connection) {
      return answer(request, open, out, err);
    }
  }

  private static int answer(
      Request request, ToolConnection connection, PrintStream out, PrintStream err)
      throws IOException {
    String id = request.operands().isEmpty() ? null : request.operands().get(0);
    Map<String, Object> args = new LinkedHashMap<>();
    String tool =
        switch (request.verb()) {
          case "tasks" -> {
            for (String filter : List.of("status", "priority", "label", "limit")) {
              String value = request.option(filter);
              if (value != null) {
                args.put(filter, filter.equals("limit") ? number(filter, value) : value);
              }
            }
            if (request.option("type") != null) {
              args.put("task_type", request.option("type"));
            }
            yield "scheduler_list_tasks";
          }
          case "task" -> "scheduler_get_task";
          case "runs" -> {
            if (request.option("limit") != null) {
              args.put("limit", number("limit", request.option("limit")));
            }
            yield "scheduler_list_runs";
          }
          case "status" -> "scheduler_daemon_status";
          case "pause" -> "scheduler_pause_task";
          case "resume" -> "scheduler_resume_task";
          case "run-now" -> "scheduler_run_task_now";
          case "skip-next" -> "scheduler_skip_next_run";
          case "retry" -> "scheduler_retry_task";
          case "remove" -> "scheduler_remove_task";
          case "preview" -> {
            args.put("cron_expression", id);
            if (request.option("zone") != null) {
              args.put("time_zone", request.option("zone"));
            }
            if (request.option("count") != null) {
              args.put("count", number("count", request.option("count")));
            }
            yield "scheduler_preview_schedule";
          }
          default -> throw new CommandLineArgs.UsageException("no command " + request.verb());
        };
    if (id != null && !request.verb().equals("preview")) {
      args.put("task_id", id);
    }
    JsonNode result = connection.call(tool, args);
    if (result.path("isError").asBoolean()) {
      String message = result.path("content").path(0).path("text").asText("refused");
      err.println("schedulerd " + request.verb() + ": " + message);
      return message.contains("scheduler_list_tasks shows the existing ones") ? NOT_FOUND : 1;
    }
    JsonNode answer = result.path("structuredContent");
    if (request.json()) {
      out.println(ToolConnection.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
    } else {
      out.print(OperatorTables.render(request.verb(), answer, ZoneId.systemDefault()));
      if (request.verb().equals("status")) {
        out.println("answered by " + connection.where());
      }
    }
    return 0;
  }

  /** Prints the running daemon's dashboard login URL (as Jupyter does), and opens a browser. */
  private static int dashboard(
      String store, @Nullable ToolConnection daemon, PrintStream out, PrintStream err) {
    String url = daemon == null ? null : DashboardFiles.readUrl(store);
    if (daemon != null) {
      daemon.close();
    }
    if (url == null) {
      err.println(
          "schedulerd dashboard: "
              + (daemon == null
                  ? "no daemon runs for this store; any MCP client starts it (or schedulerd daemon)"
                  : "the daemon serves no dashboard (dashboard.enabled=false, or see its log)"));
      return 1;
    }
    out.println(url);
    out.flush();
    Browser.open(url, DashboardFiles.openingPage(store));
    return 0;
  }

  private static int number(String option, @Nullable String value) {
    try {
      return Integer.parseInt(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw new CommandLineArgs.UsageException(
          "--" + option + " '" + value + "' is not a whole number");
    }
  }

  private static String firstNonNull(@Nullable String a, @Nullable String b, String fallback) {
    return a != null ? a : b != null ? b : fallback;
  }

  private static String firstNonNull(
      @Nullable String a, @Nullable String b, @Nullable String c, String fallback) {
    return a != null ? a : firstNonNull(b, c, fallback);
  }
}
