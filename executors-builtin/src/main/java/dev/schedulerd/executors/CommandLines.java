package dev.schedulerd.executors;

import java.util.ArrayList;
import java.util.List;

/** Splits an operator's command line into arguments: whitespace separates, double quotes group. */
final class CommandLines {
  private CommandLines() {}

  static List<String> split(String line) {
    List<String> args = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (char c : line.strip().toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (Character.isWhitespace(c) && !quoted) {
        if (any) {
          args.add(current.toString());
          current.setLength(0);
          any = false;
        }
      } else {
        current.append(c);
        any = true;
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("unbalanced double quote in command line: " + line);
    }
    if (any) {
      args.add(current.toString());
    }
    return args;
  }
}
