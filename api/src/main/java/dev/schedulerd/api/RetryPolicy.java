package dev.schedulerd.api;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a failed run is tried again, and how long to wait in between.
 *
 * <p>Attempt {@code n} (1-based) that fails, with {@code n < maxAttempts}, is followed by attempt
 * {@code n + 1} after {@code min(maxDelay, initialDelay × multiplier^(n-1))}, shortened by a random
 * fraction of at most {@code jitter} so that many tasks failing together do not retry in lockstep.
 *
 * @param maxAttempts total attempts per fire time, first one included (1 = never retry)
 * @param jitter in {@code [0, 1]}: 0 waits the exact delay, 0.2 waits 80–100 % of it
 */
public record RetryPolicy(
    int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay, double jitter) {

  /** Three attempts (as the seed did), 1 s, 2 s apart, ±20 % jitter, at most 5 min apart. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 0.2);

  /** Exactly one attempt. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO, 0);

  public RetryPolicy {
    Objects.requireNonNull(initialDelay, "initialDelay");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxAttempts < 1 || maxAttempts > 100) {
      throw new IllegalArgumentException(
          "max attempts must be between 1 and 100, got " + maxAttempts);
    }
    if (initialDelay.isNegative() || maxDelay.isNegative()) {
      throw new IllegalArgumentException(
          "retry delays must not be negative, got initial " + initialDelay + ", max " + maxDelay);
    }
    if (maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "max retry delay " + maxDelay + " is shorter than the initial delay " + initialDelay);
    }
    if (!(multiplier >= 1.0 && multiplier <= 100.0)) {
      throw new IllegalArgumentException(
          "backoff multiplier must be between 1 and 100, got " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be between 0 and 1, got " + jitter);
    }
  }

  /** The default policy with another attempt count. */
  public static RetryPolicy maxAttempts(int maxAttempts) {
    return new RetryPolicy(
        maxAttempts, DEFAULT.initialDelay, DEFAULT.multiplier, DEFAULT.maxDelay, DEFAULT.jitter);
  }

  /**
   * The delay before the attempt that follows failed attempt {@code failedAttempt}, given a random
   * draw {@code random} in {@code [0, 1)}.
   */
  public Duration delayAfter(int failedAttempt, double random) {
    if (failedAttempt < 1) {
      throw new IllegalArgumentException("attempts count from 1, got " + failedAttempt);
    }
    double base = initialDelay.toNanos() * Math.pow(multiplier, failedAttempt - 1);
    double capped = Math.min(base, (double) maxDelay.toNanos());
    double jittered = capped * (1.0 - jitter * random);
    return Duration.ofNanos((long) jittered);
  }
}
