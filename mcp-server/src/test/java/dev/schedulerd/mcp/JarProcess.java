package dev.schedulerd.mcp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The shaded jar run as its own process, for the *IT tests. */
record JarProcess(int exitCode, String stdout, String stderr) {

  static Path jar() {
    String jar = System.getProperty("schedulerd.jar");
    if (jar == null) {
      throw new IllegalStateException("run through failsafe: schedulerd.jar is not set");
    }
    return Path.of(jar);
  }

  static ProcessBuilder builder(Path home, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    // sqlite-jdbc copies its native library to a temporary file at each start; a process killed
    // with SIGKILL leaves it behind, so each test's copies go to its own folder, not /tmp.
    command.add("-Dorg.sqlite.tmpdir=" + home);
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("SCHEDULERD_"));
    // Served in the test's process, as before the background daemon: a test of the daemon
    // (FrontEndIT) removes this, and gives it a runtime folder of its own.
    env.put("SCHEDULERD_NO_DAEMON", "true");
    env.put("HOME", home.toString());
    // A daemon's socket goes to the test's own folder, never the user's own runtime folder.
    Path runtime = home.resolve("xdg");
    try {
      Files.createDirectories(runtime);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    env.put("XDG_RUNTIME_DIR", runtime.toString());
    env.remove("XDG_CONFIG_HOME");
    return builder;
  }

  /** Runs to completion with {@code stdin} as input. */
  static JarProcess run(Path home, String stdin, String... args) throws Exception {
    return run(builder(home, List.of(args)), home, stdin);
  }

  /**
   * Runs to completion as a process that file permissions bind even when the tests run as root (CI
   * does): the capabilities that let root read and write any file are dropped with setpriv. Without
   * root, runs as it is.
   */
  static JarProcess runBoundByFilePermissions(Path home, String stdin, String... args)
      throws Exception {
    ProcessBuilder builder = builder(home, List.of(args));
    if (System.getProperty("user.name").equals("root")) {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          Files.isExecutable(Path.of("/usr/bin/setpriv")),
          "as root, file permissions bind only through setpriv (util-linux), missing here");
      builder
          .command()
          .addAll(0, List.of("/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search"));
    }
    return run(builder, home, stdin);
  }

  private static JarProcess run(ProcessBuilder builder, Path home, String stdin) throws Exception {
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try (var in = process.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // it exited before reading its input (a usage error): fine
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(
          "schedulerd did not exit within 60 s; stderr: " + Files.readString(err));
    }
    return new JarProcess(process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
