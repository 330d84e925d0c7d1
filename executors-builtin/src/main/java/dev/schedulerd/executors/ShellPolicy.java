package dev.schedulerd.executors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.json.TaskJson;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the operator lets shell tasks run ({@code executors.KIND.*}): which programs ({@code allow},
 * matched against the absolute path the daemon resolves), whether shell strings may run ({@code
 * allow-shell-strings}), which variables a task may set ({@code allow-env}) and in which folders
 * ({@code allow-working-dirs}). Every decision is taken on the text the client wrote and the
 * daemon's own view of the file system. Immutable.
 */
final class ShellPolicy {
  /**
   * Programs whose job is to run another program or any code (shells, interpreters, launchers,
   * loaders), by file name, versioned names included: a glob in the allowlist never matches them,
   * since allowing one allows everything; only their exact path does.
   */
  static final java.util.regex.Pattern LAUNCHERS =
      java.util.regex.Pattern.compile(
          "env|[a-z]*sh|fish|busybox|toybox|setsid|nohup|xargs|sudo|su|doas|runuser|setpriv"
              + "|chroot|unshare|nsenter|timeout|nice|ionice|stdbuf|taskset|chrt|flock|script"
              + "|watch|time|strace|ltrace|gdb|valgrind|expect|python[0-9.]*|pypy[0-9.]*"
              + "|perl[0-9.]*|ruby[0-9.]*|irb|node(js)?|deno|bun|php[0-9.]*|lua(jit)?[0-9.]*"
              + "|tclsh[0-9.]*|wish[0-9.]*|[a-z]*awk|sed|find|g?make|java|jshell|jrunscript"
              + "|osascript|systemd-run|at|batch|crontab|ld(-linux.*|\\.so.*)?|x86_64|i[36]86"
              + "|linux(32|64)|setarch|prlimit|git|tar|n?vim?.*|ex|emacs.*|dbus-run-session"
              + "|run-parts|ssh-agent|pip[0-9.]*|sg|newgrp|parallel|start-stop-daemon|capsh"
              + "|fakeroot|proot|bwrap|firejail|tmux|screen|socat|docker|podman|kubectl");

  /**
   * Folders of the system's general-purpose programs: a glob over one allows its shells and
   * interpreters under other names too, so only exact paths of their programs may be listed.
   */
  private static final List<String> SYSTEM_FOLDERS =
      List.of(
          "/bin",
          "/sbin",
          "/usr/bin",
          "/usr/sbin",
          "/usr/local/bin",
          "/usr/local/sbin",
          "/usr/libexec",
          "/usr/lib",
          "/lib",
          "/lib64",
          "/usr/lib64",
          "/snap/bin",
          "/opt/homebrew");

  private final ExecutorSettings settings;
  private final List<String> allow;
  private final boolean allowShellStrings;
  private final EnvPolicy envPolicy;
  private final List<Path> workingDirs;

  private ShellPolicy(
      ExecutorSettings settings,
      List<String> allow,
      boolean allowShellStrings,
      EnvPolicy envPolicy,
      List<Path> workingDirs) {
    this.settings = settings;
    this.allow = List.copyOf(allow);
    this.allowShellStrings = allowShellStrings;
    this.envPolicy = envPolicy;
    this.workingDirs = List.copyOf(workingDirs);
  }

  /** Nothing allowed: what a shell executor holds until it is configured. */
  static ShellPolicy none(String kind) {
    return new ShellPolicy(
        ExecutorSettings.none(kind), List.of(), false, EnvPolicy.none(kind), List.of(daemonDir()));
  }

  /**
   * The operator's settings.
   *
   * @throws IllegalArgumentException naming the key when a setting is invalid
   */
  static ShellPolicy of(ExecutorSettings operatorSettings) {
    List<String> entries = new ArrayList<>();
    for (String pattern : operatorSettings.list("allow")) {
      try {
        FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            operatorSettings.keyName("allow") + ": '" + pattern + "' is not a valid glob", e);
      }
      entries.add(allowEntry(pattern, operatorSettings.keyName("allow")));
    }
    List<Path> dirs = new ArrayList<>(List.of(daemonDir()));
    for (String dir : operatorSettings.list("allow-working-dirs")) {
      Path path = Path.of(dir);
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException(
            operatorSettings.keyName("allow-working-dirs")
                + ": '"
                + dir
                + "' is not an absolute path");
      }
      dirs.add(realOrNormal(path));
    }
    return new ShellPolicy(
        operatorSettings,
        entries,
        operatorSettings.flag("allow-shell-strings", false),
        EnvPolicy.of(operatorSettings),
        dirs);
  }

  EnvPolicy envPolicy() {
    return envPolicy;
  }

  /** The setting {@code key}'s full name, for messages. */
  String keyName(String key) {
    return settings.keyName(key);
  }

  static Path daemonDir() {
    return Path.of("").toAbsolutePath().normalize();
  }

  /**
   * An allow entry as matched: {@code *} and absolute globs as written; a bare program name is
   * looked up on the daemon's PATH now, since tasks' programs are matched by absolute path.
   */
  private static String allowEntry(String pattern, String key) {
    if (pattern.equals("*")) {
      return pattern;
    }
    if (pattern.startsWith("/")) {
      int glob = indexOfGlob(pattern);
      if (glob >= 0) {
        String fixed = pattern.substring(0, glob);
        String folder =
            fixed.endsWith("/") ? fixed : fixed.substring(0, fixed.lastIndexOf('/') + 1);
        for (String system : SYSTEM_FOLDERS) {
          if ((system + "/").startsWith(folder) || folder.startsWith(system + "/")) {
            throw new IllegalArgumentException(
                key
                    + ": '"
                    + pattern
                    + "' is a glob over "
                    + system
                    + ", whose shells, interpreters and launchers (under many names) would let a"
                    + " task run anything; list the programs by exact path (e.g. /usr/bin/rsync),"
                    + " or put the allowed ones in a folder of their own (e.g. /opt/jobs/*)");
          }
        }
      }
      return pattern;
    }
    if (pattern.contains("/") || pattern.contains("*") || pattern.contains("?")) {
      throw new IllegalArgumentException(
          key
              + ": '"
              + pattern
              + "' is neither an absolute path or glob nor a bare program name; programs are"
              + " matched by absolute path, e.g. /usr/bin/rsync or /opt/jobs/*");
    }
    return ProgramPaths.onPath(pattern).map(Path::toString).orElse("/nonexistent/" + pattern);
  }

  private static int indexOfGlob(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if ("*?[{".indexOf(pattern.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** Whether the program, or what a symbolic link of that name leads to, runs other programs. */
  private static boolean isLauncher(Path program) {
    if (isLauncherName(program)) {
      return true;
    }
    try {
      return isLauncherName(program.toRealPath());
    } catch (IOException e) {
      return true; // cannot tell: not through a glob
    }
  }

  private static boolean isLauncherName(Path program) {
    Path name = program.getFileName();
    return name != null && LAUNCHERS.matcher(name.toString()).matches();
  }

  private static Path realOrNormal(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }

  /**
   * The argv to execute for {@code command}, its program resolved to an absolute path; null with
   * the problems added when it may not run.
   */
  @Nullable List<String> planCommand(@Nullable JsonNode command, List<String> problems) {
    if (command == null || command.isNull()) {
      problems.add("command: required, e.g. [\"/usr/local/bin/backup\", \"--full\"]");
      return null;
    }
    if (command.isTextual()) {
      if (!allowShellStrings) {
        problems.add(
            "command: a single string would run through /bin/sh -c, which this daemon does not"
                + " allow (the operator allows it with "
                + settings.keyName("allow-shell-strings")
                + "=true); give an argv list instead, e.g. [\"/bin/echo\", \"hello\"]");
        return null;
      }
      if (allow.contains("*")) {
        return List.of("/bin/sh", "-c", command.asText());
      }
      Optional<List<String>> words = ShellWords.plain(command.asText());
      if (words.isEmpty()) {
        problems.add(
            "command: this string uses shell syntax (an operator, substitution, redirection,"
                + " glob, escape or newline), and only "
                + settings.keyName("allow")
                + "=* lets such strings run; give an argv list instead, e.g."
                + " [\"/opt/jobs/report\", \"--daily\"]");
        return null;
      }
      return planArgv(words.get(), problems);
    }
    if (!command.isArray() || command.isEmpty()) {
      problems.add(
          "command: expected a non-empty list of strings, got " + TaskJson.kindOf(command));
      return null;
    }
    List<String> argv = new ArrayList<>();
    for (JsonNode arg : command) {
      if (!arg.isTextual()) {
        problems.add("command: every element must be a string, got " + TaskJson.kindOf(arg));
        return null;
      }
      argv.add(arg.asText());
    }
    return planArgv(argv, problems);
  }

  private @Nullable List<String> planArgv(List<String> argv, List<String> problems) {
    if (allow.isEmpty()) {
      problems.add(
          "command: nothing may run yet: the operator lists allowed commands in "
              + settings.keyName("allow")
              + " (comma-separated exact paths or globs over a folder of their own, e.g. /usr/bin/rsync,/opt/jobs/*)");
      return null;
    }
    String program = argv.get(0);
    Optional<Path> resolved = ProgramPaths.resolve(program);
    if (resolved.isEmpty()) {
      problems.add(
          "command: '"
              + program
              + "' is not an executable file on this daemon: give an absolute path without . or"
              + " .. (e.g. /usr/bin/echo), or a program name on the daemon's PATH");
      return null;
    }
    String path = resolved.get().toString();
    boolean launcher = isLauncher(resolved.get());
    for (String pattern : allow) {
      if (pattern.equals("*") || pattern.equals(path) || (!launcher && matches(pattern, path))) {
        List<String> planned = new ArrayList<>(argv);
        planned.set(0, path);
        return planned;
      }
    }
    problems.add(
        "command: '"
            + program
            + "'"
            + (path.equals(program) ? "" : " (" + path + ")")
            + (launcher
                ? " runs other programs, so a glob never allows it, only its exact path (which"
                    + " allows every program); "
                : " is not allowed on this daemon; ")
            + "the operator allows commands in "
            + settings.keyName("allow")
            + " (now: "
            + String.join(", ", settings.list("allow"))
            + ")");
    return null;
  }

  private static boolean matches(String pattern, String program) {
    try {
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      return matcher.matches(Path.of(program));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Why {@code dir} may not be a task's working folder, if it may not. */
  Optional<String> checkWorkingDir(String dir) {
    Path path = Path.of(dir);
    if (path.isAbsolute()) {
      Path real = realOrNormal(path);
      for (Path allowed : workingDirs) {
        if (real.startsWith(allowed)) {
          return Optional.empty();
        }
      }
    }
    return Optional.of(
        "working_dir: '"
            + dir
            + "' is not a folder tasks may run in on this daemon; the operator lists them in "
            + settings.keyName("allow-working-dirs")
            + " (absolute paths; allowed now: "
            + String.join(", ", workingDirs.stream().map(Path::toString).toList())
            + ")");
  }
}
