package dev.schedulerd.executors;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a task's program is, decided by the daemon: what the allowlist is matched against and what
 * is executed is one absolute path, so neither the task's own PATH nor {@code ..} tricks change it.
 */
final class ProgramPaths {
  private ProgramPaths() {}

  /**
   * The absolute path of {@code program}: as written when it is absolute, normalized (no {@code .}
   * or {@code ..}) and an executable file; looked up on the daemon's PATH when it is a bare name.
   * Relative paths with a slash are refused: what they name depends on the working folder.
   */
  static Optional<Path> resolve(String program) {
    if (program.isEmpty() || program.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    if (!program.contains("/")) {
      return onPath(program);
    }
    try {
      Path path = Path.of(program);
      if (!path.isAbsolute() || !path.normalize().toString().equals(program)) {
        return Optional.empty();
      }
      return executable(path) ? Optional.of(path) : Optional.empty();
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }

  /** The first executable file named {@code name} in the daemon's PATH's absolute folders. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null || name.contains("/")) {
      return Optional.empty();
    }
    for (String folder : path.split(File.pathSeparator)) {
      if (folder.isEmpty() || !folder.startsWith("/")) {
        continue; // "" and relative entries mean the working folder: never trusted
      }
      try {
        Path candidate = Path.of(folder, name).normalize();
        if (executable(candidate)) {
          return Optional.of(candidate);
        }
      } catch (InvalidPathException e) {
        // not a path on this system
      }
    }
    return Optional.empty();
  }

  private static boolean executable(Path path) {
    return Files.isRegularFile(path) && Files.isExecutable(path);
  }
}
