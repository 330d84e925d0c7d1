package dev.schedulerd.store.postgres;

import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.testkit.TaskStoreContract;

/** The testkit's store contract against a real PostgreSQL. */
class PostgresTaskStoreContractTest extends TaskStoreContract {
  @Override
  protected TaskStore openStore() {
    return PostgresTaskStore.open(EmbeddedDatabase.freshDatabase());
  }
}
