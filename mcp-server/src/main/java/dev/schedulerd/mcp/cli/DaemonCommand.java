package dev.schedulerd.mcp.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The command line a front-end starts the background daemon of its store with. */
final class DaemonCommand {
  private DaemonCommand() {}

  /** The variable that gives the daemon its store: never its command line, which any user sees. */
  static final String STORE_VARIABLE = "SCHEDULERD_STORE";

  /**
   * The same JVM (binary and flags) running {@code schedulerd daemon} with the front-end's options
   * but its store, which goes in the daemon's environment ({@link #STORE_VARIABLE}): a PostgreSQL
   * URL may hold a password, and a process's arguments are readable by every user, its environment
   * only by its own.
   */
  static List<String> of(String[] frontEndArgs) {
    List<String> command = new ArrayList<>(jvm());
    command.add("daemon");
    command.addAll(passedOn(frontEndArgs));
    return command;
  }

  /**
   * The java binary, its flags and {@code -jar JAR} as this process was started; the class path and
   * main class when it was not started from the jar.
   */
  private static List<String> jvm() {
    ProcessHandle.Info info = ProcessHandle.current().info();
    String java =
        info.command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Optional<String[]> arguments = info.arguments();
    if (arguments.isPresent()) {
      String[] all = arguments.get();
      for (int i = 0; i + 1 < all.length; i++) {
        if (all[i].equals("-jar")) {
          List<String> jvm = new ArrayList<>();
          jvm.add(java);
          String daemonCache = System.getenv("SCHEDULERD_DAEMON_AOT");
          for (String flag : List.of(all).subList(0, i + 2)) {
            String daemons = daemonsFlag(flag, daemonCache);
            if (daemons != null) {
              jvm.add(daemons);
            }
          }
          return jvm;
        }
      }
    }
    return List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName());
  }

  /**
   * The daemon's form of one of the front-end's JVM flags, or null to leave it out: a class cache
   * being written (training) is the front-end's alone; a class cache read is the daemon's own when
   * the launcher names one ({@code SCHEDULERD_DAEMON_AOT}: the front-end's cache holds few of the
   * daemon's classes).
   */
  static @Nullable String daemonsFlag(String flag, @Nullable String daemonCache) {
    if (flag.startsWith("-XX:AOTCacheOutput")
        || flag.startsWith("-XX:AOTMode")
        || flag.startsWith("-XX:AOTConfiguration")
        || flag.startsWith("-XX:ArchiveClassesAtExit")) {
      return null;
    }
    if (flag.startsWith("-XX:AOTCache=") && daemonCache != null && !daemonCache.isBlank()) {
      return "-XX:AOTCache=" + daemonCache;
    }
    return flag;
  }

  /**
   * The daemon's environment beyond what it inherits: its store, and the config file and plug-in
   * folder named by variables as absolute paths (the daemon runs in the user's home).
   */
  static Map<String, String> environment(String store, Map<String, String> inherited) {
    Map<String, String> set = new java.util.HashMap<>();
    set.put(STORE_VARIABLE, store);
    for (String variable : List.of("SCHEDULERD_CONFIG", "SCHEDULERD_PLUGINS")) {
      String value = inherited.get(variable);
      if (value != null && !value.isBlank()) {
        set.put(variable, DaemonOptions.absolute(value).toString());
      }
    }
    return set;
  }

  /**
   * The front-end's options but those only it uses (the mode, --no-daemon and --store), with the
   * config file and plug-in folder as absolute paths: the daemon runs in the user's home.
   */
  static List<String> passedOn(String[] args) {
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if ((arg.equals("--config") || arg.equals("--plugins")) && i + 1 < args.length) {
        kept.add(arg);
        kept.add(DaemonOptions.absolute(args[++i]).toString());
        continue;
      }
      if (arg.startsWith("--config=") || arg.startsWith("--plugins=")) {
        int eq = arg.indexOf('=');
        kept.add(arg.substring(0, eq + 1) + DaemonOptions.absolute(arg.substring(eq + 1)));
        continue;
      }
      if (arg.equals("serve") || arg.equals("--no-daemon") || arg.startsWith("--no-daemon=")) {
        continue;
      }
      if (arg.equals("--store")) {
        i++; // and its value
        continue;
      }
      if (arg.startsWith("--store=")) {
        continue;
      }
      kept.add(arg);
    }
    return kept;
  }

  /**
   * The store as every front-end names it, whatever folder it was started in: a SQLite file by its
   * absolute path (so {@code ./tasks.db} and {@code /home/me/tasks.db} share one daemon).
   */
  static String normalizedStore(String spec) {
    StoreSelection selection = StoreSelection.parse(spec);
    boolean fileStore = selection.name().equals("sqlite") || selection.name().equals("json");
    if (!fileStore || selection.location().isBlank()) {
      return spec.strip();
    }
    String location = selection.location();
    int query = location.indexOf('?');
    String options = query < 0 ? "" : location.substring(query);
    try {
      Path file = selection.file(); // absolute: the daemon runs in the user's home
      return file == null ? spec.strip() : selection.name() + ":" + file + options;
    } catch (IllegalArgumentException e) {
      return spec.strip(); // the daemon says what is wrong with it
    }
  }
}
