package dev.schedulerd.runtime;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.TaskStore;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store-sync thread's work: reads the store's change feed into the queue (what other clients
 * and nodes wrote), then the maintenance steps: judging waiting tasks, the heartbeat, recovering
 * expired leases, removing tasks that ended before the retention. A round runs when asked ({@link
 * SyncSignal}) or every sync interval.
 */
final class StoreSync {
  private static final Logger log = LoggerFactory.getLogger(StoreSync.class);

  /** Tasks read from the change feed per store call. */
  private static final int PAGE = 10_000;

  private final TaskStore store;
  private final DispatchQueue queue;
  private final TaskFeed feed;
  private final SyncSignal signal;
  private final WaitingTasks waitingTasks;
  private final Heartbeats heartbeats;
  private final LeaseRecovery recovery;
  private final Retention retention;

  /** Serializes rounds (the change cursor). Held while reading the store: never write under it. */
  private final ReentrantLock lock = new ReentrantLock();

  private long cursor; // guarded by lock

  StoreSync(
      TaskStore store,
      DispatchQueue queue,
      TaskFeed feed,
      SyncSignal signal,
      WaitingTasks waitingTasks,
      Heartbeats heartbeats,
      LeaseRecovery recovery,
      Retention retention) {
    this.store = store;
    this.queue = queue;
    this.feed = feed;
    this.signal = signal;
    this.waitingTasks = waitingTasks;
    this.heartbeats = heartbeats;
    this.recovery = recovery;
    this.retention = retention;
  }

  /** The sync thread's loop, until {@code stop} holds. */
  void run(Duration interval, BooleanSupplier stop) {
    while (!stop.getAsBoolean()) {
      try {
        once();
      } catch (RuntimeException e) {
        log.warn("Store sync failed; retrying in {}", interval, e);
      }
      try {
        signal.await(interval, stop);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The next round reads the whole store again (at start: the queue was cleared). */
  void rewind() {
    lock.lock();
    try {
      cursor = 0;
    } finally {
      lock.unlock();
    }
  }

  /** Applies the store's changes to the queue, then the maintenance steps. */
  void once() {
    lock.lock();
    try {
      readChanges();
    } catch (RuntimeException e) {
      recovery.storeUnreachable();
      throw e;
    } finally {
      lock.unlock();
    }
    waitingTasks.judgeAll();
    heartbeats.beatIfDue();
    recovery.recoverExpired();
    retention.sweepIfDue();
  }

  /**
   * Reads the changes since the last round on the calling thread, without the maintenance steps: a
   * node about to claim runs of other nodes' shares first learns which of them their owners claimed
   * meanwhile (W8 found most lost claims were such, as a backlog ended).
   */
  void catchUp() {
    lock.lock();
    try {
      readChanges();
    } finally {
      lock.unlock();
    }
  }

  /** Called under the lock. */
  private void readChanges() {
    ChangeSet changes;
    do {
      // In pages: loading a large store holds one page of tasks at a time, not all of them.
      changes = store.changesSince(cursor, PAGE);
      for (StoredTask task : changes.changed()) {
        feed.offer(task);
      }
      for (String removed : changes.removed()) {
        queue.remove(removed, Long.MAX_VALUE);
        feed.removed(removed);
      }
      cursor = changes.cursor();
    } while (changes.changed().size() >= PAGE);
  }
}
