package dev.schedulerd.api.store;

/**
 * Opens stores of one kind. Found with {@link java.util.ServiceLoader}: list the class in {@code
 * META-INF/services/dev.schedulerd.api.store.TaskStoreProvider} and give it a public no-argument
 * constructor. Two providers with the same name stop the scheduler from starting.
 *
 * <p>Called once at start-up, on the main thread; must be thread-safe only if it keeps state.
 */
public interface TaskStoreProvider {

  /**
   * The name users select the store with, e.g. {@code memory} or {@code sqlite} in {@code --store
   * sqlite:/path/to/file.db}: lowercase letters and digits.
   */
  String name();

  /** One sentence for humans on what this store is for. */
  default String description() {
    return "";
  }

  /**
   * Opens (creating or migrating when needed) the store that {@code settings} describe.
   *
   * @throws StoreException when it cannot be opened; the message says what to fix
   * @throws IllegalArgumentException when the settings are invalid; the message names the setting
   */
  TaskStore open(StoreSettings settings);
}
