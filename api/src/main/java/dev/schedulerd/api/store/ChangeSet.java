package dev.schedulerd.api.store;

import dev.schedulerd.api.StoredTask;
import java.util.List;
import java.util.Objects;

/**
 * The answer to {@link TaskStore#changesSince}: tasks written and ids removed after a cursor.
 *
 * @param cursor the cursor to pass next time
 */
public record ChangeSet(long cursor, List<StoredTask> changed, List<String> removed) {
  public ChangeSet {
    Objects.requireNonNull(changed, "changed");
    Objects.requireNonNull(removed, "removed");
    changed = List.copyOf(changed);
    removed = List.copyOf(removed);
  }

  public boolean isEmpty() {
    return changed.isEmpty() && removed.isEmpty();
  }
}
