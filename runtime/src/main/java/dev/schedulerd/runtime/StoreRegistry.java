package dev.schedulerd.runtime;

import dev.schedulerd.api.store.TaskStoreProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store providers on the classpath, by name: loaded once, immutable, thread-safe. Same rules as
 * {@link ExecutorRegistry}: a broken provider is skipped, a duplicate name is an error.
 */
public final class StoreRegistry {
  private static final Logger log = LoggerFactory.getLogger(StoreRegistry.class);

  private final Map<String, TaskStoreProvider> byName;

  private StoreRegistry(Map<String, TaskStoreProvider> byName) {
    this.byName = byName;
  }

  public static StoreRegistry load(ClassLoader classLoader) {
    Map<String, TaskStoreProvider> byName = new TreeMap<>();
    for (TaskStoreProvider provider :
        ExecutorRegistry.loadAll(TaskStoreProvider.class, classLoader)) {
      String name;
      try {
        name = provider.name();
      } catch (RuntimeException e) {
        log.error(
            "Skipping store provider {}: it failed to report its name",
            provider.getClass().getName(),
            e);
        continue;
      }
      TaskStoreProvider previous = byName.putIfAbsent(name, provider);
      if (previous != null) {
        throw new IllegalStateException(
            "two store providers are named '"
                + name
                + "': "
                + ExecutorRegistry.describe(previous)
                + " and "
                + ExecutorRegistry.describe(provider)
                + ". Remove one of the jars from the classpath.");
      }
    }
    return new StoreRegistry(byName);
  }

  public Optional<TaskStoreProvider> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }
}
