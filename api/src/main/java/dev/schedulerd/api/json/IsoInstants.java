package dev.schedulerd.api.json;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads the instants the stores write ({@link Instant#toString()}: {@code
 * 2026-11-26T19:25:38.123456789Z}, 0 to 9 fraction digits, years 0000-9999) without {@link
 * java.time.format.DateTimeFormatter}: a start-up with a million stored tasks spent half of its
 * time in that formatter. Anything else (other years, offsets, leap seconds) goes to {@link
 * Instant#parse}, which also gives the errors.
 */
public final class IsoInstants {
  private IsoInstants() {}

  public static Instant parse(String text) {
    int length = text.length();
    if (length < 20
        || length > 30
        || length == 21 // "…:ss.Z": a dot without digits
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':'
        || text.charAt(length - 1) != 'Z'
        || (length > 20 && text.charAt(19) != '.')) {
      return Instant.parse(text);
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 2);
    int day = digits(text, 8, 2);
    int hour = digits(text, 11, 2);
    int minute = digits(text, 14, 2);
    int second = digits(text, 17, 2);
    int nanos = 0;
    if (length > 20) {
      int fraction = length - 21;
      nanos = digits(text, 20, fraction);
      for (int i = fraction; i < 9 && nanos >= 0; i++) {
        nanos *= 10;
      }
    }
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > LocalDate.of(year, month, 1).lengthOfMonth()
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59
        || nanos < 0) {
      return Instant.parse(text);
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600 + minute * 60 + second, nanos);
  }

  /** The decimal number in {@code text[from, from + count)}; -1 if any of it is not a digit. */
  private static int digits(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
