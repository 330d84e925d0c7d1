package dev.schedulerd.runtime;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes back runs whose node stopped renewing their lease (recorded abandoned) and, at start, the
 * runs this node id held when its previous process died (recorded interrupted); either way the task
 * goes on as {@link NextStates} says.
 */
final class LeaseRecovery {
  private static final Logger log = LoggerFactory.getLogger(LeaseRecovery.class);

  /** Leases looked at per sync round. */
  private static final int RECOVERY_BATCH = 100;

  /** The most often expired leases are looked for: every second, more often for short leases. */
  private static final Duration LOOK_EVERY = Duration.ofSeconds(1);

  private @Nullable Instant lastLook; // the sync thread's

  /** "Expired" before this: every lease, to find this node's own at start. */
  private static final Instant EVERY_LEASE = Instant.parse("9999-01-01T00:00:00Z");

  private final TaskStore store;
  private final InstantSource clock;
  private final InstantSource leaseClock;
  private final String nodeId;
  private final NextStates nextStates;
  private final TaskFeed feed;
  private final SchedulerEvents events;
  private final Predicate<String> runningHere;
  private final Duration leaseDuration;

  /** When this node last failed to read the store (or read it slowly); null when not lately. */
  private volatile @Nullable Instant unreachableAt;

  /** When the current run of such failures began; null with {@link #unreachableAt}. */
  private volatile @Nullable Instant unreachableSince;

  /**
   * @param leaseClock the clock leases are stamped by (the store's when it has one)
   * @param runningHere whether a run id is in flight on this node: its lease is late, not lost
   */
  LeaseRecovery(
      TaskStore store,
      InstantSource clock,
      InstantSource leaseClock,
      String nodeId,
      Duration leaseDuration,
      NextStates nextStates,
      TaskFeed feed,
      SchedulerEvents events,
      Predicate<String> runningHere) {
    this.store = store;
    this.clock = clock;
    this.leaseClock = leaseClock;
    this.nodeId = nodeId;
    this.nextStates = nextStates;
    this.feed = feed;
    this.events = events;
    this.runningHere = runningHere;
    this.leaseDuration = leaseDuration;
  }

  /**
   * Records the runs of leases that expired (by the store's clock when it has one) as abandoned.
   * Each recovery is fenced by the version at which the lease was found expired, so a holder that
   * renewed or finished meanwhile wins.
   */
  void recoverExpired() {
    Instant now = clock.instant();
    if (lastLook != null && now.isBefore(lastLook.plus(lookEvery())) && !now.isBefore(lastLook)) {
      return; // sync rounds may come fifty times a second; expiries are looked for far less often
    }
    Instant deferredFrom = deferredExpiriesFrom();
    List<StoredTask> expired = store.findExpiredLeases(leaseClock.instant(), RECOVERY_BATCH);
    // A full batch (a dead node's many runs): look again at the next round, not a second later.
    lastLook = expired.size() < RECOVERY_BATCH ? now : null;
    for (StoredTask task : expired) {
      Lease lease = task.state().lease();
      if (lease == null || runningHere.test(lease.runId())) {
        continue; // ours and still running: the renewal is late, not lost
      }
      if (deferredFrom != null
          && !lease.owner().equals(nodeId)
          && !lease.expiresAt().isBefore(deferredFrom)) {
        continue; // its node may be back too, with a result to record: it goes first
      }
      recover(
          task,
          lease,
          RunOutcome.ABANDONED,
          "node "
              + lease.owner()
              + " stopped renewing its lease, which expired at "
              + lease.expiresAt()
              + "; recovered by node "
              + nodeId);
    }
  }

  /**
   * This node could not reach the store just now. Whatever cut it off may have cut off the other
   * nodes too (the database restarted or went away), and their leases expired meanwhile though they
   * live, some holding results they could not record yet. So for a lease and a sixth after the
   * store answers again, this node takes over none of other nodes' expired leases: their holders
   * renew them or record their runs first. A node cut off alone stopped its runs before their
   * leases ended (self-fencing), and nodes that never lost the store take over as before.
   */
  void storeUnreachable() {
    Instant now = clock.instant();
    if (unreachableAt == null) {
      unreachableSince = now;
      log.warn(
          "The store is unreachable from this node; once it answers again, other nodes' runs"
              + " whose leases expired meanwhile are left to their nodes for {}",
          leaseDuration.plus(InFlight.fenceMargin(leaseDuration)));
    }
    unreachableAt = now;
  }

  Instant now() {
    return clock.instant();
  }

  /**
   * A read of the store (the call alone) that began at {@code began} was answered now. An answer
   * slower than the fence margin means the store stood still meanwhile (a pool waiting for a
   * database that came back), as good as unreachable for whoever needed it then.
   */
  void storeAnswered(Instant began) {
    if (Duration.between(began, clock.instant()).compareTo(InFlight.fenceMargin(leaseDuration))
        > 0) {
      storeUnreachable();
    }
  }

  private Duration lookEvery() {
    Duration sixth = leaseDuration.dividedBy(6);
    return sixth.compareTo(LOOK_EVERY) < 0 ? sixth : LOOK_EVERY;
  }

  /**
   * While other nodes' leases are left to them: the instant from which an expiry is deferred (a
   * lease before the store was lost, less a lease for holders that lost it a little earlier); a
   * lease that expired before then belongs to a node that was gone already, and is taken over as
   * usual. Null when nothing is deferred.
   */
  private @Nullable Instant deferredExpiriesFrom() {
    Instant lost = unreachableAt;
    Instant since = unreachableSince;
    if (lost == null || since == null) {
      return null;
    }
    Instant until = lost.plus(leaseDuration).plus(InFlight.fenceMargin(leaseDuration));
    if (!clock.instant().isBefore(until)) {
      unreachableAt = null;
      unreachableSince = null;
      log.info("This node takes over other nodes' expired leases again");
      return null;
    }
    return since.minus(leaseDuration);
  }

  /**
   * At start: runs that this node id held when its previous process ended without handing them back
   * (killed, crashed, power lost) are taken back at once instead of after their leases expire,
   * since nothing of that process still runs. They are recorded interrupted, as a stop records its
   * runs: the scheduler failed, not the task, so the attempt does not count. This is why node ids
   * must be unique among the nodes that are up (the default, host and process id, is).
   */
  void recoverOwnFromBefore() {
    List<StoredTask> leased;
    try {
      leased = store.findExpiredLeases(EVERY_LEASE, RECOVERY_BATCH * 10);
    } catch (RuntimeException e) {
      log.warn(
          "Could not look for runs this node held before it started; their leases will expire", e);
      return;
    }
    for (StoredTask task : leased) {
      Lease lease = task.state().lease();
      if (lease != null && lease.owner().equals(nodeId) && !runningHere.test(lease.runId())) {
        recover(
            task,
            lease,
            RunOutcome.INTERRUPTED,
            "node "
                + nodeId
                + " was killed or crashed while the run was in flight; it runs again, and the"
                + " attempt does not count");
      }
    }
  }

  /** How many of the task's latest runs in a row were abandoned. */
  int abandonedInARow(StoredTask task) {
    int count = 0;
    for (RunRecord run : store.runs(task.id(), NextStates.MAX_ABANDONED_IN_A_ROW * 4)) {
      if (run.outcome().isNotRun()) {
        continue; // a missed or skipped fire time between them: not a run
      }
      if (run.outcome() != RunOutcome.ABANDONED || ++count == NextStates.MAX_ABANDONED_IN_A_ROW) {
        break;
      }
    }
    return count;
  }

  /** Records the run of {@code lease} as it ended and queues what follows, fenced by version. */
  private void recover(StoredTask task, Lease lease, RunOutcome outcome, String why) {
    Instant now = clock.instant();
    RunRecord record =
        new RunRecord(
            lease.runId(),
            task.id(),
            Math.max(1, task.state().attempt()),
            lease.acquiredAt(),
            lease.acquiredAt(),
            now.isBefore(lease.acquiredAt()) ? lease.acquiredAt() : now,
            outcome,
            null,
            why,
            nodeId);
    NextStates.Next next = nextStates.after(task, record, true, now, () -> abandonedInARow(task));
    Optional<StoredTask> recovered =
        store.write(TaskWrite.recoverAbandoned(task.id(), task.version(), next.state(), record));
    if (recovered.isPresent() && !next.notRun().isEmpty()) {
      // Rare (no retry left and fire times passed meanwhile): recorded in a second write.
      recovered =
          StoreWrites.withRuns(store, recovered.get(), recovered.get().state(), next.notRun());
    }
    recovered.ifPresent(
        stored -> {
          log.warn(
              "Recovered task {}: run {} on node {} was {}",
              task.id(),
              lease.runId(),
              lease.owner(),
              outcome.wireName());
          feed.offer(stored);
          events.notRun(stored, next.notRun());
          events.runFinished(stored, record);
        });
  }
}
