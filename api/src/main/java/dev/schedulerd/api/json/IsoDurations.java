package dev.schedulerd.api.json;

import java.time.Duration;

/**
 * Reads the durations the stores write ({@link Duration#toString()}: {@code PT30S}, {@code PT1H},
 * {@code PT2H3M4.5S}, {@code PT0.25S}) without {@link Duration#parse}'s regular expression, which
 * cost several percent of a start-up with many stored tasks. Anything else (days, signs, lowercase)
 * goes to {@link Duration#parse}, which also gives the errors.
 */
public final class IsoDurations {
  private IsoDurations() {}

  private static final long MAX_FIELD = 1_000_000_000L; // keeps every sum far from overflow

  public static Duration parse(String text) {
    int length = text.length();
    if (length < 4 || text.charAt(0) != 'P' || text.charAt(1) != 'T') {
      return Duration.parse(text);
    }
    long seconds = 0;
    long nanos = 0;
    int i = 2;
    int lastUnit = 0; // H = 1, M = 2, S = 3: each at most once, in this order
    while (i < length) {
      int start = i;
      long value = 0;
      while (i < length && isDigit(text.charAt(i)) && value < MAX_FIELD) {
        value = value * 10 + (text.charAt(i) - '0');
        i++;
      }
      if (i == start || i == length || value >= MAX_FIELD) {
        return Duration.parse(text);
      }
      char unit = text.charAt(i);
      if (unit == '.') {
        int fractionStart = ++i;
        long fraction = 0;
        while (i < length && isDigit(text.charAt(i)) && i - fractionStart < 9) {
          fraction = fraction * 10 + (text.charAt(i) - '0');
          i++;
        }
        int digits = i - fractionStart;
        if (digits == 0 || i != length - 1 || text.charAt(i) != 'S' || lastUnit >= 3) {
          return Duration.parse(text);
        }
        for (int d = digits; d < 9; d++) {
          fraction *= 10;
        }
        return Duration.ofSeconds(seconds + value, fraction);
      }
      int order =
          switch (unit) {
            case 'H' -> 1;
            case 'M' -> 2;
            case 'S' -> 3;
            default -> 0;
          };
      if (order <= lastUnit) {
        return Duration.parse(text);
      }
      lastUnit = order;
      seconds += value * (order == 1 ? 3_600 : order == 2 ? 60 : 1);
      i++;
    }
    return Duration.ofSeconds(seconds, nanos);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
