package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.TaskStatus;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The tools' input and output JSON Schemas. Output schemas describe {@code structuredContent}; the
 * MCP SDK checks every successful result against its tool's output schema.
 */
final class ToolSchemas {
  private ToolSchemas() {}

  /**
   * The wire names of the model's enums, in declaration order: a schema names %PRIORITIES% (etc.)
   * and never copies a list by hand, so a new status or outcome reaches every schema at once.
   */
  private static final Map<String, String> ENUMS =
      Map.of(
          "%STATUSES%", wireNames(TaskStatus.values(), TaskStatus::wireName),
          "%PRIORITIES%", wireNames(Priority.values(), Priority::wireName),
          "%CRON_DIALECTS%", wireNames(CronDialect.values(), CronDialect::wireName),
          "%MISSED_FIRE_POLICIES%",
              wireNames(
                  FirePolicy.MissedFires.Mode.values(), FirePolicy.MissedFires.Mode::wireName),
          "%OVERLAPS%", wireNames(FirePolicy.Overlap.values(), FirePolicy.Overlap::wireName),
          "%OUTCOMES%", wireNames(RunOutcome.values(), RunOutcome::wireName));

  private static <E> String wireNames(E[] values, Function<E, String> wireName) {
    return Arrays.stream(values)
        .map(value -> "\"" + wireName.apply(value) + "\"")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** {@code schema} with each enum placeholder replaced by its JSON array. */
  static String withEnums(String schema) {
    String filled = schema;
    for (Map.Entry<String, String> e : ENUMS.entrySet()) {
      filled = filled.replace(e.getKey(), e.getValue());
    }
    return filled;
  }

  static final String EMPTY_SCHEMA =
      """
      {"type": "object", "properties": {}, "additionalProperties": false}"""
          .transform(ToolSchemas::withEnums);

  static final String TASK_ID_SCHEMA =
      """
      {"type": "object",
       "properties": {"task_id": {"type": "string", "minLength": 1, "description": "The task's id."}},
       "required": ["task_id"], "additionalProperties": false}"""
          .transform(ToolSchemas::withEnums);

  static final String ADD_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]*$", "description": "Unique id"},
         "task_type": {"type": "string", "minLength": 1, "description": "Executor kind, e.g. \\"log\\"."},
         "priority": {"type": "string", "enum": %PRIORITIES%, "default": "medium"},
         "cron_expression": {"type": "string", "description": "Recurring schedule, e.g. \\"0 3 * * *\\" (03:00 daily)."},
         "cron_dialect": {"type": "string", "enum": %CRON_DIALECTS%, "default": "unix"},
         "time_zone": {"type": "string", "description": "IANA zone (\\"Europe/Berlin\\") of cron_expression and of a local run_at; default: the daemon's."},
         "run_at": {"type": "string", "description": "Run once at this ISO-8601 time: with Z or an offset (\\"2026-12-01T09:00:00Z\\"), or local with time_zone (\\"2026-12-01T09:00\\")."},
         "interval": {"type": "string", "description": "Run every interval: \\"30s\\", \\"15m\\", \\"2h\\", \\"1d\\" or ISO-8601 \\"PT15M\\"."},
         "config": {"type": "object", "description": "The executor's arguments, e.g. {\\"message\\": \\"hi\\"} for log."},
         "description": {"type": "string"},
         "max_retries": {"type": "integer", "minimum": 1, "maximum": 100, "default": 3, "description": "Attempts in all per fire time."},
         "timeout": {"type": "integer", "minimum": 1, "description": "Seconds one run may take; default 3600."},
         "labels": {"type": "object", "additionalProperties": {"type": "string"}},
         "missed_fire_policy": {"type": "string", "enum": %MISSED_FIRE_POLICIES%, "default": "run_once", "description": "Recurring: fire times missed while schedulerd was down or paused. run_once: one catch-up run; run_all: each, up to max_catch_up; skip: none."},
         "catch_up_window_seconds": {"type": "integer", "minimum": 1, "default": 86400, "description": "Older missed fire times are not caught up."},
         "max_catch_up": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10, "description": "run_all: the most run."},
         "overlap": {"type": "string", "enum": %OVERLAPS%, "default": "queue_one", "description": "Recurring: a fire time while the previous run runs. queue_one: run right after; skip: not run; cancel_previous: interrupt the running one; allow: run alongside as task ID:FIRE_TIME."},
         "jitter_seconds": {"type": "integer", "minimum": 0, "maximum": 3600, "default": 0, "description": "Recurring: start each run up to this many seconds late, at random."},
         "depends_on": {"type": "array", "items": {"type": "string"}, "maxItems": 100, "description": "One-shot: ids of one-shot tasks that must complete successfully first (status waiting meanwhile)."},
         "resources": {"type": "array", "items": {"type": "string"}, "maxItems": 16, "description": "Concurrency groups (e.g. [\\"gpu\\"]) a run holds a unit of; capacities are the operator's."},
         "on_failure": {"type": "string", "enum": ["skip", "continue"], "default": "skip", "description": "When a dependency fails or is removed: skip this task, or continue once all ended."}
       },
       "required": ["task_id", "task_type"],
       "additionalProperties": false}"""
          .transform(ToolSchemas::withEnums);

  /** The argument names {@link #ADD_SCHEMA} declares, in its order. */
  static final java.util.List<String> ADD_FIELDS = propertyNames(ADD_SCHEMA);

  private static java.util.List<String> propertyNames(String schema) {
    try {
      java.util.List<String> names = new java.util.ArrayList<>();
      new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(schema)
          .path("properties")
          .fieldNames()
          .forEachRemaining(names::add);
      return java.util.List.copyOf(names);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("the add schema is not JSON", e);
    }
  }

  /**
   * The add schema for a partial update: only task_id is required, and every other field may be
   * null (back to its default).
   */
  static final String UPDATE_SCHEMA = partialOf(ADD_SCHEMA);

  static final String PREVIEW_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "cron_expression": {"type": "string", "description": "e.g. \\"30 2 * * *\\""},
         "cron_dialect": {"type": "string", "enum": %CRON_DIALECTS%, "default": "unix"},
         "interval": {"type": "string", "description": "\\"15m\\", \\"2h\\" or ISO-8601 \\"PT15M\\""},
         "time_zone": {"type": "string", "description": "IANA zone; default: the daemon's."},
         "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
         "task_id": {"type": "string", "description": "Preview this task (its policy, its last run's length)."},
         "overlap": {"type": "string", "enum": %OVERLAPS%, "description": "With expected_run_seconds: what this policy does to each fire time."},
         "expected_run_seconds": {"type": "integer", "minimum": 1}
       },
       "additionalProperties": false}"""
          .transform(ToolSchemas::withEnums);

  // ---------------------------------------------------------------- output schemas

  private static final String STATUS_ENUM = "{\"type\": \"string\", \"enum\": %STATUSES%}";
  private static final String PRIORITY_ENUM = "{\"type\": \"string\", \"enum\": %PRIORITIES%}";

  // Output schemas name the fields and types an agent relies on and describe the rest in words:
  // every tool lists them in tools/list, so each property spelled out costs on every session.

  static final String RUN_VIEW =
      """
      {"type": "object",
       "description": "Also scheduled_for, started_at, finished_at, result or error, node.",
       "properties": {
         "run_id": {"type": "string"}, "task_id": {"type": "string"}, "attempt": {"type": "integer"},
         "outcome": {"type": "string", "enum": %OUTCOMES%}
       },
       "required": ["run_id", "task_id", "attempt", "outcome"]}"""
          .transform(ToolSchemas::withEnums);

  static final String TASK_VIEW =
      """
      {"type": "object",
       "description": "Also description, next_run_at (UTC), attempt, max_retries, timeout_seconds, config, labels, depends_on, resources, fire_policy, running_on, last_run, created_by, created_at, updated_at.",
       "properties": {
         "task_id": {"type": "string"}, "task_type": {"type": "string"},
         "status": %s1, "priority": %s2,
         "schedule": {"type": "object"}, "next_run_at_local": {"type": "string"}
       },
       "required": ["task_id", "task_type", "status", "priority", "schedule"]}"""
          .replace("%s1", STATUS_ENUM)
          .replace("%s2", PRIORITY_ENUM)
          .transform(ToolSchemas::withEnums);

  /** The task as changing tools echo it: TASK_VIEW's fields, described once, in get_task's. */
  static final String CHANGED_TASK_VIEW =
      """
      {"type": "object", "description": "The task as scheduler_get_task shows it.",
       "properties": {"task_id": {"type": "string"}, "status": {"type": "string"}},
       "required": ["task_id", "status"]}"""
          .transform(ToolSchemas::withEnums);

  static final String ROW_VIEW =
      """
      {"type": "object",
       "description": "next: the next run in the task's zone; priority when not medium; last: the last run's outcome.",
       "properties": {"task_id": {"type": "string"}, "status": %s1, "next": {"type": "string"}},
       "required": ["task_id", "status"]}"""
          .replace("%s1", STATUS_ENUM)
          .transform(ToolSchemas::withEnums);

  static final String DAEMON_VIEW =
      """
      {"type": "object",
       "description": "running, state (starting: loading stored tasks; tools work meanwhile), dispatch_paused, node_id, started_at, uptime_seconds, runs_started, runs_in_flight, queued, queue_depth, next_due_at, default_time_zone, executors (kinds enabled: the task_type values add accepts), executors_disabled (only the operator can enable them), nodes sharing the store, run figures; store_problem only when the store may not be written (its file deleted or replaced): the reason.",
       "properties": {
         "running": {"type": "boolean"}, "state": {"type": "string"},
         "executors": {"type": "array", "items": {"type": "string"}}
       },
       "required": ["running", "state", "node_id", "executors"]}"""
          .transform(ToolSchemas::withEnums);

  private static final String LIFECYCLE_DAEMON_VIEW =
      "{\"type\": \"object\", \"description\": \"As scheduler_daemon_status shows it.\","
          + " \"properties\": {\"running\": {\"type\": \"boolean\"}, \"state\": {\"type\":"
          + " \"string\"}}, \"required\": [\"running\", \"state\"]}";

  static final String OUT_TASK = object("\"task\": " + CHANGED_TASK_VIEW, "task");

  static final String OUT_DAEMON = object("\"daemon\": " + DAEMON_VIEW, "daemon");

  /** What the lifecycle tools answer: the daemon as scheduler_daemon_status shows it. */
  static final String OUT_LIFECYCLE = object("\"daemon\": " + LIFECYCLE_DAEMON_VIEW, "daemon");

  static final String OUT_STATUS =
      object(
          "\"status\": "
              + item(
                  "\"total_tasks\": {\"type\": \"integer\"}, \"by_status\": {\"type\": \"object\"},"
                      + " \"by_priority\": {\"type\": \"object\"}, \"daemon\": "
                      + LIFECYCLE_DAEMON_VIEW,
                  "total_tasks",
                  "by_status",
                  "by_priority",
                  "daemon"),
          "status");

  static final String OUT_PREVIEW =
      object(
          "\"schedule\": {\"type\": \"string\"}, \"time_zone\": {\"type\": \"string\"},"
              + " \"fire_times\": {\"type\": \"array\", \"items\": "
              + item(
                  "\"at\": {\"type\": \"string\"}, \"local\": {\"type\": \"string\"},"
                      + " \"note\": {\"type\": \"string\"}, \"policy\": {\"type\": \"string\"}",
                  "at",
                  "local")
              + "}, \"notes\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}",
          "schedule",
          "time_zone",
          "fire_times");

  static final String OUT_EXECUTORS =
      object(
          "\"executors\": {\"type\": \"array\", \"items\": "
              + item(
                  "\"kind\": {\"type\": \"string\"}, \"description\": {\"type\": \"string\"},"
                      + " \"enabled\": {\"type\": \"boolean\"}, \"config_schema\": {\"type\":"
                      + " \"object\"}, \"source\": {\"type\": \"string\"}",
                  "kind",
                  "enabled",
                  "config_schema")
              + "}",
          "executors");

  /** A tool's answer: these properties after the one-line summary every answer may carry. */
  private static String partialOf(String schema) {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    try {
      com.fasterxml.jackson.databind.node.ObjectNode root =
          (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(schema);
      root.putArray("required").add("task_id");
      root.withObject("/properties")
          .properties()
          .forEach(
              field -> {
                if (field.getKey().equals("task_id")) {
                  return;
                }
                com.fasterxml.jackson.databind.node.ObjectNode property =
                    (com.fasterxml.jackson.databind.node.ObjectNode) field.getValue();
                property.remove("default");
                property.remove("description"); // the add tool's schema has them
                String type = property.path("type").asText();
                property.putArray("type").add(type).add("null");
                if (property.has("enum")) {
                  property.withArray("enum").addNull();
                }
              });
      return json.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A tool's answer. Every answer also carries {@code summary}, its one line, which the server's
   * instructions name once rather than each of the twenty schemas.
   */
  static String object(String properties, String... required) {
    return item(properties, required);
  }

  /** An object schema with these properties (a JSON fragment) and required keys. */
  private static String item(String properties, String... required) {
    StringBuilder schema =
        new StringBuilder("{\"type\": \"object\", \"properties\": {")
            .append(properties)
            .append("}");
    if (required.length > 0) {
      schema.append(", \"required\": [");
      for (int i = 0; i < required.length; i++) {
        schema.append(i == 0 ? "\"" : ", \"").append(required[i]).append('"');
      }
      schema.append(']');
    }
    return schema.append('}').toString();
  }
}
