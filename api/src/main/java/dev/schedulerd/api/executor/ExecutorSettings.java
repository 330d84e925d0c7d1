package dev.schedulerd.api.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the operator configured for one executor kind: the config file's {@code
 * executors.KIND.KEY=VALUE} lines, by {@code KEY}. Only the operator writes these — never an MCP
 * client — so they are where an executor's allowlists live.
 */
public record ExecutorSettings(String kind, Map<String, String> values) {
  public ExecutorSettings {
    Objects.requireNonNull(kind, "kind");
    values = Map.copyOf(values);
  }

  public static ExecutorSettings none(String kind) {
    return new ExecutorSettings(kind, Map.of());
  }

  /** The full config key of {@code key}, for messages: {@code executors.shell.allow}. */
  public String keyName(String key) {
    return "executors." + kind + "." + key;
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key)).map(String::strip);
  }

  /**
   * A true/false setting.
   *
   * @throws IllegalArgumentException naming the key when the value is neither
   */
  public boolean flag(String key, boolean dflt) {
    Optional<String> value = get(key);
    if (value.isEmpty()) {
      return dflt;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              keyName(key) + "='" + value.get() + "' is invalid: use true or false");
    };
  }

  /** A comma-separated list, entries trimmed, empty ones dropped; empty when absent. */
  public List<String> list(String key) {
    List<String> entries = new ArrayList<>();
    get(key)
        .ifPresent(
            v -> {
              for (String entry : v.split(",")) {
                if (!entry.isBlank()) {
                  entries.add(entry.strip());
                }
              }
            });
    return entries;
  }
}
