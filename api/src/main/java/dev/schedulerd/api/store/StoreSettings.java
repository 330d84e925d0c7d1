package dev.schedulerd.api.store;

import java.util.Map;
import java.util.Objects;

/**
 * Where and how to open a store.
 *
 * @param location what follows the store's name in {@code --store name:location} (a file path, a
 *     JDBC URL); empty when none was given
 * @param options further settings from the config file, by key
 */
public record StoreSettings(String location, Map<String, String> options) {
  public StoreSettings {
    Objects.requireNonNull(location, "location");
    options = Map.copyOf(options);
  }

  public static StoreSettings of(String location) {
    return new StoreSettings(location, Map.of());
  }
}
