package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.testkit.TaskStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteTaskStoreContractTest extends TaskStoreContract {
  @TempDir Path dir;

  @Override
  protected TaskStore openStore() {
    return SqliteTaskStore.open(SqliteOptions.of(dir.resolve("contract.db")));
  }
}
