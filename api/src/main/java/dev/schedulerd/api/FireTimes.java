package dev.schedulerd.api;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Computes when schedules fire. Thread-safe; parsed cron expressions are cached.
 *
 * <p><b>Cron and daylight saving.</b> A cron expression describes wall-clock times in its zone, so
 * it is evaluated on local date-times and each matching local time maps to one instant:
 *
 * <ul>
 *   <li>A local time that occurs twice (the fall-back hour) fires once, at its first occurrence.
 *   <li>A local time that does not exist (the spring-forward gap) fires at the same wall-clock time
 *       shifted by the length of the gap (02:30 becomes 03:30 on the day clocks jump from 02:00 to
 *       03:00), so a daily job still runs that day. When that instant coincides with one already
 *       fired, it fires once.
 * </ul>
 *
 * <p>The next fire time is always computed from the previous <em>fire time</em>, never from the
 * moment a run ended, so a slow run cannot make a job fire twice or skip.
 *
 * <p>Thread-safe; parsed cron expressions are cached.
 */
public final class FireTimes {
  /** Bound on cron steps when catching up after a long pause, ~0.1 s of cron-utils work. */
  private static final int MAX_CATCH_UP_STEPS = 10_000;

  private final ZoneId defaultZone;
  private final CronParser unixParser = parser(CronType.UNIX);
  private final CronParser quartzParser = parser(CronType.QUARTZ);
  private final CronParser springParser = parser(CronType.SPRING53);
  private final ConcurrentHashMap<Schedule.Cron, ExecutionTime> parsed = new ConcurrentHashMap<>();

  /** Fire times with cron expressions that name no zone read in {@code defaultZone}. */
  public FireTimes(ZoneId defaultZone) {
    this.defaultZone = defaultZone;
  }

  private CronParser parserFor(CronDialect dialect) {
    return switch (dialect) {
      case UNIX -> unixParser;
      case QUARTZ -> quartzParser;
      case SPRING -> springParser;
    };
  }

  private static CronParser parser(CronType type) {
    return new CronParser(CronDefinitionBuilder.instanceDefinitionFor(type));
  }

  public ZoneId defaultZone() {
    return defaultZone;
  }

  /**
   * The schedule as it will be stored: a cron schedule gets the default zone when it has none and
   * is parsed. Throws when it is invalid.
   *
   * @throws InvalidTaskException naming {@code schedule}
   */
  public Schedule normalize(Schedule schedule) {
    if (schedule instanceof Schedule.Cron cron) {
      Schedule.Cron zoned = cron.withDefaultZone(defaultZone);
      executionTime(zoned);
      return zoned;
    }
    return schedule;
  }

  /**
   * When a task added at {@code now} first fires.
   *
   * @throws InvalidTaskException when it never fires
   */
  public Instant first(Schedule schedule, Instant now) {
    return switch (schedule) {
      case Schedule.Immediate i -> now;
      // A one-shot whose instant has passed is due now, as with every peer: its run's lateness
      // (and the add's log line) show how late.
      case Schedule.At at -> at.instant().isBefore(now) ? now : at.instant();
      case Schedule.Every every -> {
        Instant start = every.startAt();
        if (start == null) {
          yield now.plus(every.interval());
        }
        if (!start.isBefore(now)) {
          yield start;
        }
        // A start in the past: the first aligned fire time from now on.
        long periods = ceilDiv(Duration.between(start, now), every.interval());
        yield start.plus(every.interval().multipliedBy(periods));
      }
      case Schedule.Cron cron ->
          nextCron(cron, now.minusNanos(1))
              .orElseThrow(
                  () ->
                      new InvalidTaskException(
                          "schedule",
                          "cron expression '"
                              + cron.expression()
                              + "' ("
                              + cron.dialect().wireName()
                              + " dialect) never fires: check the day-of-month and month fields"
                              + " (e.g. 30 February)"));
    };
  }

  /**
   * The fire time that follows {@code lastFire} for a recurring schedule, given that it is now
   * {@code now}. When fire times were missed (the scheduler was down, or a run outlasted its
   * period), they collapse into one: the latest missed fire time is returned, and it is due at
   * once. Empty for one-shot schedules and for cron expressions with no further fire time.
   */
  public Optional<Instant> following(Schedule schedule, Instant lastFire, Instant now) {
    return switch (schedule) {
      case Schedule.Immediate i -> Optional.empty();
      case Schedule.At at -> Optional.empty();
      case Schedule.Every every -> {
        Instant next = lastFire.plus(every.interval());
        if (!next.isBefore(now)) {
          yield Optional.of(next);
        }
        long periods = Duration.between(lastFire, now).dividedBy(every.interval());
        yield Optional.of(lastFire.plus(every.interval().multipliedBy(periods)));
      }
      case Schedule.Cron cron -> {
        Optional<Instant> next = nextCron(cron, lastFire);
        if (next.isEmpty() || !next.get().isBefore(now)) {
          yield next;
        }
        Instant latestMissed = next.get();
        for (int step = 0; step < MAX_CATCH_UP_STEPS; step++) {
          Optional<Instant> after = nextCron(cron, latestMissed);
          if (after.isEmpty() || !after.get().isBefore(now)) {
            yield Optional.of(latestMissed);
          }
          latestMissed = after.get();
        }
        yield Optional.of(latestMissed);
      }
    };
  }

  /**
   * The fire time strictly after {@code fire}, without collapsing missed ones; empty for one-shot
   * schedules and for cron expressions with no further fire time.
   */
  public Optional<Instant> next(Schedule schedule, Instant fire) {
    return switch (schedule) {
      case Schedule.Immediate i -> Optional.empty();
      case Schedule.At at -> Optional.empty();
      case Schedule.Every every -> Optional.of(fire.plus(every.interval()));
      case Schedule.Cron cron -> nextCron(cron, fire);
    };
  }

  /** The first cron fire time strictly after {@code after}. */
  Optional<Instant> nextCron(Schedule.Cron cron, Instant after) {
    ZoneId zone = cron.zone() != null ? cron.zone() : defaultZone;
    ExecutionTime executionTime = executionTime(cron);
    LocalDateTime local = LocalDateTime.ofInstant(after, zone);
    // Wall-clock evaluation: cron-utils sees local time as if it were UTC, which has no DST.
    for (int step = 0; step < MAX_CATCH_UP_STEPS; step++) {
      Optional<ZonedDateTime> next = executionTime.nextExecution(local.atZone(ZoneOffset.UTC));
      if (next.isEmpty()) {
        return Optional.empty();
      }
      LocalDateTime nextLocal = next.get().toLocalDateTime();
      // ofLocal: an overlap resolves to the earlier offset, a gap shifts forward by its length.
      Instant instant = ZonedDateTime.ofLocal(nextLocal, zone, null).toInstant();
      if (instant.isAfter(after)) {
        return Optional.of(instant);
      }
      local = nextLocal;
    }
    return Optional.empty();
  }

  private ExecutionTime executionTime(Schedule.Cron cron) {
    Schedule.Cron key =
        cron.zone() == null ? cron : new Schedule.Cron(cron.expression(), cron.dialect(), null);
    ExecutionTime cached = parsed.get(key);
    if (cached != null) {
      return cached;
    }
    ExecutionTime fresh;
    try {
      fresh = ExecutionTime.forCron(parserFor(cron.dialect()).parse(cron.expression()).validate());
    } catch (IllegalArgumentException e) {
      throw new InvalidTaskException(
          "schedule",
          "invalid cron expression '"
              + cron.expression()
              + "' ("
              + cron.dialect().wireName()
              + " dialect): "
              + e.getMessage()
              + ". "
              + example(cron.dialect()));
    }
    return parsed.computeIfAbsent(key, k -> fresh);
  }

  private static String example(CronDialect dialect) {
    return switch (dialect) {
      case UNIX ->
          "A unix expression has 5 fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * *' for 03:00 daily";
      case QUARTZ ->
          "A quartz expression has 6 or 7 fields: second minute hour day-of-month month day-of-week [year], with '?' in one day field, e.g. '0 0 3 * * ?'";
      case SPRING ->
          "A spring expression has 6 fields: second minute hour day-of-month month day-of-week, e.g. '0 0 3 * * *', or a macro such as '@daily'";
    };
  }

  private static long ceilDiv(Duration span, Duration step) {
    long whole = span.dividedBy(step);
    return step.multipliedBy(whole).equals(span) ? whole : whole + 1;
  }
}
