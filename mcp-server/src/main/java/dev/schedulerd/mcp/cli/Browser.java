package dev.schedulerd.mcp.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens a URL in the user's browser where there is one: macOS's open, else xdg-open on a desktop.
 */
final class Browser {
  private Browser() {}

  static void open(String url, Path redirectFile) {
    String opener;
    if (System.getProperty("os.name", "").startsWith("Mac")) {
      opener = "/usr/bin/open";
    } else if ((System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null)
        && Files.isExecutable(Path.of("/usr/bin/xdg-open"))) {
      opener = "/usr/bin/xdg-open";
    } else {
      return; // a server or a container: the printed URL is the way in
    }
    try {
      Path page = redirect(url, redirectFile);
      new ProcessBuilder(List.of(opener, page.toUri().toString()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (java.io.IOException e) {
      // no browser after all: the URL was printed
    }
  }

  private static Path redirect(String url, Path file) throws java.io.IOException {
    String escaped = url.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    Files.deleteIfExists(file);
    try (var out =
        Files.newByteChannel(
            file,
            java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS),
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
      out.write(
          java.nio.ByteBuffer.wrap(
              ("<!doctype html><meta http-equiv=\"refresh\" content=\"0;url="
                      + escaped
                      + "\"><title>schedulerd</title>\n")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    return file;
  }
}
