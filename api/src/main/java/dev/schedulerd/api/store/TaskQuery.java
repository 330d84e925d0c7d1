package dev.schedulerd.api.store;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which tasks to list, a page at a time, in id order: each filter given must match; {@code afterId}
 * is the cursor (the last id of the previous page).
 *
 * @param labelKey with {@code labelValue}: only tasks whose label {@code labelKey} has that value
 * @param limit the most tasks in a page, at least 1
 */
public record TaskQuery(
    @Nullable TaskStatus status,
    @Nullable Priority priority,
    @Nullable String executorKind,
    @Nullable String labelKey,
    @Nullable String labelValue,
    @Nullable String afterId,
    int limit) {

  public TaskQuery {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    if ((labelKey == null) != (labelValue == null)) {
      throw new IllegalArgumentException("a label filter needs both its key and its value");
    }
  }

  /** Every task, {@code limit} at a time. */
  public static TaskQuery all(int limit) {
    return new TaskQuery(null, null, null, null, null, null, limit);
  }

  /** This query for the page after the task {@code id}. */
  public TaskQuery after(@Nullable String id) {
    return new TaskQuery(status, priority, executorKind, labelKey, labelValue, id, limit);
  }

  /** Whether {@code task} passes the filters (not the cursor). */
  public boolean matches(StoredTask task) {
    return (status == null || task.state().status() == status)
        && (priority == null || task.definition().priority() == priority)
        && (executorKind == null || task.definition().executorKind().equals(executorKind))
        && (labelKey == null
            || Objects.equals(labelValue, task.definition().labels().get(labelKey)));
  }

  /** Whether {@code task} comes after the cursor. */
  public boolean isAfterCursor(StoredTask task) {
    return afterId == null || task.id().compareTo(afterId) > 0;
  }
}
