package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the checkout finds a Java (.ci/find-jdk and the launcher): JDKs where SDKMAN and Homebrew put
 * them are found, and running a built jar needs no javac. Fake JDKs with newer versions than any
 * installed one show which was picked.
 */
class JdkDiscoveryIT {
  private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();
  private final Path realJava = Path.of(System.getProperty("java.home"), "bin", "java");

  @TempDir Path home;

  @Test
  void aJavaRuntimeWithoutJavacIsEnoughToRunNotToBuild() throws Exception {
    Path sdkman = fakeJdk(home.resolve(".sdkman/candidates/java/99.0.1-tem"), "99.0.1", false);

    assertThat(findJdk("--runtime")).isEqualTo(sdkman.toString());
    assertThat(findJdk()).as("a build needs javac").isNotEqualTo(sdkman.toString());
  }

  @Test
  void findsHomebrewJdksInTheirMacOsAndLinuxLayouts() throws Exception {
    Path brew = home.resolve("brew");
    Path macOs =
        fakeJdk(brew.resolve("opt/openjdk@97/libexec/openjdk.jdk/Contents/Home"), "97", true);
    assertThat(findJdk()).isEqualTo(macOs.toString());

    Path linux = fakeJdk(brew.resolve("opt/openjdk@98/libexec"), "98", true);
    assertThat(findJdk()).isEqualTo(linux.toString());
  }

  @Test
  void aGivenJavaHomeWithoutJavacRunsTheBuiltJar() throws Exception {
    Path jar = CHECKOUT.resolve("mcp-server/target/schedulerd.jar");
    assertThat(jar).as("built by the package phase before the integration tests").exists();
    // A runtime of version 25 (this JDK behind it) whose java leaves a mark when it is used.
    Path runtime = home.resolve("jre");
    Files.createDirectories(runtime.resolve("bin"));
    Files.writeString(
        runtime.resolve("release"), "JAVA_VERSION=\"" + Runtime.version().feature() + "\"\n");
    Path mark = home.resolve("used");
    Path java = runtime.resolve("bin/java");
    Files.writeString(
        java, "#!/bin/sh\necho used > '" + mark + "'\nexec '" + realJava + "' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

    Result result =
        run(
            List.of(CHECKOUT.resolve("schedulerd").toString(), "--version"),
            Map.of("JAVA_HOME", runtime.toString(), "SCHEDULERD_NO_CACHE", "1"));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).startsWith("schedulerd ");
    assertThat(mark).as("the launcher ran the given runtime's java").exists();
  }

  @Test
  void theLauncherRunsThroughAChainOfLinksToIt() throws Exception {
    // ~/.local/bin/schedulerd -> ../../tools/sd (relative) -> the checkout's launcher (absolute)
    Path bin = Files.createDirectories(home.resolve(".local/bin"));
    Path tools = Files.createDirectories(home.resolve("tools"));
    Files.createSymbolicLink(tools.resolve("sd"), CHECKOUT.resolve("schedulerd"));
    Files.createSymbolicLink(bin.resolve("schedulerd"), Path.of("../../tools/sd"));

    Result result =
        run(
            List.of(bin.resolve("schedulerd").toString(), "--version"),
            Map.of("SCHEDULERD_NO_CACHE", "1", "JAVA_HOME", System.getProperty("java.home")));

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout()).startsWith("schedulerd ");
  }

  private Path fakeJdk(Path jdkHome, String version, boolean withJavac) throws IOException {
    Files.createDirectories(jdkHome.resolve("bin"));
    Files.writeString(jdkHome.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
    for (String tool : withJavac ? List.of("java", "javac") : List.of("java")) {
      Path file = jdkHome.resolve("bin").resolve(tool);
      Files.writeString(file, "#!/bin/sh\nexit 1\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return jdkHome;
  }

  private String findJdk(String... options) throws Exception {
    var command = new java.util.ArrayList<String>();
    command.add("bash");
    command.add(CHECKOUT.resolve(".ci/find-jdk").toString());
    command.addAll(List.of(options));
    Result result = run(command, Map.of("HOMEBREW_PREFIX", home.resolve("brew").toString()));
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    return result.stdout().strip();
  }

  private Result run(List<String> command, Map<String, String> extra) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.keySet()
        .removeIf(
            name ->
                name.equals("JAVA_HOME")
                    || name.startsWith("SDKMAN")
                    || name.startsWith("SCHEDULERD_"));
    env.put("HOME", home.toString());
    env.putAll(extra);
    Process process = builder.start();
    process.getOutputStream().close();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), stdout, stderr);
  }

  private record Result(int exitCode, String stdout, String stderr) {}
}
