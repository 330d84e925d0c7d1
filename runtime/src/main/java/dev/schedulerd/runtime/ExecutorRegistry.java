package dev.schedulerd.runtime;

import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.SecretMask;
import dev.schedulerd.api.executor.TaskExecutor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executors this scheduler knows, by kind: loaded once, immutable afterwards, thread-safe.
 *
 * <p>Loading is deterministic: a provider that fails to load is logged and skipped (one broken
 * plug-in jar must not take the daemon down), but two executors claiming one kind stop start-up
 * with a message naming both classes and the jars they came from — silently picking one would run
 * tasks with code nobody chose.
 */
public final class ExecutorRegistry {
  private static final Logger log = LoggerFactory.getLogger(ExecutorRegistry.class);
  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

  private final Map<String, TaskExecutor> byKind;
  private final Map<String, Boolean> enabled;
  private final Map<String, EnvPolicy> envPolicies;

  private ExecutorRegistry(
      Map<String, TaskExecutor> byKind,
      Map<String, Boolean> enabled,
      Map<String, EnvPolicy> envPolicies) {
    this.byKind = byKind;
    this.enabled = enabled;
    this.envPolicies = envPolicies;
  }

  /** Every {@link TaskExecutor} that {@link ServiceLoader} finds through {@code classLoader}. */
  public static ExecutorRegistry load(ClassLoader classLoader) {
    return of(loadAll(TaskExecutor.class, classLoader));
  }

  /**
   * Every provider of {@code service} that loads; one that does not (a missing class, a throwing
   * constructor, a bad services file) is logged and skipped, and the rest still load.
   */
  static <S> List<S> loadAll(Class<S> service, ClassLoader classLoader) {
    List<S> loaded = new java.util.ArrayList<>();
    java.util.Iterator<S> providers = ServiceLoader.load(service, classLoader).iterator();
    while (true) {
      try {
        if (!providers.hasNext()) {
          return loaded;
        }
        loaded.add(providers.next());
      } catch (java.util.ServiceConfigurationError | LinkageError e) { // a broken plug-in jar
        log.error(
            "Skipping a {} plug-in that failed to load: {}. Tasks of its kind will be refused.",
            service.getSimpleName(),
            e.getMessage(),
            e);
      }
    }
  }

  /**
   * The given executors.
   *
   * @throws IllegalStateException when two have the same kind, or a kind is malformed
   */
  public static ExecutorRegistry of(Collection<? extends TaskExecutor> executors) {
    Map<String, TaskExecutor> byKind = new TreeMap<>();
    for (TaskExecutor executor : executors) {
      String kind = kindOf(executor);
      TaskExecutor previous = byKind.putIfAbsent(kind, executor);
      if (previous != null) {
        throw new IllegalStateException(
            "two executors provide the kind '"
                + kind
                + "': "
                + describe(previous)
                + " and "
                + describe(executor)
                + ". Remove one of the jars from the classpath.");
      }
    }
    Map<String, Boolean> enabled = new LinkedHashMap<>();
    byKind.forEach((kind, executor) -> enabled.put(kind, enabledByDefault(executor)));
    return new ExecutorRegistry(new LinkedHashMap<>(byKind), enabled, Map.of());
  }

  /**
   * Hands each executor the operator's {@code executors.KIND.*} settings (keys given here without
   * the {@code executors.} prefix, e.g. {@code shell.enabled}) and decides which are enabled.
   *
   * @return this registry, configured
   * @throws IllegalArgumentException naming the key when a setting is invalid
   */
  public ExecutorRegistry configure(Map<String, String> settings) {
    Map<String, Map<String, String>> byExecutor = new TreeMap<>();
    settings.forEach(
        (key, value) -> {
          int dot = key.indexOf('.');
          if (dot <= 0 || dot == key.length() - 1) {
            throw new IllegalArgumentException(
                "executors." + key + " is not of the form executors.KIND.SETTING");
          }
          byExecutor
              .computeIfAbsent(key.substring(0, dot), k -> new TreeMap<>())
              .put(key.substring(dot + 1), value);
        });
    for (String kind : byExecutor.keySet()) {
      if (!byKind.containsKey(kind)) {
        log.warn(
            "The config file sets executors.{}.* but no executor of kind '{}' is installed;"
                + " installed: {}",
            kind,
            kind,
            byKind.keySet());
      }
    }
    Map<String, Boolean> decided = new LinkedHashMap<>();
    Map<String, EnvPolicy> policies = new LinkedHashMap<>();
    byKind.forEach(
        (kind, executor) -> {
          ExecutorSettings own =
              new ExecutorSettings(kind, byExecutor.getOrDefault(kind, Map.of()));
          boolean on = own.flag("enabled", enabledByDefault(executor));
          policies.put(kind, EnvPolicy.of(own));
          try {
            executor.configure(own);
          } catch (IllegalArgumentException e) {
            throw e;
          } catch (RuntimeException e) {
            throw new IllegalStateException(
                "executor " + describe(executor) + " failed to take its settings: " + e, e);
          }
          decided.put(kind, on);
        });
    return new ExecutorRegistry(byKind, decided, Map.copyOf(policies));
  }

  /**
   * Where the executor of {@code kind} comes from: the jar (or directory) of its class, or
   * "built-in" when that is where this registry's own class was loaded from.
   */
  public String origin(String kind) {
    TaskExecutor executor = byKind.get(kind);
    if (executor == null) {
      return "unknown";
    }
    String own = location(ExecutorRegistry.class);
    String theirs = location(executor.getClass());
    return theirs.equals(own) || isBuiltIn(executor) ? "built-in" : theirs;
  }

  private static String location(Class<?> type) {
    var source = type.getProtectionDomain().getCodeSource();
    return source != null && source.getLocation() != null
        ? source.getLocation().getPath()
        : "an unknown location";
  }

  /** Closes every executor (guarded: one that throws does not stop the others). */
  public void closeAll() {
    for (TaskExecutor executor : byKind.values()) {
      try {
        executor.close();
      } catch (RuntimeException e) {
        log.warn("Executor {} failed to close", describe(executor), e);
      }
    }
  }

  /** Whether the operator lets tasks of this kind run (unknown kinds: false). */
  public boolean isEnabled(String kind) {
    return enabled.getOrDefault(kind, false);
  }

  /**
   * The daemon's variables that tasks of {@code kind} may use ({@code executors.KIND.allow-env});
   * none until {@link #configure} says otherwise.
   */
  public EnvPolicy envPolicy(String kind) {
    EnvPolicy policy = envPolicies.get(kind);
    return policy != null ? policy : EnvPolicy.none(kind);
  }

  /**
   * The values of every variable of {@code environment} that any executor's tasks may use: what the
   * daemon hides in every run's output and every log line.
   */
  public SecretMask secretMask(Map<String, String> environment) {
    Map<String, String> allowed = new TreeMap<>();
    environment.forEach(
        (name, value) -> {
          if (allowsAny(name)) {
            allowed.put(name, value);
          }
        });
    return SecretMask.of(allowed);
  }

  /** Whether the tasks of some executor may use the variable {@code name}. */
  public boolean allowsAny(String name) {
    for (EnvPolicy policy : envPolicies.values()) {
      if (policy.allows(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A plug-in's code is not ours: whatever it says, it stays off until the operator enables it,
   * like the built-in executors that act outside the daemon.
   */
  private static boolean enabledByDefault(TaskExecutor executor) {
    if (!isBuiltIn(executor)) {
      return false;
    }
    try {
      return executor.enabledByDefault();
    } catch (RuntimeException e) {
      log.warn(
          "Executor {} failed to say whether it is enabled; disabling it", describe(executor), e);
      return false;
    }
  }

  /** Whether the executor's class comes with the daemon, not from a plug-in's class loader. */
  static boolean isBuiltIn(TaskExecutor executor) {
    // The daemon's loader or one it delegates to; a plug-in's loader is a child of the daemon's.
    ClassLoader theirs = executor.getClass().getClassLoader();
    for (ClassLoader l = ExecutorRegistry.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l == theirs) {
        return true;
      }
    }
    return theirs == null;
  }

  public static ExecutorRegistry of(TaskExecutor... executors) {
    return of(List.of(executors));
  }

  public Optional<TaskExecutor> find(String kind) {
    return Optional.ofNullable(byKind.get(kind));
  }

  /** The known kinds, sorted. */
  public List<String> kinds() {
    return List.copyOf(byKind.keySet());
  }

  public Collection<TaskExecutor> executors() {
    return List.copyOf(byKind.values());
  }

  private static String kindOf(TaskExecutor executor) {
    String kind;
    try {
      kind = executor.kind();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "executor " + describe(executor) + " failed to report its kind: " + e, e);
    }
    if (kind == null || !KIND.matcher(kind).matches()) {
      throw new IllegalStateException(
          "executor "
              + describe(executor)
              + " reports the kind '"
              + kind
              + "'; a kind is 1-64 lowercase letters, digits, '_' or '-', starting with a letter");
    }
    return kind;
  }

  /** The executor's class and where it was loaded from, e.g. its jar. */
  static String describe(Object plugin) {
    Class<?> type = plugin.getClass();
    var source = type.getProtectionDomain().getCodeSource();
    String origin =
        source != null && source.getLocation() != null
            ? source.getLocation().toString()
            : "an unknown location";
    return type.getName() + " (from " + origin + ")";
  }
}
