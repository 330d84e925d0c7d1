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

  static void open(String url) {
    List<String> command;
    if (System.getProperty("os.name", "").startsWith("Mac")) {
      command = List.of("/usr/bin/open", url);
    } else if ((System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null)
        && Files.isExecutable(Path.of("/usr/bin/xdg-open"))) {
      command = List.of("/usr/bin/xdg-open", url);
    } else {
      return; // a server or a container: the printed URL is the way in
    }
    try {
      new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (java.io.IOException e) {
      // no browser after all: the URL was printed
    }
  }
}
