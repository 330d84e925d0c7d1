package dev.schedulerd.api;

import java.util.Locale;

/**
 * The syntax a cron expression is written in. The dialects differ in field count and in how days of
 * the week are numbered, so the dialect is part of the schedule.
 */
public enum CronDialect {
  /** Five fields, minute precision: {@code 0 3 * * *}; day of week 0 or 7 = Sunday. */
  UNIX,
  /** Quartz: seconds first, optional year, {@code ?} for "no specific value"; 1 = Sunday. */
  QUARTZ,
  /** Spring's six-field form (seconds first), with Spring 5.3 macros such as {@code @daily}. */
  SPRING;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a dialect name in any case.
   *
   * @throws IllegalArgumentException naming the value received and the accepted ones
   */
  public static CronDialect parse(String name) {
    for (CronDialect d : values()) {
      if (d.name().equalsIgnoreCase(name.trim())) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown cron dialect '" + name + "': use one of unix, quartz, spring");
  }
}
