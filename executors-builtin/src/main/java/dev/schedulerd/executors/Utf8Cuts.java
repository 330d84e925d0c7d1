package dev.schedulerd.executors;

import java.nio.charset.StandardCharsets;

/** Text cut to a size in UTF-8 bytes, as the limits on kept output are stated. */
final class Utf8Cuts {
  private Utf8Cuts() {}

  /** The first {@code max} bytes of {@code text} (a character cut in two is dropped). */
  static String head(String text, int max) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= max) {
      return text;
    }
    int end = max;
    while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
      end--; // back to the start of the character that does not fit
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  /** The last {@code max} bytes of {@code text} (a character cut in two is dropped). */
  static String tail(String text, int max) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= max) {
      return text;
    }
    int start = bytes.length - max;
    while (start < bytes.length && (bytes[start] & 0xC0) == 0x80) {
      start++; // past the rest of a character whose start was cut off
    }
    return new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
  }
}
