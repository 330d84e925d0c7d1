package dev.schedulerd.mcp;

import java.util.regex.Pattern;

/**
 * Text another party wrote (an agent, another process, a front-end), made safe to show in a log
 * line or a terminal: control, format and line-separator characters (an escape sequence could
 * rewrite the screen or the clipboard, a newline forge a log line) become {@code ?}.
 */
public final class Printable {
  private Printable() {}

  private static final Pattern UNSAFE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]");

  public static String of(String text) {
    return UNSAFE.matcher(text).replaceAll("?");
  }

  /** As {@link #of(String)}, cut to {@code max} characters. */
  public static String of(String text, int max) {
    String shown = of(text);
    if (shown.length() <= max) {
      return shown;
    }
    int cut = Character.isHighSurrogate(shown.charAt(max - 1)) ? max - 1 : max; // whole characters
    return shown.substring(0, cut) + "…";
  }
}
