package dev.schedulerd.executors;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${env:NAME}} in config values from the daemon's environment, at run time only:
 * the stored task, tool output and logs keep the reference, never the secret.
 */
final class EnvReferences {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

  private EnvReferences() {}

  /** A reference to a variable that is not set; the message names it, never a value. */
  static final class MissingVariableException extends RuntimeException {
    MissingVariableException(String name, String where) {
      super(
          "environment variable "
              + name
              + " (referenced in "
              + where
              + ") is not set on this node");
    }
  }

  static String resolve(String value, Map<String, String> environment, String where) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String resolved = environment.get(m.group(1));
      if (resolved == null) {
        throw new MissingVariableException(m.group(1), where);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(resolved));
    }
    m.appendTail(out);
    return out.toString();
  }
}
