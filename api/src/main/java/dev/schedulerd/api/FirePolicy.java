package dev.schedulerd.api;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * What happens to a recurring task's fire times that cannot run as planned, and how much random
 * delay spreads its runs. One-shot tasks ignore it.
 *
 * @param missed fire times that passed while the scheduler was down or the task was paused
 * @param overlap fire times that come while the task's previous run still runs
 * @param jitter each run starts after its fire time plus a random delay in {@code [0, jitter]}, so
 *     that many tasks on one cron do not all start in the same millisecond; zero for none
 */
public record FirePolicy(MissedFires missed, Overlap overlap, Duration jitter) {

  /** The longest jitter accepted. */
  public static final Duration MAX_JITTER = Duration.ofHours(1);

  /** Missed fire times: one catch-up run within a day; overlaps: one run queued after. */
  public static final FirePolicy DEFAULT =
      new FirePolicy(MissedFires.DEFAULT, Overlap.QUEUE_ONE, Duration.ZERO);

  public FirePolicy {
    Objects.requireNonNull(missed, "missed");
    Objects.requireNonNull(overlap, "overlap");
    Objects.requireNonNull(jitter, "jitter");
    if (jitter.isNegative() || jitter.compareTo(MAX_JITTER) > 0) {
      throw new IllegalArgumentException(
          "jitter must be between 0 and " + MAX_JITTER.toSeconds() + " s, got " + jitter);
    }
  }

  public FirePolicy withMissed(MissedFires newMissed) {
    return new FirePolicy(newMissed, overlap, jitter);
  }

  public FirePolicy withOverlap(Overlap newOverlap) {
    return new FirePolicy(missed, newOverlap, jitter);
  }

  public FirePolicy withJitter(Duration newJitter) {
    return new FirePolicy(missed, overlap, newJitter);
  }

  /** What to do with fire times that come while the previous run still runs. */
  public enum Overlap {
    /** The fire time is not run; it is recorded as a {@code skipped} run with the reason. */
    SKIP,
    /**
     * One run follows as soon as the previous one ends, for the latest fire time that came during
     * it; any earlier ones are recorded as skipped.
     */
    QUEUE_ONE,
    /** The previous run is interrupted (recorded {@code cancelled}) and the new fire time runs. */
    CANCEL_PREVIOUS,
    /**
     * Runs overlap freely: each fire time runs as a one-shot task of its own, {@code ID:FIRE_TIME}
     * (e.g. {@code report:2026-11-27T03:00:00Z}), with the task's executor, config, priority,
     * retries and timeout, and its own run history, the way a Kubernetes CronJob starts a Job per
     * schedule.
     */
    ALLOW;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code skip}, {@code queue_one} or {@code cancel_previous}, in any case. */
    public static Overlap parse(String name) {
      for (Overlap o : values()) {
        if (o.name().equalsIgnoreCase(name.trim())) {
          return o;
        }
      }
      throw new IllegalArgumentException(
          "unknown overlap policy '"
              + name
              + "': use one of skip, queue_one, cancel_previous, allow");
    }
  }

  /**
   * What to do with fire times that were missed: the scheduler was down, or the task paused, or the
   * scheduler came to the fire time more than {@code missedAfter} late.
   *
   * @param mode skip them all, run once for them, or run each
   * @param catchUpWindow only fire times at most this old when noticed are caught up; older ones
   *     are recorded as missed
   * @param maxCatchUp with {@link Mode#RUN_ALL}: at most this many (the latest) are run
   * @param missedAfter a fire time the scheduler reaches later than this counts as missed
   */
  public record MissedFires(
      Mode mode, Duration catchUpWindow, int maxCatchUp, Duration missedAfter) {

    /** One catch-up run for what was missed in the last 24 h; missed means over 60 s late. */
    public static final MissedFires DEFAULT =
        new MissedFires(Mode.RUN_ONCE, Duration.ofDays(1), 10, Duration.ofSeconds(60));

    public MissedFires {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(catchUpWindow, "catchUpWindow");
      Objects.requireNonNull(missedAfter, "missedAfter");
      if (catchUpWindow.compareTo(Duration.ofSeconds(1)) < 0
          || catchUpWindow.compareTo(Duration.ofDays(366)) > 0) {
        throw new IllegalArgumentException(
            "the catch-up window must be between 1 s and 366 days, got " + catchUpWindow);
      }
      if (maxCatchUp < 1 || maxCatchUp > 1_000) {
        throw new IllegalArgumentException(
            "max catch-up runs must be between 1 and 1000, got " + maxCatchUp);
      }
      if (missedAfter.compareTo(Duration.ofSeconds(1)) < 0
          || missedAfter.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(
            "missed-after must be between 1 s and 1 day, got " + missedAfter);
      }
    }

    /** What to do with missed fire times. */
    public enum Mode {
      /** None runs; each is recorded as a {@code missed} run; the task goes on at its next one. */
      SKIP,
      /** One run now for the latest missed fire time; the others are recorded as missed. */
      RUN_ONCE,
      /** Each missed fire time runs, oldest first, at most {@code maxCatchUp} of them. */
      RUN_ALL;

      public String wireName() {
        return name().toLowerCase(Locale.ROOT);
      }

      /** Parses {@code skip}, {@code run_once} or {@code run_all}, in any case. */
      public static Mode parse(String name) {
        for (Mode m : values()) {
          if (m.name().equalsIgnoreCase(name.trim())) {
            return m;
          }
        }
        throw new IllegalArgumentException(
            "unknown missed-fire policy '" + name + "': use one of skip, run_once, run_all");
      }
    }
  }
}
