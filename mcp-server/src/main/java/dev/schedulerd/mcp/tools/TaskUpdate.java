package dev.schedulerd.mcp.tools;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.FirePolicy.MissedFires;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A partial update: the fields {@code scheduler_update_task} was given change, the others keep
 * their value, and a field given as {@code null} goes back to its default. Each field is read as
 * {@code scheduler_add_task} reads it, with the same messages.
 */
final class TaskUpdate {
  private static final Set<String> SCHEDULE_KEYS = Set.of("cron_expression", "run_at", "interval");

  private TaskUpdate() {}

  /** {@code current} changed by {@code args}. */
  static TaskDefinition apply(TaskDefinition current, Map<String, Object> args) {
    if (args.containsKey("task_type") && args.get("task_type") == null) {
      throw new ToolInputException("task_type", "cannot be cleared: give an executor kind");
    }
    String kind =
        args.containsKey("task_type")
            ? ToolArguments.required(args, "task_type")
            : current.executorKind();
    TaskDefinition.Builder builder;
    try {
      builder = TaskDefinition.builder(current.id(), kind);
      builder.build();
    } catch (IllegalArgumentException e) {
      throw new ToolInputException("task_type", String.valueOf(e.getMessage()));
    }
    builder
        .priority(
            given(args, "priority")
                ? ToolArguments.optional(args, "priority")
                    .map(p -> ToolArguments.parse("priority", p, Priority::parse))
                    .orElse(Priority.MEDIUM)
                : current.priority())
        .description(
            given(args, "description")
                ? ToolArguments.optional(args, "description").orElse("")
                : current.description())
        .schedule(schedule(current.schedule(), args))
        .config(
            given(args, "config")
                ? (args.get("config") == null
                    ? JsonNodeFactory.instance.objectNode()
                    : ToolArguments.definitionFrom(onlyConfig(current, args)).config())
                : current.config())
        .retryPolicy(
            given(args, "max_retries")
                ? (args.get("max_retries") == null
                    ? RetryPolicy.DEFAULT
                    : withAttempts(
                        current.retryPolicy(),
                        ToolArguments.optionalInt(args, "max_retries", 3, 1, 100)))
                : current.retryPolicy())
        .timeout(
            given(args, "timeout")
                ? (args.get("timeout") == null
                    ? null
                    : Duration.ofSeconds(
                        ToolArguments.optionalInt(args, "timeout", 3600, 1, 7 * 24 * 3600)))
                : current.timeout())
        .labels(
            given(args, "labels")
                ? ToolArguments.definitionFrom(onlyLabels(current, args)).labels()
                : current.labels())
        .createdBy(current.createdBy())
        .firePolicy(firePolicy(current.firePolicy(), args))
        .dependencies(dependencies(current.dependencies(), args))
        .resources(
            given(args, "resources")
                ? ToolArguments.strings(args, "resources")
                : current.resources());
    try {
      return builder.build();
    } catch (InvalidTaskException e) {
      throw e; // names its field already
    } catch (IllegalArgumentException e) {
      throw new ToolInputException("task", String.valueOf(e.getMessage()));
    }
  }

  private static boolean given(Map<String, Object> args, String field) {
    return args.containsKey(field);
  }

  private static Map<String, Object> onlyConfig(TaskDefinition current, Map<String, Object> args) {
    Map<String, Object> only = new HashMap<>();
    only.put("task_id", current.id());
    only.put("task_type", "log");
    only.put("config", args.get("config"));
    return only;
  }

  private static Map<String, Object> onlyLabels(TaskDefinition current, Map<String, Object> args) {
    Map<String, Object> only = new HashMap<>();
    only.put("task_id", current.id());
    only.put("task_type", "log");
    only.put("labels", args.get("labels"));
    return only;
  }

  private static RetryPolicy withAttempts(RetryPolicy current, int attempts) {
    return new RetryPolicy(
        attempts,
        current.initialDelay(),
        current.multiplier(),
        current.maxDelay(),
        current.jitter());
  }

  /** A new schedule replaces the old; time_zone or cron_dialect alone change the current one. */
  private static Schedule schedule(Schedule current, Map<String, Object> args) {
    for (String key : SCHEDULE_KEYS) {
      if (args.containsKey(key) && args.get(key) == null) {
        throw new ToolInputException(
            key,
            "a schedule is replaced, not cleared: give cron_expression, run_at or interval"
                + " instead, or remove the task");
      }
    }
    if (SCHEDULE_KEYS.stream().anyMatch(args::containsKey)) {
      // The zone and dialect not given stay the task's: "at 04:00 instead" means Berlin's 04:00.
      Map<String, Object> scheduleArgs = new HashMap<>(args);
      ZoneId currentZone = TaskViews.zoneOf(current);
      if (!args.containsKey("time_zone") && currentZone != null) {
        scheduleArgs.put("time_zone", currentZone.getId());
      }
      if (!args.containsKey("cron_dialect") && current instanceof Schedule.Cron cron) {
        scheduleArgs.put("cron_dialect", cron.dialect().wireName());
      }
      return ToolArguments.scheduleFrom(scheduleArgs);
    }
    boolean zoneGiven = args.containsKey("time_zone");
    boolean dialectGiven = given(args, "cron_dialect");
    if (!zoneGiven && !dialectGiven) {
      return current;
    }
    ZoneId zone = ToolArguments.timeZone(args);
    return switch (current) {
      case Schedule.Cron cron ->
          new Schedule.Cron(
              cron.expression(),
              dialectGiven
                  ? ToolArguments.optional(args, "cron_dialect")
                      .map(d -> ToolArguments.parse("cron_dialect", d, CronDialect::parse))
                      .orElse(CronDialect.UNIX)
                  : cron.dialect(),
              zoneGiven ? zone : cron.zone());
      // The same wall-clock time in the new zone, as a cron's times move: "make it 14:30 Berlin
      // time". A time given with an offset only (no zone) keeps its instant, shown in the zone.
      case Schedule.At at when !dialectGiven ->
          at.zone() == null || zone == null
              ? new Schedule.At(at.instant(), zone)
              : RunAtArgument.parse(
                      java.time.LocalDateTime.ofInstant(at.instant(), at.zone()).toString(), zone)
                  .at();
      default ->
          throw new ToolInputException(
              zoneGiven ? "time_zone" : "cron_dialect",
              "the task's schedule is "
                  + TaskViews.summary(current)
                  + ": "
                  + (zoneGiven ? "time_zone" : "cron_dialect")
                  + " alone applies to a cron_expression"
                  + (zoneGiven ? " or run_at" : "")
                  + "; give the new schedule with it");
    };
  }

  private static FirePolicy firePolicy(FirePolicy current, Map<String, Object> args) {
    MissedFires missed = current.missed();
    MissedFires defaults = FirePolicy.DEFAULT.missed();
    MissedFires.Mode mode =
        given(args, "missed_fire_policy")
            ? ToolArguments.optional(args, "missed_fire_policy")
                .map(m -> ToolArguments.parse("missed_fire_policy", m, MissedFires.Mode::parse))
                .orElse(defaults.mode())
            : missed.mode();
    Duration window =
        given(args, "catch_up_window_seconds")
            ? Duration.ofSeconds(
                ToolArguments.optionalInt(
                    args,
                    "catch_up_window_seconds",
                    (int) defaults.catchUpWindow().toSeconds(),
                    1,
                    366 * 24 * 3600))
            : missed.catchUpWindow();
    int maxCatchUp =
        given(args, "max_catch_up")
            ? ToolArguments.optionalInt(args, "max_catch_up", defaults.maxCatchUp(), 1, 1_000)
            : missed.maxCatchUp();
    FirePolicy.Overlap overlap =
        given(args, "overlap")
            ? ToolArguments.optional(args, "overlap")
                .map(o -> ToolArguments.parse("overlap", o, FirePolicy.Overlap::parse))
                .orElse(FirePolicy.DEFAULT.overlap())
            : current.overlap();
    Duration jitter =
        given(args, "jitter_seconds")
            ? Duration.ofSeconds(
                ToolArguments.optionalInt(
                    args, "jitter_seconds", 0, 0, (int) FirePolicy.MAX_JITTER.toSeconds()))
            : current.jitter();
    return new FirePolicy(
        new MissedFires(mode, window, maxCatchUp, missed.missedAfter()), overlap, jitter);
  }

  private static Dependencies dependencies(Dependencies current, Map<String, Object> args) {
    if (!given(args, "depends_on") && !given(args, "on_failure")) {
      return current;
    }
    Dependencies parsed = ToolArguments.dependenciesFrom(args);
    List<String> ids = given(args, "depends_on") ? parsed.taskIds() : current.taskIds();
    boolean continueOnFailure =
        given(args, "on_failure") ? parsed.continueOnFailure() : current.continueOnFailure();
    try {
      return new Dependencies(ids, continueOnFailure);
    } catch (IllegalArgumentException e) {
      throw new ToolInputException("depends_on", String.valueOf(e.getMessage()));
    }
  }
}
