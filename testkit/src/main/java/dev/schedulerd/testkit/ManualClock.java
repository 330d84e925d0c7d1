package dev.schedulerd.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.locks.ReentrantLock;

/** An {@link InstantSource} that moves only when told to. Thread-safe. */
public final class ManualClock implements InstantSource {
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Instant now;

  public ManualClock(Instant start) {
    this.now = start;
  }

  /** A clock at 2026-01-01T00:00:00Z. */
  public static ManualClock atEpochOf2026() {
    return new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Override
  public Instant instant() {
    return now;
  }

  /** Moves the clock forward by {@code step}; returns the new instant. */
  public Instant advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("a manual clock moves forward only, got " + step);
    }
    lock.lock();
    try {
      now = now.plus(step);
      return now;
    } finally {
      lock.unlock();
    }
  }

  /** Sets the clock to {@code instant}, which may be earlier (to simulate a clock step back). */
  public void set(Instant instant) {
    now = instant;
  }
}
