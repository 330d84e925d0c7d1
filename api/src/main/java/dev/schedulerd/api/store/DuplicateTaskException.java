package dev.schedulerd.api.store;

/** A task with the same id already exists. */
public final class DuplicateTaskException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final String taskId;

  public DuplicateTaskException(String taskId) {
    super("a task with id '" + taskId + "' already exists");
    this.taskId = taskId;
  }

  public String taskId() {
    return taskId;
  }
}
