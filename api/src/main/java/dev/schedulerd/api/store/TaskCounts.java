package dev.schedulerd.api.store;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * How many tasks a store holds, by status and by priority ({@link TaskStore#counts()}).
 *
 * @param byStatus only the statuses some task has
 * @param byPriority only the priorities some task has
 */
public record TaskCounts(
    long total, Map<TaskStatus, Long> byStatus, Map<Priority, Long> byPriority) {
  public TaskCounts {
    byStatus = Collections.unmodifiableMap(inEnumOrder(byStatus, TaskStatus.class));
    byPriority = Collections.unmodifiableMap(inEnumOrder(byPriority, Priority.class));
  }

  /** A copy in the enum's order, which answers show. */
  private static <E extends Enum<E>> EnumMap<E, Long> inEnumOrder(
      Map<E, Long> counts, Class<E> type) {
    EnumMap<E, Long> copy = new EnumMap<>(type);
    copy.putAll(counts);
    return copy;
  }

  /** The counts of {@code tasks}, for stores that count by reading every task. */
  public static TaskCounts of(Iterable<StoredTask> tasks) {
    EnumMap<TaskStatus, Long> byStatus = new EnumMap<>(TaskStatus.class);
    EnumMap<Priority, Long> byPriority = new EnumMap<>(Priority.class);
    long total = 0;
    for (StoredTask task : tasks) {
      total++;
      byStatus.merge(task.state().status(), 1L, Long::sum);
      byPriority.merge(task.definition().priority(), 1L, Long::sum);
    }
    return new TaskCounts(total, byStatus, byPriority);
  }
}
