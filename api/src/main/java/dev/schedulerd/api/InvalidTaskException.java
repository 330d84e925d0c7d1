package dev.schedulerd.api;

import org.jspecify.annotations.Nullable;

/**
 * A task definition the scheduler refuses: it names the field at fault and says what would be
 * accepted, so that a client (often an LLM) can correct it and try again.
 */
public final class InvalidTaskException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final @Nullable String taskId;

  public InvalidTaskException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
    this.taskId = null;
  }

  private InvalidTaskException(String taskId, InvalidTaskException refusal) {
    super("tasks: task '" + taskId + "': " + refusal.getMessage(), refusal);
    this.field = "tasks";
    this.taskId = taskId;
  }

  /**
   * The refusal of one task of several added together: field {@code tasks}, naming the task; the
   * task's own refusal is the cause.
   */
  public static InvalidTaskException ofTask(String taskId, InvalidTaskException refusal) {
    return new InvalidTaskException(taskId, refusal);
  }

  /**
   * The name of the field at fault, in the model's words ({@code schedule}, {@code config}, {@code
   * depends_on}); a client's tool layer may name it as its client spelled it.
   */
  public String field() {
    return field;
  }

  /** The task refused, when this is the refusal of one of several ({@link #ofTask}). */
  public @Nullable String taskId() {
    return taskId;
  }

  /** That task's own refusal, when this is one of several ({@link #ofTask}). */
  public @Nullable InvalidTaskException refusal() {
    return getCause() instanceof InvalidTaskException inner ? inner : null;
  }
}
