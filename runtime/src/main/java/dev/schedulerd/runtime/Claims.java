package dev.schedulerd.runtime;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims due runs from the store in batches (on the claimer thread a little ahead of their due
 * instant, or on the ticker), keeps the runs won until they are due, starts them then, and hands
 * back at stop those that never started.
 */
final class Claims {
  private static final Logger log = LoggerFactory.getLogger(Claims.class);

  private final RepeatedFailureLog claimFailures =
      new RepeatedFailureLog(log, org.slf4j.event.Level.ERROR);

  private final TaskStore store;
  private final InstantSource clock;
  private final InstantSource leaseClock;
  private final String nodeId;
  private final Duration leaseDuration;
  private final DispatchQueue queue;
  private final ExecutorRegistry executors;
  private final Absences absences;
  private final DueFires dueFires;
  private final Runs runs;
  private final Map<String, InFlight> inFlight;
  private final SyncSignal sync;

  /** Reads the store's changes on the calling thread ({@link StoreSync#catchUp}). */
  private final Runnable catchUp;

  private final FirePlanner firePlanner;

  Claims(
      TaskStore store,
      InstantSource clock,
      InstantSource leaseClock,
      String nodeId,
      Duration leaseDuration,
      DispatchQueue queue,
      ExecutorRegistry executors,
      Absences absences,
      DueFires dueFires,
      Runs runs,
      Map<String, InFlight> inFlight,
      SyncSignal sync,
      Runnable catchUp,
      FirePlanner firePlanner) {
    this.store = store;
    this.clock = clock;
    this.leaseClock = leaseClock;
    this.nodeId = nodeId;
    this.leaseDuration = leaseDuration;
    this.queue = queue;
    this.executors = executors;
    this.absences = absences;
    this.dueFires = dueFires;
    this.runs = runs;
    this.inFlight = inFlight;
    this.sync = sync;
    this.catchUp = catchUp;
    this.firePlanner = firePlanner;
  }

  /** What the claimer thread is asked: claim a batch, or stop after the batches before. */
  private sealed interface ClaimRequest {
    record Claim(List<QueueEntry> entries) implements ClaimRequest {}

    record Stop() implements ClaimRequest {}
  }

  private final LinkedBlockingQueue<ClaimRequest> claimRequests = new LinkedBlockingQueue<>();

  /** Runs claimed ahead of their due instant, earliest first; the ticker starts them when due. */
  private final ReentrantLock claimedLock = new ReentrantLock();

  private final PriorityQueue<InFlight> claimedAhead = // guarded by claimedLock
      new PriorityQueue<>(
          Comparator.<InFlight, Instant>comparing(r -> r.scheduledFor)
              .thenComparing(r -> r.claimed.definition().priority()));

  /**
   * Claims runs a little before they are due ({@link SchedulerBuilder#claimAhead}), in batches, on
   * its own thread: the store's write is off the path between a due instant and the run's start.
   */
  void claimLoop() {
    while (true) {
      List<QueueEntry> batch = new ArrayList<>();
      boolean stop = false;
      try {
        List<ClaimRequest> requests = new ArrayList<>();
        requests.add(claimRequests.take());
        claimRequests.drainTo(requests);
        for (ClaimRequest request : requests) {
          switch (request) {
            case ClaimRequest.Claim claim -> batch.addAll(claim.entries());
            case ClaimRequest.Stop stopRequest -> stop = true;
          }
        }
      } catch (InterruptedException e) {
        return;
      }
      try {
        if (!batch.isEmpty()) {
          claimBatch(batch);
          claimFailures.succeeded();
        }
      } catch (RuntimeException e) { // keep the claimer alive whatever a batch does
        claimFailures.failed("Claiming a batch of " + batch.size() + " runs failed", e);
      }
      queue.wakeTicker();
      if (stop) {
        return;
      }
    }
  }

  /**
   * {@code entries}, less those another node claimed or changed since this node queued them, when
   * the batch holds runs of other nodes' shares: their owners work through them at the same time,
   * and this node's view of them lags by its change feed's last read. A batch of own entries alone
   * is claimed as it is (a lost one costs no more than the read would).
   */
  private List<QueueEntry> currentIfHelping(List<QueueEntry> entries) {
    if (entries.stream().noneMatch(entry -> entry.deferred)) {
      return entries;
    }
    try {
      catchUp.run();
    } catch (RuntimeException e) {
      log.debug("Could not read the store's changes before helping; claiming as queued", e);
      return entries;
    }
    List<QueueEntry> current = new ArrayList<>(entries.size());
    for (QueueEntry entry : entries) {
      if (queue.stillTaken(entry)) {
        current.add(entry);
      } else {
        queue.releaseTaken(entry); // the feed forgot it was taken when it brought the news
      }
    }
    return current;
  }

  private record PendingClaim(QueueEntry entry, TaskExecutor executor, String runId) {}

  /** Claims {@code entries} in one store call; the runs won wait in {@link #claimedAhead}. */
  void claimBatch(List<QueueEntry> entries) {
    Instant now = clock.instant();
    if (absences.paused()) {
      for (QueueEntry entry : entries) {
        queue.releaseTaken(entry);
        queue.offerAgain(entry.asOffer(entry.dueAt));
      }
      return;
    }
    entries = currentIfHelping(entries);
    Map<String, PendingClaim> pending = new HashMap<>();
    for (QueueEntry entry : entries) {
      if (entry.missedBy(now) || absences.missedWhileAway(entry)) {
        queue.releaseTaken(entry);
        dueFires.passOverMissed(entry, now);
        continue;
      }
      if (entry.spawnsRuns) {
        queue.release(entry.executorKind, List.of()); // the run task takes its own slot
        dueFires.spawnRunTask(entry, now);
        continue;
      }
      Optional<TaskExecutor> executor =
          executors.find(entry.executorKind).filter(e -> executors.isEnabled(entry.executorKind));
      if (executor.isEmpty()) {
        // Another node may have the plug-in; leave the task to it.
        log.warn(
            "Task {} needs executor kind '{}', which this node lacks or has disabled; leaving it"
                + " to other nodes",
            entry.taskId,
            entry.executorKind);
        queue.releaseTaken(entry);
        continue;
      }
      String runId = UUID.randomUUID().toString();
      // Keyed by run id: the change feed may have queued a task again while an earlier entry of
      // it waited to be claimed, so one batch can hold two claims of one task. One wins.
      pending.put(runId, new PendingClaim(entry, executor.get(), runId));
    }
    if (pending.isEmpty()) {
      return;
    }
    List<StoredTask> won;
    try {
      Instant leaseStart = leaseClock.instant();
      List<TaskWrite> claims = new ArrayList<>(pending.size());
      for (PendingClaim p : pending.values()) {
        Lease lease = new Lease(nodeId, p.runId(), leaseStart, leaseStart.plus(leaseDuration));
        claims.add(TaskWrite.claim(p.entry().taskId, p.entry().version, lease));
      }
      won = store.writeAll(claims);
    } catch (RuntimeException e) {
      log.warn(
          "Could not claim {} run(s); retrying in {}",
          pending.size(),
          Scheduler.STORE_RETRY_DELAY,
          e);
      for (PendingClaim p : pending.values()) {
        QueueEntry entry = p.entry();
        queue.releaseTaken(entry);
        queue.offerAgain(entry.asOffer(now.plus(Scheduler.STORE_RETRY_DELAY)));
      }
      return;
    }
    for (StoredTask task : won) {
      Lease lease = task.state().lease();
      PendingClaim p = lease == null ? null : pending.remove(lease.runId());
      if (p == null) {
        continue;
      }
      InFlight run =
          new InFlight(
              task,
              p.runId(),
              p.executor(),
              p.entry().dueAt,
              p.entry().status,
              now,
              leaseDuration,
              supersededAt(task));
      inFlight.put(run.runId, run);
      claimedLock.lock();
      try {
        claimedAhead.add(run);
      } finally {
        claimedLock.unlock();
      }
    }
    for (PendingClaim lost : pending.values()) {
      // Another node claimed it first, or it changed: the change feed brings its new state.
      queue.untake(lost.entry().taskId, lost.entry().version);
      queue.releaseTaken(lost.entry());
    }
    if (!pending.isEmpty()) {
      sync.request();
    }
  }

  /** Starts the claimed runs that are due by {@code now}. No store I/O. */
  void startDue(Instant now) {
    List<InFlight> due = new ArrayList<>();
    claimedLock.lock();
    try {
      for (InFlight head = claimedAhead.peek();
          head != null && !head.scheduledFor.isAfter(now);
          head = claimedAhead.peek()) {
        due.add(claimedAhead.poll());
      }
    } finally {
      claimedLock.unlock();
    }
    for (InFlight run : due) {
      if (!run.isSettled()) {
        runs.begin(run, now);
      }
    }
  }

  /**
   * At stop: claims whose runs have not started go back to the queue as they were, the attempt not
   * counted, so that this or another node runs them at their due instant.
   */
  void handBack() {
    List<InFlight> unstarted;
    claimedLock.lock();
    try {
      unstarted = new ArrayList<>(claimedAhead);
      claimedAhead.clear();
    } finally {
      claimedLock.unlock();
    }
    Instant now = clock.instant();
    for (InFlight run : unstarted) {
      if (!run.settle()) {
        continue;
      }
      try {
        TaskState back = run.claimed.state().handedBack(run.queuedStatus, run.scheduledFor, now);
        if (store.write(TaskWrite.update(run.taskId(), run.version, back)).isEmpty()) {
          log.warn("Could not hand back the claim of task {}: it changed meanwhile", run.taskId());
        }
      } catch (RuntimeException e) {
        log.warn(
            "Could not hand back the claim of task {}; its lease will expire and it will be"
                + " recovered",
            run.taskId(),
            e);
      } finally {
        runs.drop(run);
      }
    }
  }

  /** Under overlap=cancel_previous: when the next fire time interrupts the run of {@code task}. */
  private @Nullable Instant supersededAt(StoredTask task) {
    Instant fire = task.state().fireTime();
    return fire == null ? null : firePlanner.supersededAt(task.definition(), fire);
  }

  /** Hands a batch to the claimer thread. */
  void request(List<QueueEntry> entries) {
    claimRequests.add(new ClaimRequest.Claim(entries));
  }

  /** Forgets batches left from before a start (the queue is cleared too). */
  void clearRequests() {
    claimRequests.clear();
  }

  /** Ends the claimer thread once it has claimed what it was handed. */
  void stopClaimer() {
    claimRequests.add(new ClaimRequest.Stop());
  }

  /** The due instant of the earliest run claimed ahead, if any. */
  @Nullable Instant nextStart() {
    claimedLock.lock();
    try {
      InFlight next = claimedAhead.peek();
      return next == null ? null : next.scheduledFor;
    } finally {
      claimedLock.unlock();
    }
  }
}
