package dev.schedulerd.mcp;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns tasks and runs into the JSON clients see, in the seed's vocabulary: lowercase status and
 * priority, ISO-8601 instants (UTC) plus the same instant in the task's zone where it has one.
 */
final class TaskViews {
  private TaskViews() {}

  static Map<String, Object> task(StoredTask task) {
    TaskDefinition definition = task.definition();
    TaskState state = task.state();
    ZoneId zone = zoneOf(definition.schedule());
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("task_id", definition.id());
    view.put("task_type", definition.executorKind());
    view.put("status", state.status().wireName());
    view.put("priority", definition.priority().wireName());
    view.put("description", definition.description());
    view.put("schedule", schedule(definition.schedule()));
    putInstant(view, "next_run_at", state.nextDueAt(), zone);
    view.put("attempt", state.attempt());
    view.put("max_retries", definition.retryPolicy().maxAttempts());
    if (definition.timeout() != null) {
      view.put("timeout_seconds", definition.timeout().toSeconds());
    }
    view.put("config", definition.config());
    view.put("labels", definition.labels());
    view.put("created_by", definition.createdBy());
    Lease lease = state.lease();
    if (lease != null) {
      view.put("running_on", lease.owner());
      view.put("run_id", lease.runId());
    }
    RunRecord last = state.lastRun();
    if (last != null) {
      view.put("last_run", run(last));
    }
    view.put("created_at", state.createdAt().toString());
    view.put("updated_at", state.updatedAt().toString());
    return view;
  }

  /** One concise row for listings. */
  static Map<String, Object> row(StoredTask task) {
    TaskDefinition definition = task.definition();
    TaskState state = task.state();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("task_id", definition.id());
    view.put("task_type", definition.executorKind());
    view.put("status", state.status().wireName());
    view.put("priority", definition.priority().wireName());
    view.put("schedule", summary(definition.schedule()));
    putInstant(view, "next_run_at", state.nextDueAt(), zoneOf(definition.schedule()));
    RunRecord last = state.lastRun();
    if (last != null) {
      view.put("last_outcome", last.outcome().wireName());
    }
    return view;
  }

  /** A run, with who created its task. */
  static Map<String, Object> run(RunRecord run, String taskCreatedBy) {
    Map<String, Object> view = run(run);
    view.put("created_by", taskCreatedBy);
    return view;
  }

  static Map<String, Object> run(RunRecord run) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("run_id", run.runId());
    view.put("task_id", run.taskId());
    view.put("attempt", run.attempt());
    view.put("outcome", run.outcome().wireName());
    view.put("scheduled_for", run.scheduledFor().toString());
    view.put("started_at", run.startedAt().toString());
    view.put("finished_at", run.finishedAt().toString());
    if (run.result() != null) {
      view.put("result", run.result());
    }
    if (run.error() != null) {
      view.put("error", run.error());
    }
    view.put("node", run.node());
    return view;
  }

  static Map<String, Object> schedule(Schedule schedule) {
    Map<String, Object> view = new LinkedHashMap<>();
    switch (schedule) {
      case Schedule.Immediate i -> view.put("kind", "immediate");
      case Schedule.At at -> {
        view.put("kind", "at");
        view.put("run_at", at.instant().toString());
      }
      case Schedule.Every every -> {
        view.put("kind", "interval");
        view.put("interval", every.interval().toString());
        if (every.startAt() != null) {
          view.put("start_at", every.startAt().toString());
        }
      }
      case Schedule.Cron cron -> {
        view.put("kind", "cron");
        view.put("cron_expression", cron.expression());
        view.put("cron_dialect", cron.dialect().wireName());
        view.put("time_zone", cron.zone() == null ? "UTC" : cron.zone().getId());
      }
    }
    return view;
  }

  static String summary(Schedule schedule) {
    return switch (schedule) {
      case Schedule.Immediate i -> "immediately";
      case Schedule.At at -> "at " + at.instant();
      case Schedule.Every every -> "every " + every.interval();
      case Schedule.Cron cron ->
          "cron '" + cron.expression() + "' " + (cron.zone() == null ? "UTC" : cron.zone().getId());
    };
  }

  static @Nullable ZoneId zoneOf(Schedule schedule) {
    return schedule instanceof Schedule.Cron cron ? cron.zone() : null;
  }

  static void putInstant(
      Map<String, Object> view, String key, @Nullable Instant instant, @Nullable ZoneId zone) {
    if (instant == null) {
      return;
    }
    view.put(key, instant.toString());
    if (zone != null) {
      view.put(key + "_local", instant.atZone(zone).toOffsetDateTime() + "[" + zone.getId() + "]");
    }
  }
}
