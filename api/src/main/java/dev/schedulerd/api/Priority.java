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

  private static final Priority[] VALUES = values();

  // Made once: a priority is written and read with every stored task.
  private final String wireName = name().toLowerCase(Locale.ROOT);

  /** The lowercase name clients send and see ({@code "high"}). */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a priority name in any case.
   *
   * @throws IllegalArgumentException naming the value received and the accepted ones
   */
  public static Priority parse(String name) {
    // First as stored and as most clients send it: no trimming, no case folding.
    for (Priority p : VALUES) {
      if (p.wireName.equals(name)) {
        return p;
      }
    }
    for (Priority p : VALUES) {
      if (p.name().equalsIgnoreCase(name.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown priority '" + name + "': use one of critical, high, medium, low");
  }
}
