package dev.schedulerd.store.json;

import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.testkit.TaskStoreContract;
import java.nio.file.Path;
import java.time.InstantSource;
import java.time.ZoneId;
import org.junit.jupiter.api.io.TempDir;

class JsonTaskStoreContractTest extends TaskStoreContract {
  @TempDir Path dir;

  @Override
  protected TaskStore openStore() {
    return JsonTaskStore.open(
        dir.resolve("contract-tasks.json"), ZoneId.of("UTC"), InstantSource.system());
  }
}
