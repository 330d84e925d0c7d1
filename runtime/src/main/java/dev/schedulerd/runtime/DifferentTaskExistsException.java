package dev.schedulerd.runtime;

/** {@link Scheduler#addOrGet}: a task with the id exists, and its definition is another. */
public final class DifferentTaskExistsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String taskId;

  public DifferentTaskExistsException(String taskId) {
    super("a different task with id '" + taskId + "' already exists");
    this.taskId = taskId;
  }

  public String taskId() {
    return taskId;
  }
}
