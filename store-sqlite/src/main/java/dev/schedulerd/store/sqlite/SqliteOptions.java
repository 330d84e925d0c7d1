package dev.schedulerd.store.sqlite;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How the SQLite store opens its file.
 *
 * @param file the database file; created with its parent directories when missing
 * @param synchronous how hard a commit pushes data to disk; see {@link Synchronous}
 * @param busyTimeout how long a write waits for another process's write to finish before failing
 * @param runsKeptPerTask run records kept per task; older ones are deleted as new ones arrive
 * @param runsSyncedWithin at {@code synchronous=full}, how long a commit of the scheduler's own
 *     bookkeeping of runs (claims, lease renewals, runs' ends) may wait for its fsync, which the
 *     next commit a caller waits on makes anyway (default 50 ms); zero syncs each at once
 */
public record SqliteOptions(
    Path file,
    Synchronous synchronous,
    Duration busyTimeout,
    int runsKeptPerTask,
    Duration runsSyncedWithin) {

  /** The longest {@link #runsSyncedWithin}: a power cut loses at most this much of runs' ends. */
  public static final Duration MAX_RUNS_SYNCED_WITHIN = Duration.ofSeconds(1);

  /** Where tasks live when nothing else is configured: next to the seed's JSON file. */
  public static Path defaultFile() {
    return home().resolve(".memory").resolve("scheduler.db");
  }

  /** {@code $HOME} as the shell (and the seed) sees it; Java's user.home ignores it. */
  static Path home() {
    String home = System.getenv("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
  }

  /**
   * SQLite's {@code PRAGMA synchronous} in WAL mode. Either way an acknowledged write survives the
   * process being killed ({@code kill -9}): the commit is in the operating system's page cache
   * before the caller hears of it.
   */
  public enum Synchronous {
    /**
     * fsync of the write-ahead log on every commit: an acknowledged write also survives power loss
     * or a kernel crash. The default; group commit keeps its cost to one fsync per batch.
     */
    FULL,
    /**
     * fsync only at checkpoints: faster, but the last commits before a power loss or kernel crash
     * may be lost (the file stays consistent).
     */
    NORMAL
  }

  public SqliteOptions {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(synchronous, "synchronous");
    Objects.requireNonNull(busyTimeout, "busyTimeout");
    if (busyTimeout.isNegative()) {
      throw new IllegalArgumentException("busy timeout must not be negative, got " + busyTimeout);
    }
    if (runsKeptPerTask < 1) {
      throw new IllegalArgumentException(
          "runs kept per task must be at least 1, got " + runsKeptPerTask);
    }
    Objects.requireNonNull(runsSyncedWithin, "runsSyncedWithin");
    if (runsSyncedWithin.isNegative() || runsSyncedWithin.compareTo(MAX_RUNS_SYNCED_WITHIN) > 0) {
      throw new IllegalArgumentException(
          "runs' commits must be synced within 0 to 1000 ms, got "
              + runsSyncedWithin.toMillis()
              + " ms");
    }
  }

  public static SqliteOptions of(Path file) {
    return new SqliteOptions(
        file, Synchronous.FULL, Duration.ofSeconds(10), 1_000, Duration.ofMillis(50));
  }

  public SqliteOptions withSynchronous(Synchronous value) {
    return new SqliteOptions(file, value, busyTimeout, runsKeptPerTask, runsSyncedWithin);
  }

  public SqliteOptions withBusyTimeout(Duration value) {
    return new SqliteOptions(file, synchronous, value, runsKeptPerTask, runsSyncedWithin);
  }

  public SqliteOptions withRunsKeptPerTask(int value) {
    return new SqliteOptions(file, synchronous, busyTimeout, value, runsSyncedWithin);
  }

  public SqliteOptions withRunsSyncedWithin(Duration value) {
    return new SqliteOptions(file, synchronous, busyTimeout, runsKeptPerTask, value);
  }

  /**
   * Reads {@code PATH[?key=value&...]} (empty path = {@link #defaultFile()}) plus options given
   * separately (e.g. from a config file); the location's options win. Keys: {@code synchronous}
   * ({@code full|normal}), {@code busy_timeout_ms}, {@code runs_kept_per_task}, {@code
   * runs_synced_within_ms}.
   *
   * @throws IllegalArgumentException naming the key or value that is wrong
   */
  public static SqliteOptions parse(String location, Map<String, String> options) {
    String path = location;
    Map<String, String> all = new java.util.LinkedHashMap<>(options);
    int query = location.indexOf('?');
    if (query >= 0) {
      path = location.substring(0, query);
      for (String pair : location.substring(query + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "store option '" + pair + "' is not of the form key=value");
        }
        all.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    SqliteOptions result = of(path.isBlank() ? defaultFile() : expandHome(path.strip()));
    for (Map.Entry<String, String> option : all.entrySet()) {
      String value = option.getValue().strip();
      result =
          switch (option.getKey()) {
            case "synchronous" -> result.withSynchronous(parseSynchronous(value));
            case "busy_timeout_ms" ->
                result.withBusyTimeout(Duration.ofMillis(parseNumber(option.getKey(), value)));
            case "runs_kept_per_task" ->
                result.withRunsKeptPerTask((int) parseNumber(option.getKey(), value));
            case "runs_synced_within_ms" ->
                result.withRunsSyncedWithin(
                    Duration.ofMillis(parseNumber(option.getKey(), value, 1_000)));
            default ->
                throw new IllegalArgumentException(
                    "unknown sqlite store option '"
                        + option.getKey()
                        + "': use synchronous, busy_timeout_ms, runs_kept_per_task or"
                        + " runs_synced_within_ms");
          };
    }
    return result;
  }

  private static Synchronous parseSynchronous(String value) {
    try {
      return Synchronous.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "sqlite option synchronous='" + value + "' is invalid: use full or normal", e);
    }
  }

  private static long parseNumber(String key, String value) {
    return parseNumber(key, value, Integer.MAX_VALUE);
  }

  private static long parseNumber(String key, String value, long max) {
    try {
      long number = Long.parseLong(value);
      if (number < 0 || number > max) {
        throw new NumberFormatException("out of range");
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "sqlite option "
              + key
              + "='"
              + value
              + "' is invalid: use an integer from 0 to "
              + (max == Integer.MAX_VALUE ? "2147483647" : String.valueOf(max)),
          e);
    }
  }

  private static Path expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return Path.of(home() + path.substring(1));
    }
    return Path.of(path);
  }
}
