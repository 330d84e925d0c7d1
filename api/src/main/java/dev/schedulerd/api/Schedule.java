package dev.schedulerd.api;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When a task runs. A closed set: switch on it exhaustively, so that a new kind of schedule breaks
 * the build wherever it must be handled.
 */
public sealed interface Schedule
    permits Schedule.Immediate, Schedule.At, Schedule.Every, Schedule.Cron {

  /** Whether the task fires more than once. */
  default boolean recurring() {
    return switch (this) {
      case Immediate i -> false;
      case At a -> false;
      case Every e -> true;
      case Cron c -> true;
    };
  }

  /** Runs once, as soon as a slot is free. */
  record Immediate() implements Schedule {}

  /**
   * Runs once at {@code instant}. {@code zone}, when given, is the zone the client named the time
   * in: answers show the time there too.
   */
  record At(Instant instant, @Nullable ZoneId zone) implements Schedule {
    public At {
      Objects.requireNonNull(instant, "instant");
    }

    public At(Instant instant) {
      this(instant, null);
    }
  }

  /**
   * Runs every {@code interval}, first at {@code startAt} (or one interval after the task is added
   * when absent). Fire times stay aligned to the start: a slow run does not shift later ones.
   */
  record Every(Duration interval, @Nullable Instant startAt) implements Schedule {
    /** The shortest interval accepted; shorter ones are a busy loop, not a schedule. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    public Every {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(MIN_INTERVAL) < 0) {
        throw new IllegalArgumentException(
            "interval " + interval + " is too short: the minimum is " + MIN_INTERVAL);
      }
    }
  }

  /**
   * Runs at the fire times of a cron expression, read as wall-clock times in {@code zone}. A {@code
   * null} zone means the scheduler's default zone, which the scheduler fills in when the task is
   * added, so a stored task always names its zone.
   */
  record Cron(String expression, CronDialect dialect, @Nullable ZoneId zone) implements Schedule {
    public Cron {
      Objects.requireNonNull(expression, "expression");
      Objects.requireNonNull(dialect, "dialect");
      expression = expression.trim();
      if (expression.isEmpty()) {
        throw new IllegalArgumentException("cron expression is empty");
      }
    }

    /** This schedule with {@code zone} filled in when none was given. */
    public Cron withDefaultZone(ZoneId defaultZone) {
      return zone != null ? this : new Cron(expression, dialect, defaultZone);
    }
  }

  static Schedule immediate() {
    return new Immediate();
  }

  /**
   * Runs once at {@code instant}; an instant already passed when the task is added runs at once.
   */
  static Schedule at(Instant instant) {
    return new At(instant);
  }

  static Schedule at(Instant instant, @Nullable ZoneId zone) {
    return new At(instant, zone);
  }

  static Schedule every(Duration interval) {
    return new Every(interval, null);
  }

  /** A UNIX five-field cron expression in the scheduler's default zone. */
  static Schedule cron(String expression) {
    return new Cron(expression, CronDialect.UNIX, null);
  }

  static Schedule cron(String expression, ZoneId zone) {
    return new Cron(expression, CronDialect.UNIX, zone);
  }

  /**
   * A cron expression of {@code dialect} (UNIX five fields, Quartz or Spring six or seven, with
   * seconds) in {@code zone}, or in the scheduler's default zone when {@code zone} is null.
   */
  static Schedule cron(String expression, CronDialect dialect, @Nullable ZoneId zone) {
    return new Cron(expression, dialect, zone);
  }
}
