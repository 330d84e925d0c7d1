package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.runtime.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The next fire times of a schedule, in a zone, with notes where daylight-saving time changes
 * something: a wall-clock time that falls in the spring-forward gap, one that occurs twice in the
 * fall-back hour, or an interval whose local clock times shift.
 */
final class SchedulePreview {
  private SchedulePreview() {}

  static Map<String, Object> of(
      Scheduler scheduler, Schedule schedule, ZoneId zone, int count, Instant now) {
    return of(scheduler, schedule, zone, count, now, null, null);
  }

  /**
   * With an overlap policy and how long a run takes, each fire time also says what the policy would
   * do with it: run on time, start late after the previous run, be skipped, or cancel the previous
   * run.
   */
  static Map<String, Object> of(
      Scheduler scheduler,
      Schedule schedule,
      ZoneId zone,
      int count,
      Instant now,
      FirePolicy.@Nullable Overlap overlap,
      @Nullable Duration runLength) {
    ZoneRules rules = zone.getRules();
    List<Map<String, Object>> fires = new ArrayList<>();
    Set<String> notes = new LinkedHashSet<>();
    Instant previous = now;
    Optional<Instant> next = scheduler.nextFireTime(schedule, now);
    while (next.isPresent() && fires.size() < count) {
      Instant at = next.get();
      Map<String, Object> fire = new LinkedHashMap<>();
      fire.put("at", TaskViews.utc(at));
      fire.put("local", TaskViews.zoned(at, zone));
      String note = note(schedule, rules, previous, at);
      if (note != null) {
        fire.put("note", note);
        notes.add(note);
      }
      fires.add(fire);
      previous = at;
      if (!schedule.recurring()) {
        break;
      }
      next = scheduler.nextFireTime(schedule, at);
    }
    if (overlap != null && runLength != null) {
      markOverlaps(fires, overlap, runLength, zone);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schedule", TaskViews.summary(schedule));
    out.put("time_zone", zone.getId());
    out.put("fire_times", fires);
    out.put("notes", List.copyOf(notes));
    return out;
  }

  /** Simulates runs of {@code runLength} from the first fire time on, under {@code overlap}. */
  private static void markOverlaps(
      List<Map<String, Object>> fires,
      FirePolicy.Overlap overlap,
      Duration runLength,
      ZoneId zone) {
    Instant busyUntil = Instant.MIN;
    String runningFor = "";
    Map<String, Object> queued = null;
    for (Map<String, Object> fire : fires) {
      Instant at = Instant.parse((String) fire.get("at"));
      if (queued != null && !busyUntil.isAfter(at)) {
        queued.put(
            "policy",
            "starts late, at "
                + TaskViews.zoned(busyUntil, zone)
                + ", when the previous run ends (overlap=queue_one)");
        runningFor = (String) queued.get("local");
        busyUntil = busyUntil.plus(runLength);
        queued = null;
      }
      if (overlap == FirePolicy.Overlap.ALLOW) {
        fire.put(
            "policy",
            busyUntil.isAfter(at)
                ? "runs on time, alongside the run for " + runningFor + " (overlap=allow)"
                : "runs on time");
        if (!busyUntil.isAfter(at)) {
          runningFor = (String) fire.get("local");
          busyUntil = at.plus(runLength);
        }
        continue;
      }
      if (!busyUntil.isAfter(at)) {
        fire.put("policy", "runs on time");
        runningFor = (String) fire.get("local");
        busyUntil = at.plus(runLength);
        continue;
      }
      switch (overlap) {
        case SKIP ->
            fire.put("policy", "skipped: the run for " + runningFor + " still runs (overlap=skip)");
        case QUEUE_ONE -> {
          if (queued != null) {
            queued.put(
                "policy", "skipped: a later fire time is queued instead (overlap=queue_one)");
          }
          queued = fire;
        }
        case ALLOW -> throw new AssertionError("handled above");
        case CANCEL_PREVIOUS -> {
          fire.put(
              "policy",
              "runs on time and cancels the run for " + runningFor + " (overlap=cancel_previous)");
          runningFor = (String) fire.get("local");
          busyUntil = at.plus(runLength);
        }
      }
    }
    if (queued != null) {
      queued.put(
          "policy",
          "starts late, at "
              + TaskViews.zoned(busyUntil, zone)
              + ", when the previous run ends (overlap=queue_one)");
    }
  }

  /** What a clock change between {@code previous} and {@code at} means for this fire time. */
  private static @Nullable String note(
      Schedule schedule, ZoneRules rules, Instant previous, Instant at) {
    LocalDateTime local = LocalDateTime.ofInstant(at, rules.getOffset(at));
    ZoneOffsetTransition overlap = rules.getTransition(local);
    if (schedule instanceof Schedule.Cron && overlap != null && overlap.isOverlap()) {
      return describe(overlap)
          + ": this local time occurs twice; it fires once, at the first occurrence";
    }
    ZoneOffsetTransition change = rules.nextTransition(previous);
    if (change == null || change.getInstant().isAfter(at)) {
      return null;
    }
    if (!(schedule instanceof Schedule.Cron)) {
      return describe(change)
          + ": an interval is an exact duration, so its local clock times shift by "
          + Math.abs(change.getDuration().toMinutes())
          + " minutes";
    }
    if (change.isGap()
        && !at.isBefore(change.getInstant())
        && at.isBefore(change.getInstant().plus(change.getDuration()))) {
      return describe(change)
          + ": the wall-clock time fell in the skipped hour, so it runs at "
          + local.toLocalTime()
          + ", shifted by the gap";
    }
    // A cron fires by the wall clock: a change on another day than this fire time's moves nothing
    // the agent sees (the offset shown changes), so only one on its own day is worth a note.
    LocalDateTime changedAt = change.getDateTimeBefore();
    return changedAt.toLocalDate().equals(local.toLocalDate()) ? describe(change) : null;
  }

  private static String describe(ZoneOffsetTransition change) {
    return "clocks change on "
        + change.getDateTimeBefore().toLocalDate()
        + " at "
        + change.getDateTimeBefore().toLocalTime()
        + " ("
        + change.getOffsetBefore()
        + " to "
        + change.getOffsetAfter()
        + ")";
  }
}
