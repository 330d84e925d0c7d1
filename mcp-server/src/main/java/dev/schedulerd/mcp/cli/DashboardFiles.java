package dev.schedulerd.mcp.cli;

import dev.schedulerd.store.json.SeedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.jspecify.annotations.Nullable;

/**
 * Where a store's dashboard keeps its login: the token (kept across restarts, so a signed-in page
 * stays signed in) and the login URL of the running daemon, both in {@code ~/.memory} beside the
 * default store and the daemon's log, readable by this user only.
 */
final class DashboardFiles {
  private DashboardFiles() {}

  static Path token(String store) {
    return folder().resolve(base(store) + ".token");
  }

  static Path url(String store) {
    return folder().resolve(base(store) + ".url");
  }

  /** The page that takes a browser to the sign-in URL (written only when one is opened). */
  static Path openingPage(String store) {
    return folder().resolve(base(store) + "-open.html");
  }

  /** Writes the login URL (it holds the token) for {@code schedulerd dashboard}, mode 0600. */
  static void writeUrl(String store, String loginUrl) throws IOException {
    Path file = url(store);
    Files.createDirectories(folder());
    Path written =
        Files.createTempFile(
            folder(),
            ".dashboard",
            ".url",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(written, loginUrl + "\n", StandardCharsets.UTF_8);
    Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Removes the login URL: the dashboard stopped. */
  static void removeUrl(String store) {
    try {
      Files.deleteIfExists(url(store));
    } catch (IOException e) {
      // a URL file that stays names a port nobody serves: schedulerd dashboard asks the daemon
      // first
    }
  }

  /** The login URL the running daemon wrote, or null. */
  static @Nullable String readUrl(String store) {
    Path file = url(store);
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
      String url = Files.readString(file, StandardCharsets.UTF_8).strip();
      return url.startsWith("http") ? url : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static Path folder() {
    return SeedFiles.home().resolve(".memory");
  }

  private static String base(String store) {
    String name = DaemonPaths.nameOf(store);
    return name.equals("default") ? "dashboard" : "dashboard-" + name;
  }
}
