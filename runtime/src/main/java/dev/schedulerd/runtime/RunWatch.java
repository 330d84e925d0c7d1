package dev.schedulerd.runtime;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.store.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ticker's watch over the runs in flight: interrupts those past their timeout or superseded
 * (overlap=cancel_previous), has their leases renewed when due ({@link LeaseRenewals}, in rounds),
 * also of runs whose record is still being written, and fences itself: a run whose lease was not
 * renewed in time (the store refused or did not answer) is stopped {@link InFlight#fenceMargin}
 * before the lease ends, before another node may take the run over, so that it never runs on two
 * nodes at once. A lease that merely came due while this node was not looking (a pause, a suspended
 * machine) is renewed first, and the store is given the margin to answer: it refuses that renewal
 * when another node took the run over, and the run is then stopped. Store work it decides on runs
 * off the ticker.
 */
final class RunWatch {
  private static final Logger log = LoggerFactory.getLogger(RunWatch.class);

  private final Collection<InFlight> inFlight;
  private final Runs runs;
  private final boolean manualTicks;
  private final LeaseRenewals renewals;

  /**
   * @param inFlight a live view of the runs this node holds
   * @param manualTicks store work runs on the calling thread (tests), not a thread of its own
   */
  RunWatch(
      Collection<InFlight> inFlight,
      Runs runs,
      TaskStore store,
      InstantSource leaseClock,
      Duration leaseDuration,
      boolean manualTicks) {
    this.inFlight = inFlight;
    this.runs = runs;
    this.manualTicks = manualTicks;
    this.renewals = new LeaseRenewals(store, leaseClock, leaseDuration, this::offTicker, runs);
  }

  /**
   * Times out overdue runs and renews leases that are due for it. A settled run (ended, its record
   * being written) only has its lease renewed: the write may take a while when the store is down.
   */
  void check(Instant now) {
    List<InFlight> due = new ArrayList<>();
    for (InFlight run : inFlight) {
      Instant superseded = run.supersededAt;
      boolean live = run.started && !run.isSettled();
      if (live && superseded != null && !superseded.isAfter(now)) {
        if (run.settle()) {
          run.cancel();
          offTicker(
              () ->
                  runs.finish(
                      run,
                      RunOutcome.CANCELLED,
                      null,
                      "cancelled: its next fire time "
                          + superseded
                          + " came while it still ran (overlap=cancel_previous)",
                      false));
        }
      } else if (live && !run.deadline.isAfter(now)) {
        if (run.settle()) {
          run.cancel();
          Duration timeout = Duration.between(run.startedAt, run.deadline);
          offTicker(
              () ->
                  runs.finish(
                      run,
                      RunOutcome.TIMED_OUT,
                      null,
                      "the run exceeded its timeout of " + timeout + " and was interrupted",
                      true));
        }
      } else if (live && run.fenceDue(now)) {
        if (run.settle()) {
          runs.fence(run);
        }
      } else if (!run.renewAt.isAfter(now)) {
        if (run.renewalDueSince == null) {
          run.renewalDueSince = now;
        }
        due.add(run);
      }
    }
    if (!renewals.start(due, now)) {
      for (InFlight run : due) {
        run.renewAt = now.plus(Scheduler.STORE_RETRY_DELAY); // after the round under way
      }
    }
  }

  /**
   * Runs store work the ticker decided on (recording a timed-out or cancelled run, renewing a
   * lease) on a virtual thread of its own: on SQLite each is a durable write, and JFR caught the
   * ticker parked 18 ms on one while runs due meanwhile waited. With manual ticks it runs at once,
   * so that tests see its effect when {@link Scheduler#runDue} returns.
   */
  private void offTicker(Runnable storeWork) {
    if (manualTicks) {
      storeWork.run();
    } else {
      Thread.ofVirtual().name("schedulerd-ticker-work").start(storeWork);
    }
  }

  /** The earliest deadline, cancel time or lease renewal of the runs in flight, if any. */
  @Nullable Instant nextCheck() {
    Instant next = null;
    for (InFlight run : inFlight) {
      if (run.started && !run.isSettled()) {
        next = earliest(next, run.deadline);
        Instant stop = run.fenceAt();
        if (stop != null) {
          next = earliest(next, stop);
        }
        Instant superseded = run.supersededAt;
        if (superseded != null) {
          next = earliest(next, superseded);
        }
      }
      next = earliest(next, run.renewAt);
    }
    return next;
  }

  /** The earlier of two instants, {@code a} possibly absent. */
  static @Nullable Instant earliest(@Nullable Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }
}
