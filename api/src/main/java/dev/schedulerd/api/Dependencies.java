package dev.schedulerd.api;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The tasks a task runs after. It waits ({@link TaskStatus#WAITING}) until every one of them
 * completed successfully; when one fails, is cancelled or removed, the waiting task is skipped
 * (cancelled, with a {@code skipped} run record naming the dependency), unless {@code
 * continueOnFailure}: then it runs once they all ended, however they ended.
 *
 * @param taskIds the ids of the tasks to wait for, in the order given
 */
public record Dependencies(List<String> taskIds, boolean continueOnFailure) {

  /** The most dependencies one task may have. */
  public static final int MAX = 100;

  /** No dependencies. */
  public static final Dependencies NONE = new Dependencies(List.of(), false);

  public Dependencies {
    Objects.requireNonNull(taskIds, "taskIds");
    taskIds = List.copyOf(taskIds);
    if (taskIds.size() > MAX) {
      throw new IllegalArgumentException(
          "a task may depend on at most " + MAX + " tasks, got " + taskIds.size());
    }
    if (new HashSet<>(taskIds).size() != taskIds.size()) {
      throw new IllegalArgumentException("depends_on names a task twice: " + taskIds);
    }
  }

  public static Dependencies on(String... taskIds) {
    return new Dependencies(List.of(taskIds), false);
  }

  public boolean isEmpty() {
    return taskIds.isEmpty();
  }

  /** These dependencies, run even when one of them fails. */
  public Dependencies continuingOnFailure() {
    return new Dependencies(taskIds, true);
  }
}
