package dev.schedulerd.mcp.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The daemon's settings from the environment and a config file, the defaults of the command line's
 * options ({@link CommandLineArgs}): the command line wins over {@code SCHEDULERD_*} environment
 * variables, which win over the config file, which wins over built-in defaults.
 *
 * <p>The config file is a properties file: {@code --config FILE}, else {@code $SCHEDULERD_CONFIG},
 * else {@code ~/.config/schedulerd/schedulerd.properties} when it exists. Keys are the long option
 * names ({@code store}, {@code zone}, {@code no-daemon}, {@code stop-grace}, {@code node-id});
 * {@code store.KEY} keys are options of the chosen store (e.g. {@code store.synchronous=normal}).
 */
final class Settings {
  static final List<String> KEYS =
      List.of(
          "store",
          "zone",
          "no-daemon",
          "stop-grace",
          "node-id",
          "plugins",
          "metrics-port",
          "metrics-bind");

  /** What an old setting of the in-process days is told. */
  static final String KEEP_ALIVE_GONE =
      "keep-alive is gone: tasks now run in a background daemon that outlives the MCP client"
          + " (README: 'Tasks run while no client is open'); no-daemon=true serves in the"
          + " client's process as before";

  /** A config file or environment variable that cannot be used. Exit code 2. */
  static final class SettingsException extends RuntimeException {
    SettingsException(String message) {
      super(message);
    }
  }

  /**
   * How much runs at once on this node, from the config file: {@code resources.NAME=N}, {@code
   * max-concurrent-runs=N}, {@code max-concurrent-runs.KIND=N}, {@code priority-aging=SECONDS}.
   */
  record Limits(
      Map<String, Integer> resources,
      Map<String, Integer> maxRunsPerKind,
      @Nullable Integer maxRuns,
      @Nullable Integer priorityAgingSeconds,
      int maxTasks,
      @Nullable Integer leaseSeconds,
      @Nullable Integer retentionHours) {
    /** Unfinished tasks a daemon takes unless its config says: its clients are not trusted. */
    static final int DEFAULT_MAX_TASKS = 100_000;

    static final Limits NONE =
        new Limits(Map.of(), Map.of(), null, null, DEFAULT_MAX_TASKS, null, null);
  }

  /**
   * The web dashboard the background daemon serves, from {@code dashboard.*} keys of the config
   * file: on by default, on loopback.
   */
  record Dashboard(
      boolean enabled, int port, String bind, boolean readOnly, List<String> allowedHosts) {
    static final int DEFAULT_PORT = 7477;
    static final Dashboard DEFAULT =
        new Dashboard(true, DEFAULT_PORT, "127.0.0.1", false, List.of());
  }

  private final Map<String, String> values;
  private final Map<String, String> storeOptions;
  private final Dashboard dashboard;
  private final Map<String, String> executorSettings;
  private final Limits limits;
  private final @Nullable Path file;

  private Settings(
      Map<String, String> values,
      Map<String, String> storeOptions,
      Map<String, String> executorSettings,
      Limits limits,
      Dashboard dashboard,
      @Nullable Path file) {
    this.dashboard = dashboard;
    this.values = values;
    this.storeOptions = storeOptions;
    this.executorSettings = executorSettings;
    this.limits = limits;
    this.file = file;
  }

  static Settings none() {
    return new Settings(Map.of(), Map.of(), Map.of(), Limits.NONE, Dashboard.DEFAULT, null);
  }

  /**
   * Reads the config file ({@code configOption}, the value of {@code --config} when given, else the
   * environment's, else the default place) and the environment.
   *
   * @throws SettingsException naming the file, the key and the value that are wrong
   */
  static Settings load(@Nullable String configOption, Map<String, String> env, Path home) {
    Path file = configFile(configOption, env, home);
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> storeOptions = new TreeMap<>();
    Map<String, String> executorSettings = new TreeMap<>();
    Map<String, String> dashboard = new TreeMap<>();
    Map<String, Integer> resources = new TreeMap<>();
    Map<String, Integer> maxRunsPerKind = new TreeMap<>();
    Integer maxRuns = null;
    Integer aging = null;
    Integer leaseSeconds = null;
    Integer retentionHours = null;
    int maxTasks = Limits.DEFAULT_MAX_TASKS;
    if (file != null) {
      Properties properties = new Properties();
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(in);
      } catch (IOException | IllegalArgumentException e) {
        throw new SettingsException("cannot read the config file " + file + ": " + e.getMessage());
      }
      for (String key : properties.stringPropertyNames()) {
        String value = properties.getProperty(key).strip();
        if (value.matches("(?s).*[ \t]#.*")) {
          // A properties file has no trailing comments: the text would become part of the value.
          throw new SettingsException(
              key
                  + "='"
                  + value
                  + "' in the config file "
                  + file
                  + " holds a ' #': a properties file has no comments after a value, so it would"
                  + " become part of it. Put the comment on its own line, starting with #");
        }
        if (key.startsWith("store.") && key.length() > "store.".length()) {
          storeOptions.put(key.substring("store.".length()), value);
        } else if (key.startsWith("dashboard.")) {
          dashboard.put(key.substring("dashboard.".length()), value);
        } else if (key.startsWith("executors.") && key.length() > "executors.".length()) {
          // Only here, in the operator's file: never from MCP, never from the environment.
          executorSettings.put(key.substring("executors.".length()), value);
        } else if (key.startsWith("resources.") && key.length() > "resources.".length()) {
          resources.put(key.substring("resources.".length()), positive(key, value, file, 1));
        } else if (key.startsWith("max-concurrent-runs.")
            && key.length() > "max-concurrent-runs.".length()) {
          maxRunsPerKind.put(
              key.substring("max-concurrent-runs.".length()), positive(key, value, file, 1));
        } else if (key.equals("max-concurrent-runs")) {
          maxRuns = positive(key, value, file, 1);
        } else if (key.equals("max-tasks")) {
          maxTasks = positive(key, value, file, 1);
        } else if (key.equals("priority-aging")) {
          aging = positive(key, value, file, 0);
        } else if (key.equals("lease-seconds")) {
          // Claim-ahead (0.5 s) must stay under half a lease; a minute's lease or more is allowed.
          leaseSeconds = positive(key, value, file, 6);
        } else if (key.equals("retention-hours")) {
          retentionHours = positive(key, value, file, 0);
        } else if (key.equals("keep-alive")) {
          throw new SettingsException(KEEP_ALIVE_GONE + " (in the config file " + file + ")");
        } else if (key.equals("plugins") && !value.isEmpty() && !Path.of(value).isAbsolute()) {
          // Relative to the file that says it, not to whichever folder a process started in.
          Path folder = file.toAbsolutePath().getParent();
          values.put(key, (folder == null ? Path.of(value) : folder.resolve(value)).toString());
        } else if (KEYS.contains(key)) {
          values.put(key, check(key, value, "the config file " + file));
        } else {
          throw new SettingsException(
              "unknown setting '"
                  + key
                  + "' in the config file "
                  + file
                  + ": use "
                  + String.join(", ", KEYS)
                  + ", store.OPTION for the store's options, executors.KIND.SETTING,"
                  + " resources.NAME, max-concurrent-runs[.KIND], max-tasks, priority-aging,"
                  + " lease-seconds or retention-hours");
        }
      }
    }
    if (env.get(envName("keep-alive")) != null) {
      throw new SettingsException(
          KEEP_ALIVE_GONE + " (in the environment variable " + envName("keep-alive") + ")");
    }
    for (String key : KEYS) {
      String name = envName(key);
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        values.put(key, check(key, value.strip(), "the environment variable " + name));
      }
    }
    Dashboard dashboardSettings = dashboard(dashboard, file);
    return new Settings(
        Map.copyOf(values),
        Map.copyOf(storeOptions),
        Map.copyOf(executorSettings),
        new Limits(
            Map.copyOf(resources),
            Map.copyOf(maxRunsPerKind),
            maxRuns,
            aging,
            maxTasks,
            leaseSeconds,
            retentionHours),
        dashboardSettings,
        file);
  }

  private static int positive(String key, String value, Path file, int min) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new SettingsException(
        key
            + "='"
            + value
            + "' in the config file "
            + file
            + " is invalid: use a whole number of at least "
            + min);
  }

  /** Resource capacities, run limits and priority aging from the config file. */
  Limits limits() {
    return limits;
  }

  static String envName(String key) {
    return "SCHEDULERD_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String check(String key, String value, String source) {
    switch (key) {
      case "no-daemon" -> {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new SettingsException(
              "no-daemon='" + value + "' in " + source + " is invalid: use true or false");
        }
      }
      case "stop-grace" -> {
        try {
          if (Integer.parseInt(value) < 0) {
            throw new NumberFormatException();
          }
        } catch (NumberFormatException e) {
          throw new SettingsException(
              "stop-grace='" + value + "' in " + source + " is invalid: use whole seconds, e.g. 5");
        }
      }
      default -> {}
    }
    return value;
  }

  private static @Nullable Path configFile(
      @Nullable String configOption, Map<String, String> env, Path home) {
    if (configOption != null) {
      return existing(Path.of(configOption), "--config");
    }
    String fromEnv = env.get("SCHEDULERD_CONFIG");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return existing(Path.of(fromEnv.strip()), "SCHEDULERD_CONFIG");
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".config");
    Path standard = base.resolve("schedulerd").resolve("schedulerd.properties");
    return Files.isRegularFile(standard) ? standard : null;
  }

  private static Path existing(Path file, String source) {
    if (!Files.isRegularFile(file)) {
      throw new SettingsException(
          "the config file " + file + " given by " + source + " does not exist or is not a file");
    }
    return file;
  }

  /** The dashboard's settings ({@code dashboard.*} keys), or its defaults. */
  Dashboard dashboard() {
    return dashboard;
  }

  private static Dashboard dashboard(Map<String, String> keys, @Nullable Path file) {
    Dashboard d = Dashboard.DEFAULT;
    boolean enabled = d.enabled();
    int port = d.port();
    String bind = d.bind();
    boolean readOnly = d.readOnly();
    List<String> hosts = d.allowedHosts();
    for (Map.Entry<String, String> key : keys.entrySet()) {
      String value = key.getValue();
      String where = "dashboard." + key.getKey() + "='" + value + "' in the config file " + file;
      switch (key.getKey()) {
        case "enabled" -> enabled = bool(value, where);
        case "read-only" -> readOnly = bool(value, where);
        case "bind" -> bind = value;
        case "allowed-hosts" ->
            hosts =
                java.util.Arrays.stream(value.split(","))
                    .map(String::strip)
                    .filter(h -> !h.isEmpty())
                    .toList();
        case "port" -> {
          try {
            port = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            port = -1;
          }
          if (port < 0 || port > 65535) {
            throw new SettingsException(where + " is not a port: use 0-65535 (0: any free one)");
          }
        }
        default ->
            throw new SettingsException(
                "unknown setting dashboard."
                    + key.getKey()
                    + " in the config file "
                    + file
                    + ": use dashboard.enabled, dashboard.port, dashboard.bind,"
                    + " dashboard.read-only or dashboard.allowed-hosts");
      }
    }
    return new Dashboard(enabled, port, bind, readOnly, hosts);
  }

  private static boolean bool(String value, String where) {
    return switch (value.toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new SettingsException(where + " is not true or false");
    };
  }

  /** The operator's executor policy from {@code executors.*} keys, without that prefix. */
  Map<String, String> executorSettings() {
    return executorSettings;
  }

  /** Options for the store from {@code store.*} keys. */
  Map<String, String> storeOptions() {
    return storeOptions;
  }

  @Nullable Path file() {
    return file;
  }

  /** The value of setting {@code key} (an option's long name) from the environment or file. */
  @Nullable String value(String key) {
    return values.get(key);
  }
}
