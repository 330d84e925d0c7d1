package dev.schedulerd.store.memory;

import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskStoreProvider;

/** Provides {@link InMemoryTaskStore} under the name {@code memory}. Takes no settings. */
public final class InMemoryTaskStoreProvider implements TaskStoreProvider {
  @Override
  public String name() {
    return "memory";
  }

  @Override
  public String description() {
    return "Keeps tasks in this process's memory only: nothing survives a restart.";
  }

  @Override
  public TaskStore open(StoreSettings settings) {
    if (!settings.location().isEmpty()) {
      throw new IllegalArgumentException(
          "the memory store takes no location, got '"
              + settings.location()
              + "': use --store memory");
    }
    return new InMemoryTaskStore();
  }
}
