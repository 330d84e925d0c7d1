package dev.schedulerd.mcp.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The settings that shape a running daemon, as resolved from the command line, the environment and
 * the config file: a front-end compares its own with those of the daemon it reaches, since one
 * daemon serves every client of a store and a later client's settings do not reach it.
 */
final class DaemonOptions {
  private DaemonOptions() {}

  private static final List<CommandLineArgs.Option> SHAPING =
      List.of(
          CommandLineArgs.ZONE,
          CommandLineArgs.STOP_GRACE,
          CommandLineArgs.NODE_ID,
          CommandLineArgs.METRICS_PORT,
          CommandLineArgs.METRICS_BIND,
          CommandLineArgs.PLUGINS);

  /**
   * By name: each shaping option that has a value, folders as absolute paths, and the config file
   * with a digest of its content (an edited policy is another setting).
   */
  static Map<String, String> of(CommandLineArgs cli) {
    Map<String, String> options = new TreeMap<>();
    for (CommandLineArgs.Option option : SHAPING) {
      String value = cli.value(option);
      if (value != null) {
        options.put(
            option.name(),
            option == CommandLineArgs.PLUGINS ? absolute(value).toString() : value.strip());
      }
    }
    Path file = cli.settings().file();
    if (file != null) {
      options.put("config", absolute(file.toString()) + " (sha256 " + digest(file) + ")");
    }
    return options;
  }

  /**
   * What differs between the daemon's options and this client's, for a warning ("zone=Europe/Berlin
   * (here UTC)"), or null when they agree.
   */
  static @Nullable String differences(Map<String, String> daemons, Map<String, String> ours) {
    java.util.Set<String> names = new java.util.TreeSet<>(daemons.keySet());
    names.addAll(ours.keySet());
    StringBuilder said = new StringBuilder();
    for (String name : names) {
      String theirs = daemons.get(name);
      String mine = ours.get(name);
      if (!java.util.Objects.equals(theirs, mine)) {
        said.append(said.length() == 0 ? "" : ", ")
            .append(name)
            .append('=')
            .append(theirs == null ? "(unset)" : theirs)
            .append(" (here ")
            .append(mine == null ? "unset" : mine)
            .append(')');
      }
    }
    return said.length() == 0 ? null : said.toString();
  }

  static Path absolute(String path) {
    return Path.of(path.strip()).toAbsolutePath().normalize();
  }

  private static String digest(Path file) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      return HexFormat.of().formatHex(sha, 0, 6);
    } catch (IOException e) {
      return "unreadable";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
