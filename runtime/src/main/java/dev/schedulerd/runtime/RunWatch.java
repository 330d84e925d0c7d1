package dev.schedulerd.runtime;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ticker's watch over the runs in flight: interrupts those past their timeout or superseded
 * (overlap=cancel_previous), renews leases when due, also of runs whose record is still being
 * written, and fences itself: a run whose lease the store refused to renew (it did not answer) is
 * stopped {@link #fenceMargin} before the lease ends, before another node may take the run over, so
 * that it never runs on two nodes at once. A lease that merely came due while this node was not
 * looking (a pause, a suspended machine) is renewed first: the store refuses that renewal when
 * another node took the run over, and the run is then stopped. Store work it decides on runs off
 * the ticker.
 */
final class RunWatch {
  private static final Logger log = LoggerFactory.getLogger(RunWatch.class);

  private final Collection<InFlight> inFlight;
  private final Runs runs;
  private final TaskStore store;
  private final InstantSource leaseClock;
  private final Duration leaseDuration;
  private final boolean manualTicks;

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
    this.store = store;
    this.leaseClock = leaseClock;
    this.leaseDuration = leaseDuration;
    this.manualTicks = manualTicks;
  }

  /**
   * Times out overdue runs and renews leases that are due for it. A settled run (ended, its record
   * being written) only has its lease renewed: the write may take a while when the store is down.
   */
  void check(Instant now) {
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
      } else if (live && run.renewalFailing && !fenceAt(run).isAfter(now)) {
        if (run.settle()) {
          log.error(
              "Run {} of task {}: its lease could not be renewed and ends at {}; stopping it now,"
                  + " before another node may take it over, and recording nothing (the task runs"
                  + " again once the lease has ended)",
              run.runId,
              run.taskId(),
              run.leaseUntil);
          run.cancel();
          runs.drop(run);
        }
      } else if (!run.renewAt.isAfter(now)) {
        run.renewAt =
            now.plus(Scheduler.STORE_RETRY_DELAY); // not again before this renewal is done
        offTicker(() -> renew(run, now));
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

  private void renew(InFlight run, Instant now) {
    Optional<StoredTask> renewed;
    try {
      renewed =
          store.write(
              TaskWrite.renewLease(
                  run.taskId(), run.runId, leaseClock.instant().plus(leaseDuration)));
    } catch (RuntimeException e) {
      if (!run.renewalFailing) {
        log.warn("Could not renew the lease of run {}; trying again every second", run.runId, e);
      }
      run.renewalFailing = true;
      run.renewAt = now.plus(Scheduler.STORE_RETRY_DELAY);
      return;
    }
    run.renewalFailing = false;
    if (renewed.isPresent()) {
      run.version = renewed.get().version();
      run.renewAt = now.plus(leaseDuration.dividedBy(2));
      run.leaseUntil = now.plus(leaseDuration);
    } else if (run.settle()) {
      // Removed, or another node took it over after our lease expired: its result is not ours.
      log.warn(
          "Run {} of task {} lost its lease; interrupting it without recording a result",
          run.runId,
          run.taskId());
      run.cancel();
      runs.drop(run);
    }
  }

  /** The earliest deadline, cancel time or lease renewal of the runs in flight, if any. */
  @Nullable Instant nextCheck() {
    Instant next = null;
    for (InFlight run : inFlight) {
      if (run.started && !run.isSettled()) {
        next = earliest(next, run.deadline);
        if (run.renewalFailing) {
          next = earliest(next, fenceAt(run));
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

  /**
   * How long before its lease ends an unrenewed run is stopped: a sixth of the lease (5 s of 30).
   */
  Duration fenceMargin() {
    return leaseDuration.dividedBy(6);
  }

  private Instant fenceAt(InFlight run) {
    return run.leaseUntil.minus(fenceMargin());
  }

  /** The earlier of two instants, {@code a} possibly absent. */
  static @Nullable Instant earliest(@Nullable Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }
}
