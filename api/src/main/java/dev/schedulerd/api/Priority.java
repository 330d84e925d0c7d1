package dev.schedulerd.api;

import java.util.Locale;

/**
 * How urgent a task is. Among tasks that are due, a higher priority is dispatched first: {@code
 * CRITICAL > HIGH > MEDIUM > LOW}. Declaration order is urgency order, so {@link #compareTo} sorts
 * the most urgent first.
 */
public enum Priority {
  CRITICAL,
  HIGH,
  MEDIUM,
  LOW;

  /** The lowercase name clients send and see ({@code "high"}). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a priority name in any case.
   *
   * @throws IllegalArgumentException naming the value received and the accepted ones
   */
  public static Priority parse(String name) {
    for (Priority p : values()) {
      if (p.name().equalsIgnoreCase(name.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown priority '" + name + "': use one of critical, high, medium, low");
  }
}
