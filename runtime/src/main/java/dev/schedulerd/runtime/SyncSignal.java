package dev.schedulerd.runtime;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Asks the sync thread for a round now instead of at its interval. Asking never waits for a round
 * in progress: stores ask from their writer threads, which must not stall.
 */
final class SyncSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wanted = lock.newCondition();
  private boolean requested; // guarded by lock

  void request() {
    lock.lock();
    try {
      requested = true;
      wanted.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Whether a round was asked for and not yet begun. */
  boolean pending() {
    lock.lock();
    try {
      return requested;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until a round is asked for, {@code stop} holds, or {@code interval} passed.
   *
   * @throws InterruptedException when the sync thread is interrupted
   */
  void await(Duration interval, BooleanSupplier stop) throws InterruptedException {
    lock.lock();
    try {
      long nanos = interval.toNanos();
      while (!requested && !stop.getAsBoolean() && nanos > 0) {
        nanos = wanted.awaitNanos(nanos);
      }
      requested = false;
    } finally {
      lock.unlock();
    }
  }
}
