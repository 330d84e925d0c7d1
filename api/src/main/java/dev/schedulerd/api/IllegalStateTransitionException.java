package dev.schedulerd.api;

/**
 * Thrown when a state change is not in {@link TaskStatus#allowedNext()}: a bug, never user input.
 */
public final class IllegalStateTransitionException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final TaskStatus from;
  private final TaskStatus to;

  public IllegalStateTransitionException(TaskStatus from, TaskStatus to) {
    super(
        "illegal task state transition "
            + from
            + " -> "
            + to
            + "; allowed from "
            + from
            + ": "
            + from.allowedNext());
    this.from = from;
    this.to = to;
  }

  public TaskStatus from() {
    return from;
  }

  public TaskStatus to() {
    return to;
  }
}
