package dev.schedulerd.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a sample (microseconds unless said otherwise), by the nearest-rank method. */
record Stats(int count, long p50, long p90, long p99, long max, long min) {

  static Stats of(long[] micros) {
    if (micros.length == 0) {
      return new Stats(0, 0, 0, 0, 0, 0);
    }
    long[] sorted = micros.clone();
    Arrays.sort(sorted);
    return new Stats(
        sorted.length,
        rank(sorted, 0.50),
        rank(sorted, 0.90),
        rank(sorted, 0.99),
        sorted[sorted.length - 1],
        sorted[0]);
  }

  private static long rank(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** Microseconds as milliseconds with two decimals. */
  static String ms(long micros) {
    return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
  }
}
