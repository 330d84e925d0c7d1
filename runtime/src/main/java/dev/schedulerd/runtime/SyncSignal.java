package dev.schedulerd.runtime;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Asks the sync thread for a round now instead of at its interval. Asking never waits for a round
 * in progress: stores ask from their writer threads, which must not stall.
 *
 * <p>A store's change announcement ({@link #storeChanged}) starts a round no sooner than {@link
 * #STORE_CHANGE_GAP} after the previous one ended: a node that writes thousands of times a second
 * (each write announced to its own listeners too) reads the change feed some fifty times a second,
 * not once per write, and others' changes still arrive within milliseconds. A request of the
 * scheduler's own (a dependency ended) starts a round at once.
 */
final class SyncSignal {
  static final Duration STORE_CHANGE_GAP = Duration.ofMillis(20);

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wanted = lock.newCondition();
  private boolean requested; // guarded by lock
  private boolean storeChanged; // guarded by lock

  void request() {
    lock.lock();
    try {
      requested = true;
      wanted.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The store may have changed: a round soon, at most one per {@link #STORE_CHANGE_GAP}. */
  void storeChanged() {
    lock.lock();
    try {
      storeChanged = true;
      wanted.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Whether a round was asked for and not yet begun. */
  boolean pending() {
    lock.lock();
    try {
      return requested || storeChanged;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until a round is asked for, the store changed and the gap since the last round passed,
   * {@code stop} holds, or {@code interval} passed. Called as a round ends.
   *
   * @throws InterruptedException when the sync thread is interrupted
   */
  void await(Duration interval, BooleanSupplier stop) throws InterruptedException {
    lock.lock();
    try {
      long nanos = interval.toNanos();
      long gap = Math.min(nanos, STORE_CHANGE_GAP.toNanos()); // left before a change may start one
      while (!requested && !(storeChanged && gap <= 0) && !stop.getAsBoolean() && nanos > 0) {
        long wait = storeChanged ? gap : nanos;
        long slept = wait - wanted.awaitNanos(wait);
        nanos -= slept;
        gap -= slept;
      }
      requested = false;
      storeChanged = false;
    } finally {
      lock.unlock();
    }
  }
}
