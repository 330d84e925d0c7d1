package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns tasks and runs into the JSON clients see, in the seed's vocabulary: lowercase status and
 * priority, ISO-8601 instants (UTC) plus the same instant in the task's zone where it has one.
 */
public final class TaskViews {
  private TaskViews() {}

  public static Map<String, Object> task(StoredTask task) {
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
    if (!definition.resources().isEmpty()) {
      view.put("resources", definition.resources());
    }
    if (!definition.dependencies().isEmpty()) {
      view.put("depends_on", definition.dependencies().taskIds());
      view.put("on_failure", definition.dependencies().continueOnFailure() ? "continue" : "skip");
    }
    if (definition.schedule().recurring()) {
      FirePolicy fire = definition.firePolicy();
      Map<String, Object> policy = new LinkedHashMap<>();
      policy.put("missed_fire_policy", fire.missed().mode().wireName());
      policy.put("catch_up_window_seconds", fire.missed().catchUpWindow().toSeconds());
      policy.put("max_catch_up", fire.missed().maxCatchUp());
      policy.put("overlap", fire.overlap().wireName());
      policy.put("jitter_seconds", fire.jitter().toSeconds());
      view.put("fire_policy", policy);
    }
    Lease lease = state.lease();
    if (lease != null) {
      view.put("running_on", lease.owner());
      view.put("run_id", lease.runId());
    }
    RunRecord last = state.lastRun();
    if (last != null) {
      view.put("last_run", run(last));
    }
    view.put("created_at", utc(state.createdAt()));
    view.put("updated_at", utc(state.updatedAt()));
    return view;
  }

  /**
   * One line an agent can act on: what the task waits for, or what became of its last fire time.
   *
   * @param latest the task's newest run record, if any (it may be a missed or skipped fire time)
   * @param defaultZone the zone of cron schedules that name none
   * @param lookup the task with an id, to say what a waiting task waits for
   */
  static String explain(
      StoredTask task,
      @Nullable RunRecord latest,
      ZoneId defaultZone,
      Function<String, Optional<StoredTask>> lookup) {
    return explain(task, latest, defaultZone, lookup, null);
  }

  /** The one line on {@code task} as {@code scheduler} sees it now: its newest run, this node. */
  static String explain(dev.schedulerd.runtime.Scheduler scheduler, StoredTask task) {
    List<RunRecord> recent = scheduler.runs(task.id(), 1);
    return explain(
        task,
        recent.isEmpty() ? null : recent.get(0),
        scheduler.defaultZone(),
        scheduler::get,
        nodeStart(scheduler));
  }

  /** This node's id and start, or null before it started. */
  static @Nullable NodeStart nodeStart(dev.schedulerd.runtime.Scheduler scheduler) {
    Instant started = scheduler.status().startedAt();
    return started == null ? null : new NodeStart(scheduler.nodeId(), started);
  }

  /**
   * @param node this node: its id and when it started, to say why a run started late
   */
  static String explain(
      StoredTask task,
      @Nullable RunRecord latest,
      ZoneId defaultZone,
      Function<String, Optional<StoredTask>> lookup,
      @Nullable NodeStart node) {
    TaskDefinition definition = task.definition();
    TaskState state = task.state();
    ZoneId zone = zoneOf(definition.schedule());
    ZoneId shown = zone != null ? zone : defaultZone;
    String line =
        switch (state.status()) {
          case PAUSED ->
              "paused since "
                  + local(state.updatedAt(), shown)
                  + (definition.schedule().recurring()
                      ? "; fire times that pass meanwhile follow missed_fire_policy="
                          + definition.firePolicy().missed().mode().wireName()
                          + " on resume"
                      : "")
                  + "; scheduler_resume_task resumes it";
          case RUNNING -> {
            Lease lease = java.util.Objects.requireNonNull(state.lease());
            yield "running on node "
                + lease.owner()
                + " since "
                + local(lease.acquiredAt(), shown)
                + " (attempt "
                + state.attempt()
                + " of "
                + definition.retryPolicy().maxAttempts()
                + ")";
          }
          case RETRY_WAIT -> {
            RunRecord last = state.lastRun();
            yield "attempt "
                + state.attempt()
                + " failed"
                + (last != null && last.error() != null ? " (" + oneLine(last.error()) + ")" : "")
                + "; attempt "
                + (state.attempt() + 1)
                + " of "
                + definition.retryPolicy().maxAttempts()
                + " at "
                + local(java.util.Objects.requireNonNull(state.nextDueAt()), shown);
          }
          case SCHEDULED -> {
            Instant due = java.util.Objects.requireNonNull(state.nextDueAt());
            Instant fire = state.fireTime();
            String next = "next run " + local(fire != null ? fire : due, shown);
            if (definition.firePolicy().overlap() == FirePolicy.Overlap.ALLOW
                && definition.schedule().recurring()) {
              next +=
                  "; each fire time runs as its own task "
                      + definition.id()
                      + ":FIRE_TIME (overlap=allow)";
            }
            if (fire != null && due.isAfter(fire)) {
              next +=
                  " (started up to "
                      + definition.firePolicy().jitter().toSeconds()
                      + " s later: jitter)";
            }
            yield next;
          }
          case COMPLETED -> {
            RunRecord last = state.lastRun();
            yield "completed"
                + (last != null ? ": last run " + last.outcome().wireName() : "")
                + " at "
                + local(state.updatedAt(), shown)
                + lateness(definition, last, node);
          }
          case FAILED -> {
            RunRecord last = state.lastRun();
            yield "failed after "
                + state.attempt()
                + " attempt(s)"
                + (last != null && last.error() != null ? ": " + oneLine(last.error()) : "")
                + lateness(definition, last, node);
          }
          case CANCELLED ->
              latest != null && latest.outcome() == dev.schedulerd.api.RunOutcome.SKIPPED
                  ? "skipped at "
                      + local(latest.scheduledFor(), shown)
                      + ": "
                      + oneLine(String.valueOf(latest.error()).replaceFirst("^skipped: ", ""))
                  : "cancelled at " + local(state.updatedAt(), shown);
          case WAITING -> {
            List<String> pending = new ArrayList<>();
            for (String id : definition.dependencies().taskIds()) {
              Optional<StoredTask> dependency = lookup.apply(id);
              String status = dependency.map(d -> d.state().status().wireName()).orElse("removed");
              if (!status.equals("completed")) {
                pending.add(id + " (" + status + ")");
              }
            }
            yield "waiting for dependenc"
                + (pending.size() == 1 ? "y " : "ies ")
                + (pending.isEmpty() ? "to be checked" : String.join(", ", pending));
          }
        };
    if (latest != null && latest.outcome().isNotRun() && !state.status().isTerminal()) {
      line +=
          "; fire time "
              + local(latest.scheduledFor(), shown)
              + " "
              + oneLine(String.valueOf(latest.error()));
    }
    return line;
  }

  /**
   * When a task runs next, for a one-line answer: local time first, in the task's zone (its cron's,
   * else {@code defaultZone}), then UTC, so an agent relays the hour the user expects.
   */
  static String nextRun(StoredTask task, ZoneId defaultZone) {
    Instant next = task.state().nextDueAt();
    if (next == null) {
      return "";
    }
    ZoneId zone = zoneOf(task.definition().schedule());
    ZoneId shown = zone != null ? zone : defaultZone;
    return ", next run at "
        + local(next, shown)
        + (shown.normalized().equals(ZoneId.of("UTC").normalized()) ? "" : " (" + utc(next) + ")");
  }

  private static String local(Instant instant, ZoneId zone) {
    return millis(instant).atZone(zone).toOffsetDateTime() + " " + zone.getId();
  }

  /**
   * One row for listings, short because an agent reads many: id, status, the next run in the task's
   * zone (its offset makes it exact), the recurrence, priority only when not medium, and the last
   * run's outcome. scheduler_get_task has the rest.
   */
  static Map<String, Object> row(StoredTask task) {
    TaskDefinition definition = task.definition();
    TaskState state = task.state();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("task_id", definition.id());
    view.put("status", state.status().wireName());
    Instant next = state.nextDueAt();
    if (next != null && !state.status().isTerminal()) {
      ZoneId zone = zoneOf(definition.schedule());
      view.put(
          "next",
          zone == null ? utc(next) : millis(next).atZone(zone).toOffsetDateTime().toString());
    }
    if (definition.priority() != dev.schedulerd.api.Priority.MEDIUM) {
      view.put("priority", definition.priority().wireName());
    }
    RunRecord last = state.lastRun();
    if (last != null) {
      view.put("last", last.outcome().wireName());
    }
    return view;
  }

  /** A run, with who created its task. */
  public static Map<String, Object> run(RunRecord run, String taskCreatedBy) {
    Map<String, Object> view = run(run);
    view.put("created_by", taskCreatedBy);
    return view;
  }

  public static Map<String, Object> run(RunRecord run) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("run_id", run.runId());
    view.put("task_id", run.taskId());
    view.put("attempt", run.attempt());
    view.put("outcome", run.outcome().wireName());
    view.put("scheduled_for", utc(run.scheduledFor()));
    view.put("started_at", utc(run.startedAt()));
    view.put("finished_at", utc(run.finishedAt()));
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
        view.put("run_at", utc(at.instant()));
        if (at.zone() != null) {
          view.put("run_at_local", zoned(at.instant(), at.zone()));
          view.put("time_zone", at.zone().getId());
        }
      }
      case Schedule.Every every -> {
        view.put("kind", "interval");
        view.put("interval", every.interval().toString());
        if (every.startAt() != null) {
          view.put("start_at", utc(every.startAt()));
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
      case Schedule.At at ->
          "at " + (at.zone() == null ? utc(at.instant()) : zoned(at.instant(), at.zone()));
      case Schedule.Every every -> "every " + every.interval();
      case Schedule.Cron cron ->
          "cron '" + cron.expression() + "' " + (cron.zone() == null ? "UTC" : cron.zone().getId());
    };
  }

  static @Nullable ZoneId zoneOf(Schedule schedule) {
    return switch (schedule) {
      case Schedule.Cron cron -> cron.zone();
      case Schedule.At at -> at.zone();
      default -> null;
    };
  }

  static void putInstant(
      Map<String, Object> view, String key, @Nullable Instant instant, @Nullable ZoneId zone) {
    if (instant == null) {
      return;
    }
    view.put(key, utc(instant));
    if (zone != null) {
      view.put(key + "_local", zoned(instant, zone));
    }
  }

  /** The node that answers: its id and when it started. */
  record NodeStart(String nodeId, Instant startedAt) {}

  /** How long after its due time a one-shot task's last run started, and why, when it was late. */
  private static String lateness(
      TaskDefinition definition, @Nullable RunRecord last, @Nullable NodeStart node) {
    if (last == null || definition.schedule().recurring() || last.attempt() > 1) {
      return "";
    }
    java.time.Duration late = java.time.Duration.between(last.scheduledFor(), last.startedAt());
    if (late.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
      return "";
    }
    String why;
    if (node != null
        && node.nodeId().equals(last.node())
        && node.startedAt().isAfter(last.scheduledFor())
        && java.time.Duration.between(node.startedAt(), last.startedAt()).toSeconds() < 10) {
      why =
          "no schedulerd was running at its due time; it ran when one started at "
              + utc(node.startedAt());
    } else {
      why = "schedulerd reached it late: it was busy, or no run slot was free";
    }
    return "; it started " + seconds(late) + " after its due time (" + why + ")";
  }

  private static String seconds(java.time.Duration d) {
    long ms = d.toMillis();
    return ms < 60_000
        ? String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0)
        : d.toMinutes() + " min " + d.toSecondsPart() + " s";
  }

  /** A nested view (a map built by this class), or an empty one. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> nested(@Nullable Object view) {
    return view instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  /** The most of a result or error an explanation quotes. */
  static final int MAX_QUOTED = 300;

  /**
   * {@code text} on one line for an explanation: runs of white space (newlines included) become one
   * space, an HTML page is reduced to its title or text, and a long text is cut.
   */
  public static String oneLine(String text) {
    String plain = text.length() > 8192 ? text.substring(0, 8192) : text; // bounds the regexes
    java.util.regex.Matcher page = HTML_PAGE.matcher(plain);
    if (page.find()) {
      java.util.regex.Matcher title = HTML_TITLE.matcher(page.group());
      String shown = title.find() ? title.group(1) : page.group();
      plain = plain.substring(0, page.start()) + shown + plain.substring(page.end());
    }
    if (plain.indexOf('<') >= 0) {
      plain = HTML_SCRIPT.matcher(plain).replaceAll(" ");
      plain = HTML_TAG.matcher(plain).replaceAll(" ");
    }
    plain = WHITE_SPACE.matcher(plain).replaceAll(" ").strip();
    return plain.length() <= MAX_QUOTED ? plain : plain.substring(0, MAX_QUOTED - 1) + "…";
  }

  private static final java.util.regex.Pattern HTML_PAGE =
      java.util.regex.Pattern.compile("(?is)(<!doctype[^>]*>\\s*)?<html.*?(</html>|$)");
  private static final java.util.regex.Pattern HTML_TITLE =
      java.util.regex.Pattern.compile("(?is)<title[^>]*>(.*?)</title>");
  private static final java.util.regex.Pattern HTML_SCRIPT =
      java.util.regex.Pattern.compile("(?is)<script[^>]*>.*?</script>|<style[^>]*>.*?</style>");
  private static final java.util.regex.Pattern HTML_TAG =
      java.util.regex.Pattern.compile("<[^<>]*>");
  private static final java.util.regex.Pattern WHITE_SPACE =
      java.util.regex.Pattern.compile("\\s+");

  /** An instant as wall-clock time in {@code zone}, with its offset and the zone's name. */
  static String zoned(Instant instant, ZoneId zone) {
    return millis(instant).atZone(zone).toOffsetDateTime() + "[" + zone.getId() + "]";
  }

  /** An instant as agents read it: ISO-8601 in UTC, to the millisecond. */
  static String utc(Instant instant) {
    return millis(instant).toString();
  }

  static Instant millis(Instant instant) {
    return instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }
}
