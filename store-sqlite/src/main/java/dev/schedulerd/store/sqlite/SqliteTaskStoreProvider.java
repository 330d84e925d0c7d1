package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskStoreProvider;

/**
 * {@code --store sqlite:PATH[?synchronous=full|normal]}; an empty path means {@code
 * ~/.memory/scheduler.db}.
 */
public final class SqliteTaskStoreProvider implements TaskStoreProvider {
  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public String description() {
    return "one SQLite file that several schedulerd processes share (default"
        + " ~/.memory/scheduler.db)";
  }

  @Override
  public TaskStore open(StoreSettings settings) {
    return SqliteTaskStore.open(SqliteOptions.parse(settings.location(), settings.options()));
  }
}
