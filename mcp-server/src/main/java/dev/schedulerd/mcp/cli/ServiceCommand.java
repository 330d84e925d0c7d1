package dev.schedulerd.mcp.cli;

import dev.schedulerd.store.json.SeedFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code schedulerd service install|uninstall|status}: the store's background daemon as a service
 * of this user, started at login and again after a crash — a systemd user unit on Linux, a launchd
 * agent on macOS. Front-ends then find it on its socket and never start one of their own.
 */
final class ServiceCommand {
  /** How long one call of systemctl or launchctl may take. */
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

  private final List<String> daemonCommand;
  private final String store;
  private final String name;
  private final Path home;
  private final boolean macOs;
  private final PrintStream out;

  /**
   * @param store the daemon's store: it goes in the service's environment, in a file only this user
   *     may read, never on the daemon's command line
   */
  ServiceCommand(
      List<String> daemonCommand,
      String store,
      String name,
      Path home,
      boolean macOs,
      PrintStream out) {
    this.daemonCommand = List.copyOf(daemonCommand);
    this.store = store;
    this.name = name;
    this.home = home;
    this.macOs = macOs;
    this.out = out;
  }

  /** For the command line given: the daemon of its store, run as this JVM runs. */
  static int run(CommandLineArgs cli, String[] args, PrintStream out) {
    String store = DaemonCommand.normalizedStore(cli.text(CommandLineArgs.STORE));
    List<String> passed = new ArrayList<>(List.of(args).subList(1, args.length));
    passed.remove(cli.action());
    ServiceCommand service =
        new ServiceCommand(
            DaemonCommand.of(passed.toArray(String[]::new)),
            store,
            DaemonPaths.nameOf(store),
            SeedFiles.home(),
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac"),
            out);
    return switch (cli.action()) {
      case "install" -> service.install();
      case "uninstall" -> service.uninstall();
      default -> service.status();
    };
  }

  /** The unit's (or agent's) name: one per store. */
  String serviceName() {
    return name.equals("default") ? "schedulerd" : "schedulerd-" + name;
  }

  /** Where the unit file (or the agent's plist) goes. */
  Path file() {
    return macOs
        ? home.resolve("Library/LaunchAgents/dev.schedulerd." + serviceName() + ".plist")
        : home.resolve(".config/systemd/user/" + serviceName() + ".service");
  }

  /** The systemd user unit that runs the daemon, restarted when it fails. */
  String systemdUnit() {
    StringBuilder exec = new StringBuilder();
    for (String word : daemonCommand) {
      if (exec.length() > 0) {
        exec.append(' ');
      }
      exec.append(systemdQuoted(word));
    }
    return "[Unit]\n"
        + "Description=schedulerd, the task scheduler that AI agents drive over MCP ("
        + serviceName()
        + ")\n"
        // Never give up restarting: a node started while its database is down exits after 10 s
        // (exit code 1), and must come back by itself once the database does.
        + "StartLimitIntervalSec=0\n"
        + "\n"
        + "[Service]\n"
        + "Type=simple\n"
        + "Environment="
        + systemdQuoted(DaemonCommand.STORE_VARIABLE + "=" + store)
        + "\n"
        + "Environment="
        + systemdQuoted(
            DaemonAnswers.SERVICE_VARIABLE
                + "=systemctl --user restart "
                + serviceName()
                + ".service")
        + "\n"
        + "ExecStart="
        + exec
        + "\n"
        + "Restart=on-failure\n"
        // 3: a daemon of the store runs already (one a client started): not a crash to repeat.
        + "RestartPreventExitStatus=3\n"
        + "RestartSec=5\n"
        + "TimeoutStopSec=60\n"
        + "\n"
        + "[Install]\n"
        + "WantedBy=default.target\n";
  }

  /** The launchd agent: started at login, started again unless it exited cleanly. */
  String launchdAgent() {
    StringBuilder arguments = new StringBuilder();
    for (String word : daemonCommand) {
      arguments.append("    <string>").append(xml(word)).append("</string>\n");
    }
    Path log = home.resolve(".memory").resolve(serviceName() + ".log");
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\""
        + " \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
        + "<plist version=\"1.0\">\n<dict>\n"
        + "  <key>Label</key>\n  <string>dev.schedulerd."
        + xml(serviceName())
        + "</string>\n"
        + "  <key>ProgramArguments</key>\n  <array>\n"
        + arguments
        + "  </array>\n"
        + "  <key>EnvironmentVariables</key>\n  <dict>\n    <key>"
        + DaemonCommand.STORE_VARIABLE
        + "</key>\n    <string>"
        + xml(store)
        + "</string>\n    <key>"
        + DaemonAnswers.SERVICE_VARIABLE
        + "</key>\n    <string>launchctl kickstart -k gui/$(id -u)/dev.schedulerd."
        + xml(serviceName())
        + "</string>\n  </dict>\n"
        + "  <key>RunAtLoad</key>\n  <true/>\n"
        + "  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n"
        + "  </dict>\n"
        + "  <key>StandardOutPath</key>\n  <string>"
        + xml(log.toString())
        + "</string>\n"
        + "  <key>StandardErrorPath</key>\n  <string>"
        + xml(log.toString())
        + "</string>\n"
        + "</dict>\n</plist>\n";
  }

  /** Writes the unit (or agent) file, readable by this user alone. */
  Path writeFile() {
    Path file = file();
    try {
      Path folder = file.getParent();
      if (folder != null) {
        Files.createDirectories(folder);
      }
      // Only this user may read it: the store (a database URL with its password) is in it.
      Files.deleteIfExists(file);
      Files.createFile(
          file,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, macOs ? launchdAgent() : systemdUnit(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("could not write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  int install() {
    Path file = writeFile();
    out.println("Wrote " + file);
    List<List<String>> steps =
        macOs
            ? List.of(List.of("launchctl", "load", "-w", file.toString()))
            : List.of(
                List.of("systemctl", "--user", "daemon-reload"),
                List.of("systemctl", "--user", "enable", "--now", serviceName() + ".service"));
    return runOrSay(steps, "to start it now and at each login");
  }

  int uninstall() {
    Path file = file();
    if (!Files.exists(file)) {
      out.println("No service installed: " + file + " does not exist");
      return 0;
    }
    List<List<String>> steps =
        macOs
            ? List.of(List.of("launchctl", "unload", "-w", file.toString()))
            : List.of(
                List.of("systemctl", "--user", "disable", "--now", serviceName() + ".service"));
    int code = runOrSay(steps, "to stop it");
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new IllegalStateException("could not remove " + file + ": " + e.getMessage(), e);
    }
    out.println("Removed " + file);
    if (!macOs) {
      runOrSay(List.of(List.of("systemctl", "--user", "daemon-reload")), "to forget it");
    }
    return code;
  }

  int status() {
    Path file = file();
    if (!Files.exists(file)) {
      out.println("Not installed (" + file + " does not exist); schedulerd service install");
      return 3;
    }
    out.println("Installed: " + file);
    List<String> query =
        macOs
            ? List.of("launchctl", "list", "dev.schedulerd." + serviceName())
            : List.of("systemctl", "--user", "is-active", serviceName() + ".service");
    Result result = runTool(query);
    out.println(
        result.started()
            ? String.join(" ", query) + ": " + result.output().strip()
            : "(" + query.get(0) + " is not available here: " + result.output() + ")");
    return result.code() == 0 ? 0 : 3;
  }

  /**
   * Runs each step; where the service manager is missing or refuses (no user session, a container),
   * says which commands to run instead.
   */
  private int runOrSay(List<List<String>> steps, String why) {
    for (List<String> step : steps) {
      Result result = runTool(step);
      if (!result.started() || result.code() != 0) {
        out.println(
            "Could not run '"
                + String.join(" ", step)
                + "' ("
                + result.output().strip()
                + "); run "
                + (steps.size() > 1 ? "these" : "it")
                + " yourself "
                + why
                + ":");
        steps.forEach(s -> out.println("  " + String.join(" ", s)));
        return 1;
      }
    }
    steps.forEach(s -> out.println("Ran: " + String.join(" ", s)));
    return 0;
  }

  private record Result(boolean started, int code, String output) {}

  private static Result runTool(List<String> command) {
    Path output = null;
    try {
      output = Files.createTempFile("schedulerd-service", ".out");
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(true, -1, "no answer within " + TOOL_TIMEOUT.toSeconds() + " s");
      }
      String text;
      try (var in = Files.newInputStream(output)) {
        text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      }
      return new Result(true, process.exitValue(), text);
    } catch (IOException e) {
      return new Result(false, -1, String.valueOf(e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, -1, "interrupted");
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException e) {
          // a temporary file left behind
        }
      }
    }
  }

  /**
   * A word of ExecStart as systemd reads it: double-quoted, with {@code \}, {@code "} escaped and
   * {@code %} and {@code $} doubled, so that no path or option is split or expanded.
   */
  static String systemdQuoted(String word) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : word.toCharArray()) {
      switch (c) {
        case '\\' -> quoted.append("\\\\");
        case '"' -> quoted.append("\\\"");
        case '%' -> quoted.append("%%");
        case '$' -> quoted.append("$$");
        default -> quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }

  private static String xml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
