package dev.schedulerd.runtime;

/** A client named a task that does not exist. */
public final class NoSuchTaskException extends RuntimeException {
  private final String taskId;

  public NoSuchTaskException(String taskId) {
    super("no task '" + taskId + "'");
    this.taskId = taskId;
  }

  public String taskId() {
    return taskId;
  }
}
