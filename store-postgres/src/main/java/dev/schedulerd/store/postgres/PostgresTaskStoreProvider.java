package dev.schedulerd.store.postgres;

import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskStoreProvider;

/** {@code --store postgres:jdbc:postgresql://HOST:PORT/DB?user=U&password=P}. */
public final class PostgresTaskStoreProvider implements TaskStoreProvider {
  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public String description() {
    return "a PostgreSQL database shared by several schedulerd nodes (postgres:jdbc:postgresql://...)";
  }

  @Override
  public TaskStore open(StoreSettings settings) {
    return PostgresTaskStore.open(settings.location().strip());
  }
}
