package dev.schedulerd.mcp.cli;

import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskStoreProvider;
import dev.schedulerd.runtime.StoreRegistry;
import dev.schedulerd.store.json.SeedFiles;
import dev.schedulerd.store.sqlite.SqliteOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

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
   * The file this store keeps its tasks in, for the file stores built in (sqlite, json); null for
   * any other store.
   *
   * @throws IllegalArgumentException when the location is not a valid path
   */
  @Nullable Path file() {
    int query = location.indexOf('?');
    String path = (query < 0 ? location : location.substring(0, query)).strip();
    return switch (name) {
      case "sqlite" -> SqliteOptions.parse(path, Map.of()).file().toAbsolutePath().normalize();
      case "json" -> {
        Path file =
            path.isEmpty()
                ? SeedFiles.defaultFile()
                : path.equals("~") || path.startsWith("~/")
                    ? SeedFiles.home().resolve(path.substring(Math.min(2, path.length())))
                    : Path.of(path);
        yield file.toAbsolutePath().normalize();
      }
      default -> null;
    };
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
