package dev.schedulerd.executors;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits a shell string into words when, and only when, it is a plain command line: words of
 * letters, digits and {@code _ . / , : = + @ % ^ -}, single-quoted text (literal, as in sh), and
 * double-quoted text without {@code $ ` \ !}, separated by spaces or tabs. Anything a shell would
 * treat specially — operators, substitutions, redirections, globs, comments, tildes, escapes,
 * newlines, a leading assignment — makes the string not plain. Deliberately narrower than a shell:
 * a string it accepts means the same to {@code /bin/sh} as the words it returns, so the daemon can
 * run those words itself and check the program against the allowlist.
 */
final class ShellWords {
  private static final String PLAIN = "_./,:=+@%^-";

  private ShellWords() {}

  /** The words, or empty when the string is not a plain command line (or has no word). */
  static Optional<List<String>> plain(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    boolean bareEquals = false;
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == ' ' || c == '\t') {
        if (inWord) {
          if (!finish(words, word, bareEquals)) {
            return Optional.empty();
          }
          inWord = false;
          bareEquals = false;
        }
        i++;
      } else if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0 || containsAny(line.substring(i + 1, end), "\n\r\0")) {
          return Optional.empty();
        }
        word.append(line, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (c == '"') {
        int end = line.indexOf('"', i + 1);
        if (end < 0 || containsAny(line.substring(i + 1, end), "$`\\!\n\r\0")) {
          return Optional.empty();
        }
        word.append(line, i + 1, end);
        inWord = true;
        i = end + 1;
      } else if (Character.isLetterOrDigit(c) && c < 128 || PLAIN.indexOf(c) >= 0) {
        word.append(c);
        inWord = true;
        bareEquals |= c == '=';
        i++;
      } else {
        return Optional.empty();
      }
    }
    if (inWord && !finish(words, word, bareEquals)) {
      return Optional.empty();
    }
    return words.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(words));
  }

  /** Adds the word; false when it is a first word sh would read as an assignment (NAME=value). */
  private static boolean finish(List<String> words, StringBuilder word, boolean bareEquals) {
    if (words.isEmpty() && bareEquals) {
      return false;
    }
    words.add(word.toString());
    word.setLength(0);
    return true;
  }

  private static boolean containsAny(String text, String chars) {
    for (int i = 0; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return true;
      }
    }
    return false;
  }
}
