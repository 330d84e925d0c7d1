package dev.schedulerd.runtime;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.FirePolicy.MissedFires;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Decides what becomes of a recurring task's fire times that cannot run as planned, by its {@link
 * FirePolicy}: which run, which are recorded as not run (and why), and which comes next. Pure: no
 * I/O, time passed in, so every policy is tested on its own.
 */
public final class FirePlanner {
  /** Not-run fire times recorded one by one per decision; older ones are counted in a summary. */
  static final int MAX_RECORDS = 1_000;

  /** Fire times looked at per decision, at most (a cron every second, down for a day). */
  private static final int MAX_STEPS = 100_000;

  private final FireTimes fireTimes;

  public FirePlanner(FireTimes fireTimes) {
    this.fireTimes = fireTimes;
  }

  /** A fire time that will not run, and why. */
  public record NotRun(Instant fireTime, RunOutcome outcome, String reason) {}

  /**
   * A decision.
   *
   * @param notRun fire times passed over, oldest first
   * @param next the fire time to run next; empty when the schedule has no further fire time
   * @param dueNow whether {@code next} is already due (a catch-up or queued run)
   */
  public record Plan(List<NotRun> notRun, Optional<Instant> next, boolean dueNow) {}

  /**
   * Fire times from {@code due} (which passed unrun) up to {@code now}, by the missed-fire policy.
   *
   * @param cause why they were missed, for the records: "the task was paused", ...
   */
  public Plan missed(TaskDefinition definition, Instant due, Instant now, String cause) {
    Schedule schedule = definition.schedule();
    MissedFires policy = definition.firePolicy().missed();
    Passed passed = passed(schedule, due, true, now);
    Instant windowStart = now.minus(policy.catchUpWindow());
    List<Instant> eligible = new ArrayList<>();
    for (Instant fire : passed.latest) {
      if (!fire.isBefore(windowStart)) {
        eligible.add(fire);
      }
    }
    int keep =
        switch (policy.mode()) {
          case SKIP -> 0;
          case RUN_ONCE -> Math.min(1, eligible.size());
          case RUN_ALL -> Math.min(policy.maxCatchUp(), eligible.size());
        };
    List<Instant> kept = eligible.subList(eligible.size() - keep, eligible.size());
    String policyName = "missed_fire_policy=" + policy.mode().wireName();
    List<NotRun> notRun = new ArrayList<>();
    for (Instant fire : passed.latest) {
      if (kept.contains(fire)) {
        continue;
      }
      String reason;
      if (fire.isBefore(windowStart)) {
        reason =
            "missed: "
                + cause
                + "; older than the catch-up window of "
                + human(policy.catchUpWindow())
                + " when schedulerd got to it at "
                + now;
      } else if (policy.mode() == MissedFires.Mode.SKIP) {
        reason = "missed: " + cause + " (" + policyName + ")";
      } else if (policy.mode() == MissedFires.Mode.RUN_ONCE) {
        reason =
            "missed: "
                + cause
                + "; one catch-up run for "
                + kept.get(kept.size() - 1)
                + " instead ("
                + policyName
                + ")";
      } else {
        reason =
            "missed: "
                + cause
                + "; only the latest "
                + policy.maxCatchUp()
                + " missed fire times run ("
                + policyName
                + ", max_catch_up="
                + policy.maxCatchUp()
                + ")";
      }
      notRun.add(new NotRun(fire, RunOutcome.MISSED, reason));
    }
    summarizeUncounted(notRun, passed);
    if (!kept.isEmpty()) {
      return new Plan(notRun, Optional.of(kept.get(0)), true);
    }
    return new Plan(notRun, fireTimes.next(schedule, passed.last), false);
  }

  /**
   * After a run for {@code fire} that ended at {@code now}: the fire times that came while it ran
   * (or while it waited to start), by the overlap policy.
   */
  public Plan overlapped(TaskDefinition definition, Instant fire, Instant now) {
    Schedule schedule = definition.schedule();
    FirePolicy.Overlap overlap = definition.firePolicy().overlap();
    Optional<Instant> following = fireTimes.next(schedule, fire);
    if (following.isEmpty() || following.get().isAfter(now)) {
      return new Plan(List.of(), following, false);
    }
    Passed passed = passed(schedule, following.get(), true, now);
    List<NotRun> notRun = new ArrayList<>();
    String policyName = "overlap=" + overlap.wireName();
    if (overlap == FirePolicy.Overlap.SKIP) {
      for (Instant f : passed.latest) {
        notRun.add(
            new NotRun(
                f,
                RunOutcome.SKIPPED,
                "skipped: the run for " + fire + " was still running (" + policyName + ")"));
      }
      summarizeUncounted(notRun, passed);
      return new Plan(notRun, fireTimes.next(schedule, passed.last), false);
    }
    // QUEUE_ONE, CANCEL_PREVIOUS: the latest runs next; any earlier ones are passed over.
    for (Instant f : passed.latest) {
      if (!f.equals(passed.last)) {
        notRun.add(
            new NotRun(
                f,
                RunOutcome.SKIPPED,
                "skipped: the run for "
                    + fire
                    + " was still running and one run, for "
                    + passed.last
                    + ", was queued after it ("
                    + policyName
                    + ")"));
      }
    }
    summarizeUncounted(notRun, passed);
    return new Plan(notRun, Optional.of(passed.last), true);
  }

  /**
   * With {@link MissedFires.Mode#RUN_ALL}, after a catch-up run for {@code fire}: the next missed
   * fire time runs in turn, even if it has passed.
   */
  public Plan nextCatchUp(TaskDefinition definition, Instant fire, Instant now) {
    Optional<Instant> next = fireTimes.next(definition.schedule(), fire);
    return new Plan(List.of(), next, next.isPresent() && !next.get().isAfter(now));
  }

  /**
   * When the run for {@code fire} is to be interrupted under {@link
   * FirePolicy.Overlap#CANCEL_PREVIOUS}: at the next fire time; null for other policies.
   */
  public @Nullable Instant supersededAt(TaskDefinition definition, Instant fire) {
    if (definition.firePolicy().overlap() != FirePolicy.Overlap.CANCEL_PREVIOUS
        || !definition.schedule().recurring()) {
      return null;
    }
    return fireTimes.next(definition.schedule(), fire).orElse(null);
  }

  /** Fire times from {@code first} up to {@code now}: the latest few, the last, and a count. */
  private static final class Passed {
    final Deque<Instant> latest = new ArrayDeque<>();
    Instant last;
    long uncounted; // passed fire times older than those in latest
    boolean more; // stopped at MAX_STEPS: even more passed than counted

    Passed(Instant first) {
      this.last = first;
    }
  }

  private Passed passed(Schedule schedule, Instant first, boolean includeFirst, Instant now) {
    Instant fire = first;
    long skipped = 0;
    if (schedule instanceof Schedule.Every every) {
      // Arithmetic, not a walk: skip to the last MAX_RECORDS periods before now.
      long periods = Duration.between(first, now).dividedBy(every.interval());
      if (periods > MAX_RECORDS) {
        skipped = periods - MAX_RECORDS + (includeFirst ? 1 : 0);
        fire = first.plus(every.interval().multipliedBy(periods - MAX_RECORDS + 1));
        includeFirst = true;
      }
    }
    Passed passed = walk(schedule, fire, includeFirst, now);
    if (passed.more) {
      // Too many to walk (a cron every second, down for days): look at the last day only.
      Instant dayAgo = now.minus(Duration.ofDays(1));
      Passed recent = walk(schedule, dayAgo, false, now);
      recent.uncounted += passed.uncounted + passed.latest.size();
      recent.more = true;
      if (recent.latest.isEmpty()) {
        recent.last = passed.last;
      }
      passed = recent;
    }
    passed.uncounted += skipped;
    return passed;
  }

  private Passed walk(Schedule schedule, Instant fire, boolean includeFirst, Instant now) {
    Passed passed = new Passed(fire);
    int steps = 0;
    for (Optional<Instant> f = includeFirst ? Optional.of(fire) : fireTimes.next(schedule, fire);
        f.isPresent() && !f.get().isAfter(now);
        f = fireTimes.next(schedule, f.get())) {
      if (++steps > MAX_STEPS) {
        passed.more = true;
        break;
      }
      passed.latest.addLast(f.get());
      passed.last = f.get();
      if (passed.latest.size() > MAX_RECORDS) {
        passed.latest.removeFirst();
        passed.uncounted++;
      }
    }
    return passed;
  }

  /** Says in the oldest record how many older fire times were passed over without a record. */
  private static void summarizeUncounted(List<NotRun> notRun, Passed passed) {
    if ((passed.uncounted == 0 && !passed.more) || notRun.isEmpty()) {
      return;
    }
    NotRun oldest = notRun.get(0);
    String count = passed.more ? "more than " + passed.uncounted : Long.toString(passed.uncounted);
    notRun.set(
        0,
        new NotRun(
            oldest.fireTime(),
            oldest.outcome(),
            oldest.reason()
                + " (and "
                + count
                + " earlier fire times passed over the same way, not recorded one by one)"));
  }

  private static String human(Duration d) {
    if (d.toSeconds() % 86_400 == 0) {
      return d.toDays() + " d";
    }
    if (d.toSeconds() % 3_600 == 0) {
      return d.toHours() + " h";
    }
    return d.toSeconds() + " s";
  }
}
