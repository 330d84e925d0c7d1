package dev.schedulerd.mcp.cli;

import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskStoreProvider;
import dev.schedulerd.runtime.StoreRegistry;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code NAME[:LOCATION]} as given to {@code --store}, opened through the providers on the
 * classpath.
 */
record StoreSelection(String name, String location) {

  static StoreSelection parse(String spec) {
    String trimmed = spec.strip();
    int colon = trimmed.indexOf(':');
    return colon < 0
        ? new StoreSelection(trimmed, "")
        : new StoreSelection(trimmed.substring(0, colon), trimmed.substring(colon + 1));
  }

  /**
   * Opens the store.
   *
   * @throws IllegalArgumentException when no provider has that name (listing those found) or the
   *     settings are invalid
   * @throws dev.schedulerd.api.store.StoreException when the store cannot be opened
   */
  TaskStore open(Map<String, String> options, ClassLoader loader) {
    StoreRegistry stores = StoreRegistry.load(loader);
    TaskStoreProvider provider =
        stores
            .find(name)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "there is no store named '"
                            + name
                            + "'; the stores found are: "
                            + stores.names().stream()
                                .map(
                                    n ->
                                        n
                                            + " ("
                                            + stores
                                                .find(n)
                                                .map(TaskStoreProvider::description)
                                                .orElse("")
                                            + ")")
                                .collect(Collectors.joining(", "))));
    return provider.open(new StoreSettings(location, options));
  }
}
