package dev.schedulerd.store.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.json.TaskJson;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One task of the seed's file ↔ the task model.
 *
 * <p>The seed's fields ({@code id, type, status, priority, config, result, error, created_at,
 * updated_at, next_run, last_run, cron_expression, time_zone, run_at, interval_seconds,
 * max_retries, retry_count, timeout, description, labels}) are written for every task, with
 * lowercase status and priority as the seed wrote them, so the seed's tooling keeps reading the
 * file. What the seed has no field for (exact state, lease, retry policy, run history) goes under
 * {@code "schedulerd"}; when present it is what a read trusts. Fields this class does not know are
 * kept as they were.
 */
final class SeedFormat {
  static final ObjectMapper MAPPER = new ObjectMapper();

  /** Run records saved per task; older ones are dropped from the file. */
  static final int RUNS_SAVED_PER_TASK = 50;

  /** Seed fields that describe a schedule; all but the current ones are removed on write. */
  private static final List<String> SCHEDULE_FIELDS =
      List.of(
          "cron_expression",
          "cron_dialect",
          "time_zone",
          "run_at",
          "scheduled_time",
          "interval_seconds",
          "interval",
          "start_at");

  private SeedFormat() {}

  /** A task read from a file, with its JSON as read (to write it back unchanged). */
  record Entry(StoredTask task, List<RunRecord> runsOldestFirst, ObjectNode original) {}

  /**
   * Reads the task under {@code key}.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static Entry read(String key, JsonNode json, FireTimes fireTimes, Instant now) {
    if (!json.isObject()) {
      throw new IllegalArgumentException("is not a JSON object");
    }
    ObjectNode node = (ObjectNode) json;
    String id = node.path("id").asText(key);
    if (!id.equals(key)) {
      throw new IllegalArgumentException(
          "is stored under key '" + key + "' but its id is '" + id + "'");
    }
    JsonNode ours = node.path("schedulerd");
    if (ours.isObject() && ours.path("definition").isObject() && ours.path("state").isObject()) {
      TaskDefinition definition = TaskJson.readDefinition(ours.path("definition"));
      TaskState state = TaskJson.readState(ours.path("state"), ours.path("version").asLong(1));
      List<RunRecord> runs = new ArrayList<>();
      for (JsonNode run : ours.path("runs")) {
        runs.add(0, TaskJson.readRun(run)); // saved newest first
      }
      return new Entry(new StoredTask(definition, state), runs, node);
    }
    TaskDefinition definition = readSeedDefinition(id, node, fireTimes);
    TaskState state = readSeedState(definition, node, fireTimes, now);
    return new Entry(new StoredTask(definition, state), List.of(), node);
  }

  private static TaskDefinition readSeedDefinition(
      String id, ObjectNode node, FireTimes fireTimes) {
    String kind = text(node, "type", text(node, "task_type", null));
    if (kind == null) {
      throw new IllegalArgumentException("has no 'type' (the executor kind, e.g. \"log\")");
    }
    JsonNode config = node.path("config");
    Map<String, String> labels = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("labels").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> label = it.next();
      labels.put(label.getKey(), label.getValue().asText());
    }
    int maxRetries = node.path("max_retries").asInt(RetryPolicy.DEFAULT.maxAttempts());
    RetryPolicy retry =
        new RetryPolicy(
            Math.max(1, maxRetries),
            RetryPolicy.DEFAULT.initialDelay(),
            RetryPolicy.DEFAULT.multiplier(),
            RetryPolicy.DEFAULT.maxDelay(),
            RetryPolicy.DEFAULT.jitter());
    JsonNode timeout = node.path("timeout");
    return TaskDefinition.builder(id, kind)
        .priority(Priority.parse(textOr(node, "priority", "medium")))
        .schedule(fireTimes.normalize(readSchedule(node)))
        .config(config.isObject() ? (ObjectNode) config : JsonNodeFactory.instance.objectNode())
        .description(textOr(node, "description", ""))
        .retryPolicy(retry)
        .timeout(
            timeout.isNumber() && timeout.asDouble() > 0
                ? Duration.ofMillis(Math.round(timeout.asDouble() * 1000))
                : null)
        .labels(labels)
        .build();
  }

  private static Schedule readSchedule(ObjectNode node) {
    String cron = text(node, "cron_expression", null);
    String zoneName = text(node, "time_zone", null);
    ZoneId zone;
    try {
      zone = zoneName == null ? null : ZoneId.of(zoneName);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("time_zone '" + zoneName + "' is not an IANA zone", e);
    }
    if (cron != null) {
      return new Schedule.Cron(cron, CronDialect.parse(textOr(node, "cron_dialect", "unix")), zone);
    }
    String runAt = text(node, "run_at", text(node, "scheduled_time", null));
    if (runAt != null) {
      return Schedule.at(instant("run_at", runAt), zone);
    }
    JsonNode interval =
        node.has("interval_seconds") ? node.get("interval_seconds") : node.get("interval");
    if (interval != null && !interval.isNull()) {
      if (!interval.isNumber() || interval.asDouble() <= 0) {
        throw new IllegalArgumentException("interval_seconds must be a positive number of seconds");
      }
      String startAt = text(node, "start_at", null);
      return new Schedule.Every(
          Duration.ofMillis(Math.round(interval.asDouble() * 1000)),
          startAt == null ? null : instant("start_at", startAt));
    }
    return Schedule.immediate();
  }

  private static TaskState readSeedState(
      TaskDefinition definition, ObjectNode node, FireTimes fireTimes, Instant now) {
    Instant created = optionalInstant(node, "created_at", now);
    Instant updated = optionalInstant(node, "updated_at", created);
    int attempt = Math.max(0, node.path("retry_count").asInt(0));
    String status = textOr(node, "status", "scheduled").toLowerCase(Locale.ROOT);
    return switch (status) {
      case "pending", "scheduled", "queued", "running" -> {
        // The seed's "running" tasks were cut off when it stopped: they run again.
        Instant due =
            status.equals("running")
                ? now
                : optionalInstant(
                    node, "next_run", firstDue(definition.schedule(), fireTimes, now, created));
        yield new TaskState(TaskStatus.SCHEDULED, 0, due, due, null, null, created, updated, 1);
      }
      case "retry_wait", "retrying" -> {
        Instant due = optionalInstant(node, "next_run", now);
        yield new TaskState(
            TaskStatus.RETRY_WAIT, attempt, due, due, null, null, created, updated, 1);
      }
      case "paused" ->
          new TaskState(TaskStatus.PAUSED, attempt, null, null, null, null, created, updated, 1);
      case "waiting" ->
          new TaskState(TaskStatus.WAITING, 0, null, null, null, null, created, updated, 1);
      case "completed", "failed", "cancelled" ->
          new TaskState(
              TaskStatus.parse(status), attempt, null, null, null, null, created, updated, 1);
      default ->
          throw new IllegalArgumentException(
              "has status '"
                  + status
                  + "': expected pending, scheduled, running, retry_wait, paused, waiting,"
                  + " completed, failed or cancelled");
    };
  }

  private static Instant firstDue(
      Schedule schedule, FireTimes fireTimes, Instant now, Instant created) {
    return switch (schedule) {
      case Schedule.Immediate i -> created.isAfter(now) ? created : now;
      case Schedule.At at -> at.instant(); // a missed one-shot runs at once
      case Schedule.Every e -> fireTimes.first(schedule, now);
      case Schedule.Cron c -> fireTimes.first(schedule, now);
    };
  }

  /** The task in the seed's shape, over {@code original}'s fields when it has one. */
  static ObjectNode write(
      StoredTask task, List<RunRecord> runsNewestFirst, @Nullable ObjectNode original) {
    TaskDefinition d = task.definition();
    TaskState s = task.state();
    ObjectNode node = original != null ? original.deepCopy() : MAPPER.createObjectNode();
    SCHEDULE_FIELDS.forEach(node::remove);
    node.put("id", d.id());
    node.put("type", d.executorKind());
    node.put("status", s.status().wireName());
    node.put("priority", d.priority().wireName());
    node.put("description", d.description());
    node.set("config", d.config());
    switch (d.schedule()) {
      case Schedule.Immediate i -> {}
      case Schedule.At at -> {
        node.put("run_at", at.instant().toString());
        if (at.zone() != null) {
          node.put("time_zone", at.zone().getId());
        }
      }
      case Schedule.Every every -> {
        node.put("interval_seconds", every.interval().toMillis() / 1000.0);
        if (every.startAt() != null) {
          node.put("start_at", every.startAt().toString());
        }
      }
      case Schedule.Cron cron -> {
        node.put("cron_expression", cron.expression());
        node.put("cron_dialect", cron.dialect().wireName());
        if (cron.zone() != null) {
          node.put("time_zone", cron.zone().getId());
        }
      }
    }
    node.put("max_retries", d.retryPolicy().maxAttempts());
    node.put("retry_count", s.attempt());
    if (d.timeout() != null) {
      node.put("timeout", d.timeout().toMillis() / 1000.0);
    } else {
      node.putNull("timeout");
    }
    RunRecord last = s.lastRun();
    putOrNull(
        node,
        "result",
        last != null && last.outcome() == RunOutcome.SUCCESS ? last.result() : null);
    putOrNull(node, "error", last != null ? last.error() : null);
    node.put("created_at", s.createdAt().toString());
    node.put("updated_at", s.updatedAt().toString());
    putOrNull(node, "next_run", s.nextDueAt() != null ? s.nextDueAt().toString() : null);
    putOrNull(node, "last_run", last != null ? last.finishedAt().toString() : null);
    ObjectNode labels = node.putObject("labels");
    d.labels().forEach(labels::put);
    ObjectNode ours = node.putObject("schedulerd");
    ours.put("version", s.version());
    ours.set("definition", TaskJson.definitionNode(d));
    ours.set("state", TaskJson.stateNode(s));
    ArrayNode runs = ours.putArray("runs");
    runsNewestFirst.stream()
        .limit(RUNS_SAVED_PER_TASK)
        .forEach(r -> runs.add(TaskJson.runNodeOf(r)));
    return node;
  }

  private static void putOrNull(ObjectNode node, String field, @Nullable String value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private static @Nullable String text(ObjectNode node, String field, @Nullable String fallback) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' must be a string, got " + value);
    }
    return value.asText();
  }

  private static String textOr(ObjectNode node, String field, String fallback) {
    String value = text(node, field, null);
    return value != null ? value : fallback;
  }

  private static Instant optionalInstant(ObjectNode node, String field, Instant fallback) {
    String text = text(node, field, null);
    return text == null ? fallback : instant(field, text);
  }

  /**
   * An ISO-8601 instant; with an offset, or without one as the seed wrote them (Python's naive
   * {@code isoformat()}), read in this machine's zone.
   */
  static Instant instant(String field, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notInstant) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException notOffset) {
        try {
          return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException(
              field + " '" + text + "' is not an ISO-8601 date-time, e.g. 2026-01-15T10:30:00Z", e);
        }
      }
    }
  }
}
