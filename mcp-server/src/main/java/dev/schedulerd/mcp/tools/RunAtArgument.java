package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.zone.ZoneOffsetTransition;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@code run_at}: an instant ({@code Z} or an offset), or a local date-time read in {@code
 * time_zone}. A local time that the zone skips (spring forward) or repeats (fall back) follows the
 * rule cron fire times follow, and {@link #note} says what it became.
 */
final class RunAtArgument {
  private RunAtArgument() {}

  /** What {@code text} means, with the note on a DST gap or overlap when there is one. */
  record Parsed(Schedule.At at, @Nullable String note) {}

  static Parsed parse(String text, @Nullable ZoneId zone) {
    String value = text.trim();
    try {
      return new Parsed(new Schedule.At(OffsetDateTime.parse(value).toInstant(), zone), null);
    } catch (DateTimeParseException notAnInstant) {
      // a local date-time, or nonsense
    }
    LocalDateTime local;
    try {
      local = LocalDateTime.parse(value);
    } catch (DateTimeParseException e) {
      throw new ToolInputException(
          "run_at",
          "'"
              + text
              + "' is not an ISO-8601 date-time; e.g. \"2026-12-01T09:00:00Z\", or"
              + " \"2026-12-01T09:00\" with time_zone \"America/New_York\"");
    }
    if (zone == null) {
      throw new ToolInputException(
          "run_at",
          "'"
              + text
              + "' has no offset, so the moment it names is unknown: add an offset or Z (e.g. \""
              + local.atOffset(ZoneOffset.ofHours(-5))
              + "\" or \""
              + local.atOffset(ZoneOffset.UTC)
              + "\"), or give time_zone (e.g. \"America/New_York\")");
    }
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
    ZonedDateTime resolved = ZonedDateTime.ofLocal(local, zone, null);
    String note = null;
    if (offsets.isEmpty()) {
      ZoneOffsetTransition gap = zone.getRules().getTransition(local);
      note =
          local
              + " does not exist in "
              + zone.getId()
              + " (clocks jump from "
              + gap.getDateTimeBefore().toLocalTime()
              + " to "
              + gap.getDateTimeAfter().toLocalTime()
              + "); it runs at "
              + resolved.toOffsetDateTime()
              + ", shifted by the gap, as cron fire times are";
    } else if (offsets.size() > 1) {
      note =
          local
              + " occurs twice in "
              + zone.getId()
              + " (clocks fall back); it runs at the first, "
              + resolved.toOffsetDateTime()
              + ", as cron fire times do; give an offset (e.g. \""
              + local.atOffset(offsets.get(1))
              + "\") for the second";
    }
    return new Parsed(new Schedule.At(resolved.toInstant(), zone), note);
  }

  /**
   * Refuses a one-shot whose instant passed more than a second before {@code now}. The scheduler
   * itself runs such a task at once, as a library's caller expects; from an agent a passed time is
   * far more often a slip (a wrong year, a zone mixed up) than a wish to run now, and the agent can
   * leave run_at out for that.
   */
  static void refusePast(TaskDefinition definition, java.time.Instant now) {
    if (definition.schedule() instanceof Schedule.At at
        && at.instant().isBefore(now.minus(PAST_TOLERANCE))) {
      throw new ToolInputException(
          "run_at",
          "'"
              + at.instant()
              + "' is in the past (now is "
              + now
              + "): give a future time, or leave run_at out to run the task now");
    }
  }

  /**
   * {@link #refusePast}, except for a task already stored under the id: the repeat of an add that
   * went through (a client retrying after a lost answer) is answered with the task, not refused
   * because its time has passed since.
   */
  static void refusePastUnlessAdded(
      TaskDefinition definition,
      java.time.Instant now,
      dev.schedulerd.runtime.Scheduler scheduler) {
    if (definition.schedule() instanceof Schedule.At && scheduler.get(definition.id()).isEmpty()) {
      refusePast(definition, now);
    }
  }

  /** How far in the past run_at may be: a client's round trip. */
  private static final java.time.Duration PAST_TOLERANCE = java.time.Duration.ofSeconds(1);

  /** The note for the {@code run_at} of {@code args}, if it has one. */
  static @Nullable String noteOf(java.util.Map<String, Object> args) {
    return ToolArguments.optional(args, "run_at")
        .map(runAt -> parse(runAt, ToolArguments.timeZone(args)).note())
        .orElse(null);
  }
}
