package dev.schedulerd.mcp;

/**
 * The tools' input and output JSON Schemas. Output schemas describe {@code structuredContent}; the
 * MCP SDK checks every successful result against its tool's output schema.
 */
final class ToolSchemas {
  private ToolSchemas() {}

  static final String EMPTY_SCHEMA =
      """
      {"type": "object", "properties": {}, "additionalProperties": false}""";

  static final String TASK_ID_SCHEMA =
      """
      {"type": "object",
       "properties": {"task_id": {"type": "string", "minLength": 1, "description": "The task's id."}},
       "required": ["task_id"], "additionalProperties": false}""";

  static final String LIST_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "status": {"type": "string", "enum": ["scheduled", "running", "retry_wait", "paused", "waiting", "completed", "failed", "cancelled"]},
         "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
         "task_type": {"type": "string", "description": "Only tasks of this executor kind."},
         "label": {"type": "string", "description": "Only tasks with this label, as key=value."},
         "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
         "cursor": {"type": "string", "description": "next_cursor from the previous page."}
       },
       "additionalProperties": false}""";

  static final String ADD_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]*$", "description": "Unique id: letters, digits, . _ - :"},
         "task_type": {"type": "string", "minLength": 1, "description": "Executor kind, e.g. \\"log\\"."},
         "priority": {"type": "string", "enum": ["critical", "high", "medium", "low"], "default": "medium"},
         "cron_expression": {"type": "string", "description": "Recurring schedule, e.g. \\"0 3 * * *\\" (03:00 daily)."},
         "cron_dialect": {"type": "string", "enum": ["unix", "quartz", "spring"], "default": "unix"},
         "time_zone": {"type": "string", "description": "IANA zone, e.g. \\"Europe/Berlin\\": cron_expression and a local run_at are read in it; default: the daemon's zone."},
         "run_at": {"type": "string", "description": "Run once at this ISO-8601 time: with Z or an offset (\\"2026-12-01T09:00:00Z\\"), or local with time_zone (\\"2026-12-01T09:00\\")."},
         "interval": {"type": "string", "description": "Run every interval: \\"30s\\", \\"15m\\", \\"2h\\", \\"1d\\" or ISO-8601 \\"PT15M\\"."},
         "config": {"type": "object", "description": "The executor's arguments, e.g. {\\"message\\": \\"hi\\"} for log."},
         "description": {"type": "string"},
         "max_retries": {"type": "integer", "minimum": 1, "maximum": 100, "default": 3, "description": "Attempts in all per fire time."},
         "timeout": {"type": "integer", "minimum": 1, "description": "Seconds one run may take; default 3600."},
         "labels": {"type": "object", "additionalProperties": {"type": "string"}},
         "missed_fire_policy": {"type": "string", "enum": ["skip", "run_once", "run_all"], "default": "run_once", "description": "Recurring tasks: fire times missed while schedulerd was down or the task paused. skip: run none; run_once: one catch-up run; run_all: each, oldest first, up to max_catch_up. Each missed one is recorded as a run with outcome missed."},
         "catch_up_window_seconds": {"type": "integer", "minimum": 1, "default": 86400, "description": "Only missed fire times at most this old are caught up."},
         "max_catch_up": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10, "description": "With run_all: the most missed fire times run."},
         "overlap": {"type": "string", "enum": ["skip", "queue_one", "cancel_previous", "allow"], "default": "queue_one", "description": "Recurring tasks: a fire time that comes while the previous run still runs. skip: not run (recorded skipped); queue_one: one run right after; cancel_previous: interrupt the running one and run the new; allow: each fire time runs as its own task ID:FIRE_TIME, overlapping freely."},
         "jitter_seconds": {"type": "integer", "minimum": 0, "maximum": 3600, "default": 0, "description": "Recurring tasks: start each run up to this many seconds after its fire time, at random, to spread load."},
         "depends_on": {"type": "array", "items": {"type": "string"}, "maxItems": 100, "description": "One-shot tasks only: ids of one-shot tasks this one runs after; it waits (status waiting) until all completed successfully."},
         "resources": {"type": "array", "items": {"type": "string"}, "maxItems": 16, "description": "Named concurrency groups (e.g. [\\"gpu\\"]) the run holds a unit of each of; it waits for a free unit. Capacities are set by the operator (resources.NAME in the config file)."},
         "on_failure": {"type": "string", "enum": ["skip", "continue"], "default": "skip", "description": "When a depends_on task fails, is cancelled or removed: skip this one (recorded skipped) or continue and run it once all ended."}
       },
       "required": ["task_id", "task_type"],
       "additionalProperties": false}""";

  /**
   * The add schema for a partial update: only task_id is required, and every other field may be
   * null (back to its default).
   */
  static final String UPDATE_SCHEMA = partialOf(ADD_SCHEMA);

  static final String WAIT_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string", "minLength": 1, "maxLength": 128},
         "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 60, "default": 30, "description": "How long to wait at most."}
       },
       "required": ["task_id"],
       "additionalProperties": false}""";

  static final String WORKFLOW_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "tasks": {"type": "array", "minItems": 1, "maxItems": 500,
                   "description": "Task definitions as scheduler_add_task takes them, each with its depends_on naming tasks of this list or tasks already added.",
                   "items": %s}
       },
       "required": ["tasks"],
       "additionalProperties": false}"""
          .replace("%s", ADD_SCHEMA);

  static final String LIST_RUNS_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string", "description": "Only this task's runs; all tasks' when absent."},
         "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
         "cursor": {"type": "string", "description": "next_cursor from the previous page."}
       },
       "additionalProperties": false}""";

  static final String PREVIEW_SCHEMA =
      """
      {"type": "object",
       "properties": {
         "cron_expression": {"type": "string", "description": "e.g. \\"30 2 * * *\\""},
         "cron_dialect": {"type": "string", "enum": ["unix", "quartz", "spring"], "default": "unix"},
         "interval": {"type": "string", "description": "\\"15m\\", \\"2h\\" or ISO-8601 \\"PT15M\\""},
         "time_zone": {"type": "string", "description": "IANA zone, e.g. \\"Europe/Berlin\\"; default: the daemon's zone."},
         "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
         "task_id": {"type": "string", "description": "Preview this task's schedule and overlap policy (its last run's length as the run length unless expected_run_seconds is given)."},
         "overlap": {"type": "string", "enum": ["skip", "queue_one", "cancel_previous", "allow"], "description": "With expected_run_seconds: mark which fire times this policy would skip, delay or use to cancel the previous run."},
         "expected_run_seconds": {"type": "integer", "minimum": 1, "description": "How long one run takes, for the overlap marks."}
       },
       "additionalProperties": false}""";

  // ---------------------------------------------------------------- output schemas

  private static final String STATUS_ENUM =
      "{\"type\": \"string\", \"enum\": [\"scheduled\", \"running\", \"retry_wait\", \"paused\","
          + " \"waiting\", \"completed\", \"failed\", \"cancelled\"]}";
  private static final String PRIORITY_ENUM =
      "{\"type\": \"string\", \"enum\": [\"critical\", \"high\", \"medium\", \"low\"]}";

  static final String RUN_VIEW =
      """
      {"type": "object",
       "properties": {
         "run_id": {"type": "string"}, "task_id": {"type": "string"},
         "attempt": {"type": "integer"},
         "outcome": {"type": "string", "enum": ["success", "failed", "timed_out", "interrupted", "abandoned", "missed", "skipped", "cancelled"], "description": "missed and skipped: the fire time did not run; error says why."},
         "scheduled_for": {"type": "string"}, "started_at": {"type": "string"},
         "finished_at": {"type": "string"}, "result": {"type": "string"},
         "error": {"type": "string"}, "node": {"type": "string"},
         "created_by": {"type": "string", "description": "The MCP client that created the task."}
       },
       "required": ["run_id", "task_id", "attempt", "outcome", "scheduled_for", "started_at", "finished_at", "node"]}""";

  static final String TASK_VIEW =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string"}, "task_type": {"type": "string"},
         "status": %s1, "priority": %s2,
         "description": {"type": "string"},
         "schedule": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["immediate", "at", "interval", "cron"]}}, "required": ["kind"]},
         "next_run_at": {"type": "string"}, "next_run_at_local": {"type": "string"},
         "attempt": {"type": "integer"}, "max_retries": {"type": "integer"},
         "timeout_seconds": {"type": "integer"},
         "config": {"type": "object"}, "labels": {"type": "object", "additionalProperties": {"type": "string"}},
         "created_by": {"type": "string", "description": "The MCP client (name and version) that created the task."},
         "running_on": {"type": "string"}, "run_id": {"type": "string"},
         "fire_policy": {"type": "object", "description": "Recurring tasks: missed fire times, overlaps, jitter.",
           "properties": {"missed_fire_policy": {"type": "string"}, "catch_up_window_seconds": {"type": "integer"}, "max_catch_up": {"type": "integer"}, "overlap": {"type": "string"}, "jitter_seconds": {"type": "integer"}}},
         "explanation": {"type": "string", "description": "One line on the task's situation: what it waits for, what happened last."},
         "depends_on": {"type": "array", "items": {"type": "string"}}, "on_failure": {"type": "string", "enum": ["skip", "continue"]},
         "resources": {"type": "array", "items": {"type": "string"}},
         "last_run": %s3,
         "created_at": {"type": "string"}, "updated_at": {"type": "string"}
       },
       "required": ["task_id", "task_type", "status", "priority", "schedule", "attempt", "max_retries", "config", "labels", "created_at", "updated_at"]}"""
          .replace("%s1", STATUS_ENUM)
          .replace("%s2", PRIORITY_ENUM)
          .replace("%s3", RUN_VIEW);

  static final String ROW_VIEW =
      """
      {"type": "object",
       "properties": {
         "task_id": {"type": "string"}, "task_type": {"type": "string"},
         "status": %s1, "priority": %s2, "schedule": {"type": "string"},
         "next_run_at": {"type": "string"}, "next_run_at_local": {"type": "string"},
         "last_outcome": {"type": "string"}
       },
       "required": ["task_id", "task_type", "status", "priority", "schedule"]}"""
          .replace("%s1", STATUS_ENUM)
          .replace("%s2", PRIORITY_ENUM);

  static final String DAEMON_VIEW =
      """
      {"type": "object",
       "properties": {
         "running": {"type": "boolean"},
         "state": {"type": "string", "enum": ["new", "starting", "running", "stopping", "stopped", "closed"],
                   "description": "starting: the daemon is loading its stored tasks (seconds for a million); tools work meanwhile."},
         "dispatch_paused": {"type": "boolean", "description": "scheduler_pause_daemon holds every task on this node."},
         "dispatch_paused_since": {"type": "string"},
         "node_id": {"type": "string"}, "started_at": {"type": "string"},
         "uptime_seconds": {"type": "integer"}, "ticker_wake_ups": {"type": "integer"},
         "runs_started": {"type": "integer"}, "runs_in_flight": {"type": "integer"},
         "queued": {"type": "integer"}, "queue_depth": {"type": "object"},
         "next_due_at": {"type": "string"}, "default_time_zone": {"type": "string"},
         "executors": {"type": "array", "items": {"type": "string"}, "description": "Executor kinds enabled on this node: the task_type values add accepts."},
         "executors_disabled": {"type": "array", "description": "Installed but disabled; only the operator can enable them.",
                                "items": {"type": "object", "properties": {"kind": {"type": "string"}, "enabled_by": {"type": "string"}}}},
         "nodes": {"type": "array", "description": "Every node sharing the store with a heartbeat in the last 15 s.",
                   "items": {"type": "object", "properties": {"node_id": {"type": "string"}, "started_at": {"type": "string"},
                             "last_heartbeat": {"type": "string"}, "runs_in_flight": {"type": "integer"}},
                             "required": ["node_id", "last_heartbeat", "runs_in_flight"]}}
       },
       "required": ["running", "state", "node_id", "uptime_seconds", "runs_started", "runs_in_flight", "queued", "executors"]}""";

  static final String OUT_TASK = object("\"task\": " + TASK_VIEW, "task");

  static final String OUT_WAIT =
      object(
          "\"task_id\": {\"type\": \"string\"}, \"finished\": {\"type\": \"boolean\"},"
              + " \"status\": {\"type\": \"string\"}, \"waited_ms\": {\"type\": \"integer\"},"
              + " \"explanation\": {\"type\": \"string\"}, \"run\": "
              + RUN_VIEW,
          "task_id",
          "finished",
          "status");

  static final String OUT_WORKFLOW =
      object("\"tasks\": {\"type\": \"array\", \"items\": " + TASK_VIEW + "}", "tasks");

  static final String OUT_ADD =
      object(
          "\"task\": "
              + TASK_VIEW
              + ", \"created\": {\"type\": \"boolean\"}, \"note\": {\"type\": \"string\"}",
          "task",
          "created");

  static final String OUT_LIST_TASKS =
      object(
          "\"tasks\": {\"type\": \"array\", \"items\": "
              + ROW_VIEW
              + "}, \"count\": {\"type\": \"integer\"}, \"next_cursor\": {\"type\": \"string\"}",
          "tasks",
          "count");

  static final String OUT_GET_TASK =
      object(
          "\"task\": "
              + TASK_VIEW
              + ", \"recent_runs\": {\"type\": \"array\", \"items\": "
              + RUN_VIEW
              + "}, \"next_fire_times\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}",
          "task",
          "recent_runs",
          "next_fire_times");

  static final String OUT_REMOVE =
      object(
          "\"task_id\": {\"type\": \"string\"}, \"removed\": {\"type\": \"boolean\"}",
          "task_id",
          "removed");

  static final String OUT_DAEMON = object("\"daemon\": " + DAEMON_VIEW, "daemon");

  static final String OUT_STATUS =
      object(
          "\"status\": "
              + item(
                  "\"total_tasks\": {\"type\": \"integer\"}, \"by_status\": {\"type\": \"object\"},"
                      + " \"by_priority\": {\"type\": \"object\"}, \"daemon\": "
                      + DAEMON_VIEW,
                  "total_tasks",
                  "by_status",
                  "by_priority",
                  "daemon"),
          "status");

  static final String OUT_LIST_RUNS =
      object(
          "\"runs\": {\"type\": \"array\", \"items\": "
              + RUN_VIEW
              + "}, \"count\": {\"type\": \"integer\"}, \"next_cursor\": {\"type\": \"string\"}",
          "runs",
          "count");

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

  private static String object(String properties, String... required) {
    return item(
        "\"summary\": {\"type\": \"string\", \"description\": \"The answer in one line.\"}, "
            + properties,
        required);
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
