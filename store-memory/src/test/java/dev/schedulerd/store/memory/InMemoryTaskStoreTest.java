package dev.schedulerd.store.memory;

import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.testkit.TaskStoreContract;

final class InMemoryTaskStoreTest extends TaskStoreContract {
  @Override
  protected TaskStore openStore() {
    return new InMemoryTaskStore();
  }
}
