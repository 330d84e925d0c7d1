package dev.schedulerd.api;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a task is in its life. {@link #allowedNext()} is the one table of legal transitions; every
 * state change goes through {@link #checkTransitionTo}, which throws on an illegal one.
 */
public enum TaskStatus {
  /** Waiting for its next due instant. */
  SCHEDULED,
  /** Claimed by a node, which holds a lease on it while the run lasts. */
  RUNNING,
  /** The last attempt failed; another attempt is due after a backoff. */
  RETRY_WAIT,
  /** Held: not dispatched until resumed. */
  PAUSED,
  /**
   * Waiting for the tasks it depends on: queued once they all completed successfully (or, with
   * {@link Dependencies#continueOnFailure()}, once they all ended).
   */
  WAITING,
  /** A one-shot task that succeeded. Terminal. */
  COMPLETED,
  /**
   * A one-shot task whose last allowed attempt failed. Terminal: only a person's retry ({@link
   * TaskState#retried}) queues it again.
   */
  FAILED,
  /** Withdrawn before it finished. Terminal. */
  CANCELLED;

  private static final TaskStatus[] VALUES = values();

  // Made once: a status is written with every store write and read with every stored task.
  private final String wireName = name().toLowerCase(Locale.ROOT);

  /**
   * Which status may follow which: the one table of legal transitions. RUNNING → SCHEDULED covers
   * both a recurring task's next fire time and an interrupted run that must run again. The one way
   * out of a terminal status is not here: a person's retry of a failed task ({@link
   * TaskState#retried}), never a step the scheduler takes by itself.
   */
  public Set<TaskStatus> allowedNext() {
    return java.util.Objects.requireNonNull(ALLOWED_NEXT.get(this));
  }

  /** The table, built once: it is asked on every state change and every change the feed sees. */
  private static final java.util.Map<TaskStatus, Set<TaskStatus>> ALLOWED_NEXT;

  static {
    java.util.Map<TaskStatus, Set<TaskStatus>> table = new java.util.EnumMap<>(TaskStatus.class);
    for (TaskStatus status : values()) {
      Set<TaskStatus> next =
          switch (status) {
            case SCHEDULED -> EnumSet.of(RUNNING, PAUSED, CANCELLED);
            case RUNNING -> EnumSet.of(SCHEDULED, RETRY_WAIT, COMPLETED, FAILED, CANCELLED);
            case RETRY_WAIT -> EnumSet.of(RUNNING, PAUSED, CANCELLED);
            case PAUSED -> EnumSet.of(SCHEDULED, RETRY_WAIT, WAITING, CANCELLED);
            case WAITING -> EnumSet.of(SCHEDULED, PAUSED, CANCELLED);
            case COMPLETED, FAILED, CANCELLED -> EnumSet.noneOf(TaskStatus.class);
          };
      table.put(status, java.util.Collections.unmodifiableSet(next));
    }
    ALLOWED_NEXT = table;
  }

  public boolean canTransitionTo(TaskStatus next) {
    return allowedNext().contains(next);
  }

  /**
   * @throws IllegalStateTransitionException when {@code next} may not follow this status
   */
  public void checkTransitionTo(TaskStatus next) {
    if (!canTransitionTo(next)) {
      throw new IllegalStateTransitionException(this, next);
    }
  }

  /** Whether a task in this status waits in the dispatch queue. */
  public boolean isQueued() {
    return this == SCHEDULED || this == RETRY_WAIT;
  }

  /** Whether nothing follows this status (but a person's retry of a failed task). */
  public boolean isTerminal() {
    return allowedNext().isEmpty();
  }

  /** The lowercase name clients see ({@code "retry_wait"}). */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a status name in any case.
   *
   * @throws IllegalArgumentException naming the value received and the accepted ones
   */
  public static TaskStatus parse(String name) {
    // First as stored and as most clients send it: no trimming, no case folding.
    for (TaskStatus s : VALUES) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    for (TaskStatus s : VALUES) {
      if (s.name().equalsIgnoreCase(name.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown status '"
            + name
            + "': use one of scheduled, running, retry_wait, paused, completed, failed, cancelled");
  }
}
