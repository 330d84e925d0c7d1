package dev.schedulerd.runtime;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the leases of this node's runs in rounds: one batch of writes per round, one round at a
 * time. A store that does not answer holds up one round, not a thread per run and retry (the pool
 * of a partitioned node once had 623 waiters in 45 s); the runs whose round is pending are fenced
 * by {@link RunWatch} if no answer comes in time.
 */
final class LeaseRenewals {
  private static final Logger log = LoggerFactory.getLogger(LeaseRenewals.class);

  private final TaskStore store;
  private final InstantSource leaseClock;
  private final Duration leaseDuration;
  private final Executor roundRunner;
  private final Runs runs;
  private final AtomicBoolean roundPending = new AtomicBoolean();
  private final RepeatedFailureLog failures =
      new RepeatedFailureLog(log, org.slf4j.event.Level.WARN);

  /**
   * @param roundRunner where a round's store work runs: a thread of its own, or the caller's in
   *     tests with manual ticks
   */
  LeaseRenewals(
      TaskStore store,
      InstantSource leaseClock,
      Duration leaseDuration,
      Executor roundRunner,
      Runs runs) {
    this.store = store;
    this.leaseClock = leaseClock;
    this.leaseDuration = leaseDuration;
    this.roundRunner = roundRunner;
    this.runs = runs;
  }

  /**
   * Starts a round renewing {@code due}, unless one is under way.
   *
   * @return whether a round started
   */
  boolean start(List<InFlight> due, Instant now) {
    if (due.isEmpty() || !roundPending.compareAndSet(false, true)) {
      return false;
    }
    for (InFlight run : due) {
      run.renewAt = now.plus(Scheduler.STORE_RETRY_DELAY); // looked at again while it is pending
    }
    try {
      roundRunner.execute(() -> round(due, now));
    } catch (RuntimeException e) {
      roundPending.set(false);
      throw e;
    }
    return true;
  }

  private void round(List<InFlight> due, Instant now) {
    try {
      renewAll(due, now);
    } finally {
      roundPending.set(false);
    }
  }

  private void renewAll(List<InFlight> due, Instant now) {
    Map<String, StoredTask> renewed = new HashMap<>(); // by run id
    try {
      Instant expiry = leaseClock.instant().plus(leaseDuration);
      List<TaskWrite> writes = new ArrayList<>(due.size());
      for (InFlight run : due) {
        writes.add(TaskWrite.renewLease(run.taskId(), run.runId, expiry));
      }
      store.writeAll(writes).forEach(task -> keep(renewed, task));
      applyRenewed(due, renewed, now); // before the misses are asked again, one by one
      for (InFlight run : due) {
        if (!renewed.containsKey(run.runId)) {
          // Not renewed: lost, or skipped because another writer held the task locked just then.
          store
              .write(TaskWrite.renewLease(run.taskId(), run.runId, expiry))
              .ifPresent(task -> keep(renewed, task));
          applyRenewed(List.of(run), renewed, now);
        }
      }
    } catch (RuntimeException e) {
      failures.failed(
          "Could not renew the leases of " + due.size() + " run(s); trying again every second", e);
      for (InFlight run : due) {
        if (!renewed.containsKey(run.runId)) {
          run.renewalFailing = true;
          run.renewAt = now.plus(Scheduler.STORE_RETRY_DELAY);
        }
      }
      return;
    }
    failures.succeeded();
    for (InFlight run : due) {
      if (!renewed.containsKey(run.runId) && run.settle()) {
        // Removed, or another node took it over after our lease expired: its result is not ours.
        log.warn(
            "Run {} of task {} lost its lease; interrupting it without recording a result",
            run.runId,
            run.taskId());
        run.cancel();
        runs.drop(run);
      }
    }
  }

  /** Files a renewed task under the run its lease now covers. */
  private static void keep(Map<String, StoredTask> renewed, StoredTask task) {
    Lease lease = task.state().lease();
    if (lease != null) {
      renewed.put(lease.runId(), task);
    }
  }

  private void applyRenewed(List<InFlight> due, Map<String, StoredTask> renewed, Instant now) {
    for (InFlight run : due) {
      StoredTask task = renewed.get(run.runId);
      if (task != null) {
        run.renewalFailing = false;
        run.version = task.version();
        run.renewAt = now.plus(leaseDuration.dividedBy(2));
        run.leaseUntil = now.plus(leaseDuration);
        run.renewalDueSince = null; // last: the watch reads the lease above once this is clear
      }
    }
  }
}
