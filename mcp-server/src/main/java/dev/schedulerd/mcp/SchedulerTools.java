package dev.schedulerd.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.runtime.InvalidTaskException;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.SchedulerStatus;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's MCP tools, with the seed's names and arguments. Each handler turns bad input into
 * a tool result with {@code isError: true} naming the field, the value and what is accepted; only a
 * bug becomes a JSON-RPC error. Thread-safe: handlers run concurrently.
 */
final class SchedulerTools {
  private static final Logger log = LoggerFactory.getLogger(SchedulerTools.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final Scheduler scheduler;
  private final McpJsonMapper mapper;

  SchedulerTools(Scheduler scheduler, McpJsonMapper mapper) {
    this.scheduler = scheduler;
    this.mapper = mapper;
  }

  List<SyncToolSpecification> all() {
    return List.of(
        tool(
            "scheduler_add_task",
            "Add a task",
            """
            Schedule a task. It runs immediately unless you give exactly one of cron_expression \
            (recurring, UNIX 5 fields by default, read in time_zone), run_at (once, an ISO-8601 \
            instant) or interval (recurring, e.g. "PT15M" or "15m"). task_type selects the \
            executor (see the daemon status for those available; "log" records config.message). \
            Defaults: priority medium, max_retries 3 attempts in all, timeout 1 hour. Adding the \
            same definition again returns the existing task. Example: {"task_id": "backup", \
            "task_type": "log", "cron_expression": "0 3 * * *", "time_zone": "Europe/Berlin", \
            "config": {"message": "nightly backup"}}""",
            ADD_SCHEMA,
            annotations(false, false, true),
            this::addTask),
        tool(
            "scheduler_list_tasks",
            "List tasks",
            """
            List tasks, one concise row each, ordered by task_id. Filter by status, priority, \
            task_type or label ("key=value"); page with limit (default 50) and the next_cursor of \
            the previous answer. Example: {"status": "failed"}""",
            LIST_SCHEMA,
            annotations(true, false, true),
            this::listTasks),
        tool(
            "scheduler_get_status",
            "Task counts",
            """
            Summarize all tasks: counts by status and by priority, plus the scheduler's key \
            figures (running, queued, in flight, next due). Takes no arguments.""",
            EMPTY_SCHEMA,
            annotations(true, false, true),
            args -> ok("status", getStatus())),
        tool(
            "scheduler_get_task",
            "Get a task",
            """
            Show one task in full: definition, status, next run, its most recent runs (newest \
            first) and its next fire times. Example: {"task_id": "backup"}""",
            TASK_ID_SCHEMA,
            annotations(true, false, true),
            this::getTask),
        tool(
            "scheduler_remove_task",
            "Remove a task",
            """
            Delete a task and its run history for good; a run in flight on this daemon is \
            interrupted. Example: {"task_id": "backup"}""",
            TASK_ID_SCHEMA,
            annotations(false, true, true),
            this::removeTask),
        tool(
            "scheduler_daemon_status",
            "Daemon status",
            """
            Show the scheduler daemon: whether it is running, node id, uptime, ticker wake-ups, \
            runs started, runs in flight, queue depth by status and priority, the next due \
            instant and the executors available. Takes no arguments.""",
            EMPTY_SCHEMA,
            annotations(true, false, true),
            args -> ok("daemon", daemonStatus())),
        tool(
            "scheduler_start_daemon",
            "Start the scheduler",
            """
            Start dispatching tasks (the scheduler starts by itself with the server; use this \
            after scheduler_stop_daemon). Does nothing if it is running. Takes no arguments.""",
            EMPTY_SCHEMA,
            annotations(false, false, true),
            args -> {
              scheduler.start();
              return ok("daemon", daemonStatus());
            }),
        tool(
            "scheduler_stop_daemon",
            "Stop the scheduler",
            """
            Stop dispatching tasks. Runs in flight get a short grace period, then are interrupted \
            and recorded as interrupted; they run again after scheduler_start_daemon. Tasks are \
            kept. Tools keep working while stopped. Takes no arguments.""",
            EMPTY_SCHEMA,
            annotations(false, false, true),
            args -> {
              scheduler.stop();
              return ok("daemon", daemonStatus());
            }),
        tool(
            "scheduler_restart_daemon",
            "Restart the scheduler",
            """
            Stop then start the scheduler, reloading every task from the store. Runs in flight \
            are handled as by scheduler_stop_daemon. Takes no arguments.""",
            EMPTY_SCHEMA,
            annotations(false, false, false),
            args -> {
              scheduler.restart();
              return ok("daemon", daemonStatus());
            }));
  }

  // ---------------------------------------------------------------- handlers

  private CallToolResult addTask(Map<String, Object> args) {
    TaskDefinition definition = definitionFrom(args);
    Optional<StoredTask> existing = scheduler.get(definition.id());
    if (existing.isPresent()) {
      return sameAsExisting(definition, existing.get());
    }
    StoredTask added;
    try {
      added = scheduler.add(definition);
    } catch (DuplicateTaskException e) {
      return sameAsExisting(definition, scheduler.get(definition.id()).orElseThrow(() -> e));
    }
    return result(
        "Added task '"
            + added.id()
            + "' ("
            + TaskViews.summary(added.definition().schedule())
            + "), next run at "
            + added.state().nextDueAt(),
        Map.of("task", TaskViews.task(added), "created", true));
  }

  private CallToolResult sameAsExisting(TaskDefinition asked, StoredTask existing) {
    TaskDefinition normalized = asked.withSchedule(normalizedLike(asked.schedule()));
    if (normalized.equals(existing.definition())) {
      return result(
          "Task '" + existing.id() + "' already exists with this definition; nothing changed",
          Map.of("task", TaskViews.task(existing), "created", false));
    }
    throw new ToolInputException(
        "task_id",
        "a different task with id '"
            + existing.id()
            + "' already exists; use scheduler_update_task to change it, or choose another"
            + " task_id");
  }

  /** The asked cron schedule with the zone the scheduler would have filled in. */
  private Schedule normalizedLike(Schedule asked) {
    if (asked instanceof Schedule.Cron cron && cron.zone() == null) {
      return cron.withDefaultZone(scheduler.defaultZone());
    }
    return asked;
  }

  private CallToolResult listTasks(Map<String, Object> args) {
    TaskStatus status =
        optional(args, "status").map(v -> parse("status", v, TaskStatus::parse)).orElse(null);
    Priority priority =
        optional(args, "priority").map(v -> parse("priority", v, Priority::parse)).orElse(null);
    String type = optional(args, "task_type").orElse(null);
    String label = optional(args, "label").orElse(null);
    String labelKey = null;
    String labelValue = null;
    if (label != null) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw new ToolInputException(
            "label", "'" + label + "' is not key=value; e.g. \"team=ops\"");
      }
      labelKey = label.substring(0, eq);
      labelValue = label.substring(eq + 1);
    }
    int limit = optionalInt(args, "limit", 50, 1, 500);
    String cursor = optional(args, "cursor").orElse("");
    List<Map<String, Object>> rows = new ArrayList<>();
    String nextCursor = null;
    for (StoredTask task : scheduler.list()) {
      if (task.id().compareTo(cursor) <= 0 && !cursor.isEmpty()) {
        continue;
      }
      if ((status != null && task.state().status() != status)
          || (priority != null && task.definition().priority() != priority)
          || (type != null && !task.definition().executorKind().equals(type))
          || (labelKey != null
              && !java.util.Objects.equals(labelValue, task.definition().labels().get(labelKey)))) {
        continue;
      }
      if (rows.size() == limit) {
        nextCursor = (String) rows.get(rows.size() - 1).get("task_id");
        break;
      }
      rows.add(TaskViews.row(task));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tasks", rows);
    out.put("count", rows.size());
    if (nextCursor != null) {
      out.put("next_cursor", nextCursor);
    }
    return result(
        rows.size() + " task(s)" + (nextCursor != null ? "; more after cursor " + nextCursor : ""),
        out);
  }

  private Map<String, Object> getStatus() {
    Map<TaskStatus, Integer> byStatus = new EnumMap<>(TaskStatus.class);
    Map<Priority, Integer> byPriority = new EnumMap<>(Priority.class);
    List<StoredTask> tasks = scheduler.list();
    for (StoredTask task : tasks) {
      byStatus.merge(task.state().status(), 1, Integer::sum);
      byPriority.merge(task.definition().priority(), 1, Integer::sum);
    }
    Map<String, Object> statusView = new LinkedHashMap<>();
    byStatus.forEach((s, n) -> statusView.put(s.wireName(), n));
    Map<String, Object> priorityView = new LinkedHashMap<>();
    byPriority.forEach((p, n) -> priorityView.put(p.wireName(), n));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("total_tasks", tasks.size());
    out.put("by_status", statusView);
    out.put("by_priority", priorityView);
    out.put("daemon", daemonStatus());
    return out;
  }

  private CallToolResult getTask(Map<String, Object> args) {
    String id = required(args, "task_id");
    StoredTask task =
        scheduler
            .get(id)
            .orElseThrow(
                () ->
                    new ToolInputException(
                        "task_id",
                        "no task '" + id + "'; scheduler_list_tasks shows the existing ones"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("task", TaskViews.task(task));
    List<Map<String, Object>> runs = new ArrayList<>();
    scheduler.runs(id, 10).forEach(r -> runs.add(TaskViews.run(r)));
    out.put("recent_runs", runs);
    out.put("next_fire_times", nextFireTimes(task, 5));
    return result(
        "Task '"
            + id
            + "' is "
            + task.state().status().wireName()
            + (task.state().nextDueAt() != null ? ", next run at " + task.state().nextDueAt() : ""),
        out);
  }

  private List<String> nextFireTimes(StoredTask task, int count) {
    Schedule schedule = task.definition().schedule();
    List<String> times = new ArrayList<>();
    Instant next = task.state().nextDueAt();
    if (next == null) {
      return times;
    }
    ZoneId zone = TaskViews.zoneOf(schedule);
    for (int i = 0; i < count && next != null; i++) {
      times.add(
          zone == null
              ? next.toString()
              : next.atZone(zone).toOffsetDateTime() + "[" + zone.getId() + "]");
      if (!schedule.recurring()) {
        break;
      }
      next = scheduler.nextFireTime(schedule, next).orElse(null);
    }
    return times;
  }

  private CallToolResult removeTask(Map<String, Object> args) {
    String id = required(args, "task_id");
    boolean removed = scheduler.remove(id);
    return result(
        removed ? "Removed task '" + id + "'" : "No task '" + id + "' existed; nothing removed",
        Map.of("task_id", id, "removed", removed));
  }

  private Map<String, Object> daemonStatus() {
    SchedulerStatus status = scheduler.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("running", status.running());
    out.put("state", status.lifecycle().name().toLowerCase(Locale.ROOT));
    out.put("node_id", status.nodeId());
    if (status.startedAt() != null) {
      out.put("started_at", status.startedAt().toString());
    }
    out.put("uptime_seconds", status.uptime().toSeconds());
    out.put("ticker_wake_ups", status.wakeUps());
    out.put("runs_started", status.dispatched());
    out.put("runs_in_flight", status.inFlight());
    out.put("queued", status.queued());
    Map<String, Object> depth = new LinkedHashMap<>();
    status
        .queueDepth()
        .forEach(
            (s, byPriority) -> {
              Map<String, Object> inner = new LinkedHashMap<>();
              byPriority.forEach((p, n) -> inner.put(p.wireName(), n));
              depth.put(s.wireName(), inner);
            });
    out.put("queue_depth", depth);
    if (status.nextDueAt() != null) {
      out.put("next_due_at", status.nextDueAt().toString());
    }
    out.put("default_time_zone", scheduler.defaultZone().getId());
    out.put("executors", status.executorKinds());
    return out;
  }

  // ---------------------------------------------------------------- parsing

  private TaskDefinition definitionFrom(Map<String, Object> args) {
    String id = required(args, "task_id");
    String type = required(args, "task_type");
    TaskDefinition.Builder builder;
    try {
      builder = TaskDefinition.builder(id, type);
      builder.build(); // checks id and kind syntax early, with the model's message
    } catch (IllegalArgumentException e) {
      String why = String.valueOf(e.getMessage());
      throw new ToolInputException(why.startsWith("task id") ? "task_id" : "task_type", why);
    }
    optional(args, "priority")
        .ifPresent(p -> builder.priority(parse("priority", p, Priority::parse)));
    optional(args, "description").ifPresent(builder::description);
    builder.schedule(scheduleFrom(args));
    Object config = args.get("config");
    if (config != null) {
      JsonNode node = JSON.valueToTree(config);
      if (!(node instanceof ObjectNode object)) {
        throw new ToolInputException("config", "expected a JSON object, got " + node);
      }
      builder.config(object);
    }
    if (args.get("max_retries") != null) {
      int attempts = optionalInt(args, "max_retries", 3, 1, 100);
      builder.retryPolicy(RetryPolicy.maxAttempts(attempts));
    }
    if (args.get("timeout") != null) {
      builder.timeout(Duration.ofSeconds(optionalInt(args, "timeout", 3600, 1, 7 * 24 * 3600)));
    }
    Object labels = args.get("labels");
    if (labels != null) {
      Map<String, String> parsed = new LinkedHashMap<>();
      JsonNode node = JSON.valueToTree(labels);
      if (!node.isObject()) {
        throw new ToolInputException("labels", "expected an object of strings, got " + node);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!entry.getValue().isTextual()) {
          throw new ToolInputException(
              "labels", "label '" + entry.getKey() + "' must be a string, got " + entry.getValue());
        }
        parsed.put(entry.getKey(), entry.getValue().asText());
      }
      builder.labels(parsed);
    }
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new ToolInputException("task", String.valueOf(e.getMessage()));
    }
  }

  private Schedule scheduleFrom(Map<String, Object> args) {
    Optional<String> cron = optional(args, "cron_expression");
    Optional<String> runAt = optional(args, "run_at");
    Optional<String> interval = optional(args, "interval");
    int given =
        (cron.isPresent() ? 1 : 0) + (runAt.isPresent() ? 1 : 0) + (interval.isPresent() ? 1 : 0);
    if (given > 1) {
      throw new ToolInputException(
          "schedule",
          "give at most one of cron_expression, run_at and interval (got " + given + ")");
    }
    ZoneId zone =
        optional(args, "time_zone")
            .map(
                z -> {
                  try {
                    return ZoneId.of(z);
                  } catch (DateTimeException e) {
                    throw new ToolInputException(
                        "time_zone",
                        "'" + z + "' is not an IANA time zone; e.g. \"Europe/Berlin\" or \"UTC\"");
                  }
                })
            .orElse(null);
    if (cron.isPresent()) {
      CronDialect dialect =
          optional(args, "cron_dialect")
              .map(d -> parse("cron_dialect", d, CronDialect::parse))
              .orElse(CronDialect.UNIX);
      return new Schedule.Cron(cron.get(), dialect, zone);
    }
    if (runAt.isPresent()) {
      try {
        return Schedule.at(Instant.parse(runAt.get()));
      } catch (DateTimeParseException e) {
        try {
          return Schedule.at(java.time.OffsetDateTime.parse(runAt.get()).toInstant());
        } catch (DateTimeParseException e2) {
          throw new ToolInputException(
              "run_at",
              "'" + runAt.get() + "' is not an ISO-8601 instant; e.g. \"2026-12-01T09:00:00Z\"");
        }
      }
    }
    if (interval.isPresent()) {
      Duration every = parseDuration(interval.get());
      try {
        return Schedule.every(every);
      } catch (IllegalArgumentException e) {
        throw new ToolInputException("interval", String.valueOf(e.getMessage()));
      }
    }
    return Schedule.immediate();
  }

  private static Duration parseDuration(String text) {
    Matcher m = SHORT_DURATION.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw new ToolInputException(
          "interval", "'" + text + "' is not a duration; e.g. \"15m\", \"2h\" or \"PT15M\"");
    }
  }

  private static <T> T parse(String field, String value, Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new ToolInputException(field, String.valueOf(e.getMessage()));
    }
  }

  private static String required(Map<String, Object> args, String field) {
    return optional(args, field)
        .orElseThrow(
            () -> new ToolInputException(field, "required, and must be a non-empty string"));
  }

  private static Optional<String> optional(Map<String, Object> args, String field) {
    Object value = args.get(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new ToolInputException(field, "expected a string, got " + value);
    }
    return text.isBlank() ? Optional.empty() : Optional.of(text);
  }

  private static int optionalInt(
      Map<String, Object> args, String field, int dflt, int min, int max) {
    Object value = args.get(field);
    if (value == null) {
      return dflt;
    }
    if (!(value instanceof Number number)
        || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw new ToolInputException(field, "expected an integer, got " + value);
    }
    long n = number.longValue();
    if (n < min || n > max) {
      throw new ToolInputException(field, "must be between " + min + " and " + max + ", got " + n);
    }
    return (int) n;
  }

  // ---------------------------------------------------------------- plumbing

  private interface Handler {
    CallToolResult handle(Map<String, Object> args);
  }

  private SyncToolSpecification tool(
      String name,
      String title,
      String description,
      String schema,
      ToolAnnotations annotations,
      Handler handler) {
    Tool tool =
        Tool.builder()
            .name(name)
            .title(title)
            .description(description)
            .inputSchema(mapper, schema)
            .annotations(annotations)
            .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler(
            (exchange, request) -> {
              Map<String, Object> args =
                  request.arguments() == null ? Map.of() : request.arguments();
              try {
                return handler.handle(args);
              } catch (ToolInputException | InvalidTaskException e) {
                return error(String.valueOf(e.getMessage()));
              } catch (DuplicateTaskException e) {
                return error("task_id: " + String.valueOf(e.getMessage()));
              } catch (RuntimeException e) {
                log.error("Tool {} failed", name, e);
                return error(
                    "internal error in " + name + ": " + e + ". The daemon's log has details.");
              }
            })
        .build();
  }

  private static ToolAnnotations annotations(
      boolean readOnly, boolean destructive, boolean idempotent) {
    return new ToolAnnotations(null, readOnly, destructive, idempotent, false, null);
  }

  private CallToolResult ok(String key, Map<String, Object> body) {
    return result(summaryOf(key, body), Map.of(key, body));
  }

  private static String summaryOf(String key, Map<String, Object> body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return key;
    }
  }

  private static CallToolResult result(String text, Map<String, Object> structured) {
    return CallToolResult.builder()
        .addTextContent(text)
        .structuredContent(structured)
        .isError(false)
        .build();
  }

  private static CallToolResult error(@Nullable String message) {
    return CallToolResult.builder().addTextContent(String.valueOf(message)).isError(true).build();
  }

  // ---------------------------------------------------------------- schemas

  private static final String EMPTY_SCHEMA =
      """
      {"type": "object", "properties": {}, "additionalProperties": false}""";

  private static final String TASK_ID_SCHEMA =
      """
      {"type": "object",
       "properties": {"task_id": {"type": "string", "minLength": 1, "description": "The task's id."}},
       "required": ["task_id"], "additionalProperties": false}""";

  private static final String LIST_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "status": {"type": "string", "enum": ["scheduled", "running", "retry_wait", "paused", "completed", "failed", "cancelled"]},
         "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
         "task_type": {"type": "string", "description": "Only tasks of this executor kind."},
         "label": {"type": "string", "description": "Only tasks with this label, as key=value."},
         "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
         "cursor": {"type": "string", "description": "next_cursor from the previous page."}
       },
       "additionalProperties": false}""";

  private static final String ADD_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]*$", "description": "Unique id: letters, digits, . _ - :"},
         "task_type": {"type": "string", "minLength": 1, "description": "Executor kind, e.g. \\"log\\"."},
         "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"], "default": "medium"},
         "cron_expression": {"type": "string", "description": "Recurring schedule, e.g. \\"0 3 * * *\\" (03:00 daily)."},
         "cron_dialect": {"type": "string", "enum": ["unix", "quartz", "spring"], "default": "unix"},
         "time_zone": {"type": "string", "description": "IANA zone for cron_expression, e.g. \\"Europe/Berlin\\"; default: the daemon's zone."},
         "run_at": {"type": "string", "description": "Run once at this ISO-8601 instant, e.g. \\"2026-12-01T09:00:00Z\\"."},
         "interval": {"type": "string", "description": "Run every interval: \\"30s\\", \\"15m\\", \\"2h\\", \\"1d\\" or ISO-8601 \\"PT15M\\"."},
         "config": {"type": "object", "description": "The executor's arguments, e.g. {\\"message\\": \\"hi\\"} for log."},
         "description": {"type": "string"},
         "max_retries": {"type": "integer", "minimum": 1, "maximum": 100, "default": 3, "description": "Attempts in all per fire time."},
         "timeout": {"type": "integer", "minimum": 1, "description": "Seconds one run may take; default 3600."},
         "labels": {"type": "object", "additionalProperties": {"type": "string"}}
       },
       "required": ["task_id", "task_type"],
       "additionalProperties": false}""";
}
