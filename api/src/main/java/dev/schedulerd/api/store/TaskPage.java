package dev.schedulerd.api.store;

import dev.schedulerd.api.StoredTask;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@link TaskStore#query}.
 *
 * @param nextCursor the id to pass as {@link TaskQuery#afterId} for the next page; null on the last
 */
public record TaskPage(List<StoredTask> tasks, @Nullable String nextCursor) {
  public TaskPage {
    tasks = List.copyOf(tasks);
  }

  /**
   * The page of {@code query} from tasks in id order (the matching ones after the cursor, at most
   * the limit): for stores that cannot filter while reading.
   */
  public static TaskPage of(Iterable<StoredTask> inIdOrder, TaskQuery query) {
    List<StoredTask> page = new java.util.ArrayList<>();
    for (StoredTask task : inIdOrder) {
      if (!query.isAfterCursor(task) || !query.matches(task)) {
        continue;
      }
      if (page.size() == query.limit()) {
        return new TaskPage(page, page.get(page.size() - 1).id());
      }
      page.add(task);
    }
    return new TaskPage(page, null);
  }
}
