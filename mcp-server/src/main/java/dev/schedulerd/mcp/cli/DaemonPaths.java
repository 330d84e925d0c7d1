package dev.schedulerd.mcp.cli;

import dev.schedulerd.store.json.SeedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * Where the background daemon of one user and one store listens: a socket in a private folder
 * ({@code $XDG_RUNTIME_DIR/schedulerd}, else {@code ~/.memory/run}; mode 0700, this user's), named
 * after the store so that each store has its own daemon. Not {@code /tmp}: another user could take
 * the name there first, and it is swept.
 *
 * @param folder the private folder
 * @param socket the daemon's socket in it
 * @param lock the file the front-ends lock while one of them starts the daemon
 * @param daemonLock the file the daemon locks for as long as it runs: one daemon per store
 */
record DaemonPaths(Path folder, Path socket, Path lock, Path daemonLock) {
  /** macOS allows 104 bytes in a socket path, Linux 108: stay under both. */
  static final int MAX_SOCKET_PATH_BYTES = 100;

  private static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rwx------");

  /** The paths of the daemon of {@code storeSpec}, in the folder the environment gives. */
  static DaemonPaths of(String storeSpec, Map<String, String> environment) {
    return in(defaultFolder(environment), storeSpec);
  }

  /** The paths of the daemon of {@code storeSpec} in {@code folder}. */
  static DaemonPaths in(Path folder, String storeSpec) {
    String name = nameOf(storeSpec);
    return new DaemonPaths(
        folder,
        folder.resolve(name + ".sock"),
        folder.resolve(name + ".lock"),
        folder.resolve(name + ".daemon"));
  }

  /** The same lock files, with the socket at {@code path} (given by {@code --socket}). */
  DaemonPaths withSocket(Path path) {
    return new DaemonPaths(folder, path, lock, daemonLock);
  }

  static Path defaultFolder(Map<String, String> environment) {
    String runtime = environment.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
      return Path.of(runtime, "schedulerd");
    }
    return SeedFiles.home().resolve(".memory").resolve("run"); // beside the default store
  }

  /**
   * {@code default} for the default store, else a short digest of the store's spec: a socket name
   * that fits the path limit whatever the spec (a PostgreSQL URL, a long file path).
   */
  static String nameOf(String storeSpec) {
    String spec = storeSpec.strip();
    if (spec.equals("sqlite") || spec.equals("sqlite:")) {
      return "default";
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(spec.getBytes(StandardCharsets.UTF_8));
      return "store-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * Creates the folder (0700) when missing, and checks that it is a folder of this user's that
   * nobody else may enter, and that the socket's path fits the platform's limit.
   *
   * @throws IllegalStateException saying what is wrong and how to fix it
   */
  void prepare() {
    try {
      if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
        Path parent = folder.getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        try {
          // Made here, atomically: a symlink or folder someone put there first fails this.
          Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PRIVATE));
          Files.setPosixFilePermissions(folder, PRIVATE); // the umask may have narrowed it
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // made meanwhile, by another front-end or not: checked below like any found folder
        }
      }
      if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
        throw new IllegalStateException(
            "the daemon's folder " + folder + " is not a folder (a symlink or a file); remove it");
      }
      String owner = Files.getOwner(folder, LinkOption.NOFOLLOW_LINKS).getName();
      String me = System.getProperty("user.name");
      if (!owner.equals(me)) {
        throw new IllegalStateException(
            "the daemon's folder "
                + folder
                + " belongs to "
                + owner
                + ", not "
                + me
                + "; remove it, or set XDG_RUNTIME_DIR to a folder of yours");
      }
      Set<PosixFilePermission> mode =
          Files.getPosixFilePermissions(folder, LinkOption.NOFOLLOW_LINKS);
      if (!mode.equals(PRIVATE)) {
        throw new IllegalStateException(
            "the daemon's folder "
                + folder
                + " is mode "
                + PosixFilePermissions.toString(mode)
                + ": others could reach the daemon's socket; run chmod 700 "
                + folder);
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "could not prepare the daemon's folder " + folder + ": " + e.getMessage(), e);
    }
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_SOCKET_PATH_BYTES) {
      throw new IllegalStateException(
          "the daemon's socket path "
              + socket
              + " is "
              + length
              + " bytes long, over the "
              + MAX_SOCKET_PATH_BYTES
              + " a Unix socket allows; set XDG_RUNTIME_DIR to a shorter folder");
    }
  }
}
