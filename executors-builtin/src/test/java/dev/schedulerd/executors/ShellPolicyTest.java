package dev.schedulerd.executors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.RunSecrets;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.testkit.TaskExecutorContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a task may make the shell executor run: the attacks an MCP client tried, each refused when
 * the task is added and again when it runs.
 */
final class ShellPolicyTest extends TaskExecutorContract {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  static Path executable(Path folder, String name) {
    try {
      Files.createDirectories(folder);
      Path file = folder.resolve(name);
      Files.writeString(file, "#!/bin/sh\necho \"ran $0 with [$*]\"\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
      return file;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static String quoted(String text) {
    return JSON.getNodeFactory().textNode(text).toString();
  }

  private static ShellExecutor shell(String... keyValues) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("enabled", "true");
    for (int i = 0; i < keyValues.length; i += 2) {
      settings.put(keyValues[i], keyValues[i + 1]);
    }
    ShellExecutor shell = new ShellExecutor();
    shell.configure(new ExecutorSettings("shell", settings));
    return shell;
  }

  @Override
  protected TaskExecutor executor() {
    return shell("allow", "/bin/echo,/bin/pwd");
  }

  @Override
  protected ObjectNode validConfig() {
    return json("{\"command\": [\"/bin/echo\", \"ok\"]}");
  }

  @Override
  protected ObjectNode invalidConfig() {
    return json("{\"command\": [\"/bin/echo\"], \"env\": {\"LD_PRELOAD\": \"/tmp/x.so\"}}");
  }

  private ExecutionResult run(ShellExecutor shell, String config) throws Exception {
    return shell.execute(context(json(config), Duration.ofSeconds(30), new AtomicBoolean()));
  }

  // ------------------------------------------------------------------ environment

  @ParameterizedTest
  @ValueSource(
      strings = {
        "BASH_ENV", "ENV", "LD_PRELOAD", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES", "PATH",
        "IFS", "BASH_FUNC_echo%%", "PYTHONSTARTUP", "NODE_OPTIONS", "JAVA_TOOL_OPTIONS", "PERL5OPT"
      })
  void env_loaderAndStartUpVariables_areRefusedEvenWhenAllNamesAreAllowed(String name) {
    ShellExecutor permissive = shell("allow", "*", "allow-env", "*");
    List<String> problems =
        permissive.validate(
            json("{\"command\": [\"/bin/echo\"], \"env\": {" + quoted(name) + ": \"x\"}}"));
    assertThat(problems).isNotEmpty();
    assertThat(String.join("; ", problems)).contains("env");
  }

  @Test
  void env_aSensitiveName_isAllowedOnlyWhenNamedExactly() {
    ShellExecutor exact = shell("allow", "*", "allow-env", "PATH,APP_*");
    assertThat(
            exact.validate(json("{\"command\": [\"/bin/echo\"], \"env\": {\"PATH\": \"/bin\"}}")))
        .isEmpty();
    assertThat(
            exact.validate(json("{\"command\": [\"/bin/echo\"], \"env\": {\"APP_MODE\": \"x\"}}")))
        .isEmpty();
    assertThat(
            exact.validate(
                json("{\"command\": [\"/bin/echo\"], \"env\": {\"LD_PRELOAD\": \"x\"}}")))
        .singleElement()
        .asString()
        .contains("executors.shell.allow-env")
        .contains("only its exact name allows it");
  }

  @Test
  void env_namesATaskMaySet_areNoneByDefault() {
    assertThat(
            executor()
                .validate(json("{\"command\": [\"/bin/echo\"], \"env\": {\"MODE\": \"full\"}}")))
        .singleElement()
        .asString()
        .contains("env.MODE: a task may not set it")
        .contains("executors.shell.allow-env (now: none)");
  }

  @Test
  void env_bashEnvInjection_doesNotRunThroughAnAllowedScript() throws Exception {
    Path marker = dir.resolve("pwned");
    Path script = executable(dir.resolve("jobs"), "report.sh");
    ShellExecutor shell = shell("allow", script.toString(), "allow-env", "*");
    String config =
        "{\"command\": ["
            + quoted(script.toString())
            + "], \"env\": {\"BASH_ENV\": "
            + quoted("$(touch " + marker + ")")
            + "}}";
    assertThat(shell.validate(json(config))).isNotEmpty();
    ExecutionResult result = run(shell, config);
    assertThat(((ExecutionResult.Failure) result).error()).startsWith("refused on this node");
    assertThat(marker).doesNotExist();
  }

  @Test
  void env_theProcessGetsABaseEnvironment_notTheDaemonsVariables() throws Exception {
    String daemonOnly =
        System.getenv().keySet().stream()
            .filter(n -> !ShellExecutor.inBaseEnvironment(n))
            .filter(n -> n.matches("[A-Za-z_][A-Za-z0-9_]*"))
            .findFirst()
            .orElseThrow();
    ShellExecutor shell = shell("allow", "/usr/bin/env", "allow-env", "MODE");
    ExecutionResult result =
        run(shell, "{\"command\": [\"/usr/bin/env\"], \"env\": {\"MODE\": \"full\"}}");
    String output = ((ExecutionResult.Success) result).output();
    assertThat(output).contains("MODE=full").contains("PATH=");
    assertThat(output).doesNotContain("\n" + daemonOnly + "=");
  }

  @Test
  void secretCutByTheOutputLimit_isMaskedBeforeTheCut() throws Exception {
    RunSecrets secrets =
        new RunSecrets(
            new EnvPolicy("executors.shell.allow-env", List.of("TOKEN")),
            Map.of("TOKEN", "Tail-Secret-Value-42"));
    ShellExecutor shell = shell("allow", "/bin/sh", "allow-env", "TOKEN");
    for (int after : new int[] {0, 5, 65_536 - 15, 65_536 - 7, 65_536 - 3}) {
      String script = "printf %s \"$TOKEN\"; head -c " + after + " /dev/zero | tr '\\0' x";
      ExecutionResult result =
          shell.execute(
              contextWith(
                  json(
                      "{\"command\": [\"/bin/sh\", \"-c\", "
                          + quoted(script)
                          + "], \"env\": {\"TOKEN\": \"${env:TOKEN}\"}}"),
                  secrets));
      String output = ((ExecutionResult.Success) result).output();
      assertThat(output)
          .as("%d bytes after", after)
          .doesNotContain("Secret-Value")
          .doesNotContain("e-42")
          .doesNotContain("Tail-Sec");
    }
  }

  @Test
  void secretCutByTheOutputLimit_inMultiByteOutput_isMaskedToo() throws Exception {
    RunSecrets secrets =
        new RunSecrets(
            new EnvPolicy("executors.shell.allow-env", List.of("TOKEN")),
            Map.of("TOKEN", "Tail-Secret-Value-42"));
    ShellExecutor shell = shell("allow", "/bin/sh", "allow-env", "TOKEN");
    // 2-byte characters after the value: 64 KiB of bytes is about 32 K characters.
    for (int after : new int[] {32_760, 32_763, 32_766}) {
      String script =
          "printf %s \"$TOKEN\"; i=0; while [ $i -lt "
              + after
              + " ]; do printf 'é'; i=$((i+1)); done";
      for (String stream : List.of("", " >&2")) {
        ExecutionResult result =
            shell.execute(
                contextWith(
                    json(
                        "{\"command\": [\"/bin/sh\", \"-c\", "
                            + quoted("{ " + script + "; }" + stream)
                            + "], \"env\": {\"TOKEN\": \"${env:TOKEN}\"}}"),
                    secrets));
        String output = ((ExecutionResult.Success) result).output();
        assertThat(output)
            .as("%d characters after, %s", after, stream)
            .doesNotContain("e-42")
            .doesNotContain("Value-4");
      }
    }
  }

  // ------------------------------------------------------------------ the program

  @ParameterizedTest
  @ValueSource(strings = {"/usr/bin/*", "/bin/*", "/usr/**", "/usr/local/bin/py*", "/**"})
  void program_aGlobOverTheSystemsProgramFolders_isRefusedWhenConfigured(String glob) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> shell("allow", glob))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("executors.shell.allow")
        .hasMessageContaining("list the programs by exact path");
  }

  @Test
  void program_aLauncher_isNeverMatchedByAGlob_onlyByItsExactPath() throws Exception {
    Path jobs = dir.resolve("jobs");
    executable(jobs, "report");
    executable(jobs, "python3.11"); // an interpreter by a versioned name
    Files.createSymbolicLink(jobs.resolve("runner"), Path.of("/bin/sh")); // a shell by another
    ShellExecutor globbed = shell("allow", jobs + "/*");
    assertThat(globbed.validate(json("{\"command\": [" + quoted(jobs + "/report") + "]}")))
        .isEmpty();
    for (String launcher : List.of("python3.11", "runner")) {
      assertThat(
              globbed.validate(
                  json("{\"command\": [" + quoted(jobs + "/" + launcher) + ", \"-c\", \"id\"]}")))
          .as(launcher)
          .singleElement()
          .asString()
          .contains("runs other programs");
    }
    for (String name :
        List.of(
            "env", "bash", "rbash", "perl5.36.0", "nawk", "ld.so", "x86_64", "prlimit", "nodejs")) {
      assertThat(ShellPolicy.LAUNCHERS.matcher(name).matches()).as(name).isTrue();
    }
    assertThat(shell("allow", "/usr/bin/env").validate(json("{\"command\": [\"/usr/bin/env\"]}")))
        .isEmpty();
  }

  @Test
  void program_aBareName_isLookedUpOnTheDaemonsPath_andRunByThatPath() throws Exception {
    Path echo = ProgramPaths.onPath("echo").orElseThrow();
    ShellExecutor shell = shell("allow", echo.toString());
    ExecutionResult result = run(shell, "{\"command\": [\"echo\", \"hello\"]}");
    assertThat(((ExecutionResult.Success) result).output()).contains("hello");
    ShellExecutor byName = shell("allow", "echo");
    assertThat(byName.validate(json("{\"command\": [\"" + echo + "\"]}"))).isEmpty();
  }

  @Test
  void program_aPathInTheTasksEnvironment_cannotChooseAnotherProgram() throws Exception {
    Path evil = executable(dir.resolve("evil"), "echo");
    ShellExecutor shell = shell("allow", "echo", "allow-env", "*");
    // PATH is refused outright; and even allowed exactly, the program is found on the daemon's.
    assertThat(
            shell.validate(
                json(
                    "{\"command\": [\"echo\", \"hi\"], \"env\": {\"PATH\": "
                        + quoted(dir.resolve("evil").toString())
                        + "}}")))
        .isNotEmpty();
    ShellExecutor pathAllowed = shell("allow", "echo", "allow-env", "PATH");
    ExecutionResult result =
        run(
            pathAllowed,
            "{\"command\": [\"echo\", \"hi\"], \"env\": {\"PATH\": "
                + quoted(dir.resolve("evil").toString())
                + "}}");
    assertThat(((ExecutionResult.Success) result).output()).contains("hi").doesNotContain("ran ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"/bin/echo/../sh", "jobs/../x", "./echo", "/usr/bin/./echo", "/usr//bin/echo"})
  void program_relativeOrUnnormalizedPaths_areRefused(String program) {
    ShellExecutor shell = shell("allow", "*");
    assertThat(shell.validate(json("{\"command\": [" + quoted(program) + "]}")))
        .singleElement()
        .asString()
        .contains("is not an executable file on this daemon");
  }

  @Test
  void program_dotDotUnderADoubleStarGlob_cannotEscapeIt() {
    executable(dir.resolve("jobs"), "ok.sh");
    Path jobs = dir.resolve("jobs");
    ShellExecutor shell = shell("allow", jobs + "/**");
    assertThat(
            shell.validate(
                json("{\"command\": [" + quoted(jobs + "/../../../../../../bin/sh") + "]}")))
        .isNotEmpty();
  }

  // ------------------------------------------------------------------ shell strings

  @ParameterizedTest
  @ValueSource(
      strings = {
        "REPORT;touch MARKER",
        "REPORT && touch MARKER",
        "REPORT | touch MARKER",
        "REPORT `touch MARKER`",
        "REPORT $(touch MARKER)",
        "REPORT\ntouch MARKER",
        "REPORT > MARKER",
        "REPORT \"$(touch MARKER)\"",
        "REPORT * ",
        "X=1 REPORT",
        "REPORT # comment",
        "REPORT ~/x",
        "REPORT \\; touch MARKER"
      })
  void shellStrings_withShellSyntax_areRefusedUnderAGlobAllowlist(String template)
      throws Exception {
    Path report = executable(dir.resolve("jobs"), "report");
    Path marker = dir.resolve("marker");
    ShellExecutor shell = shell("allow", dir.resolve("jobs") + "/*", "allow-shell-strings", "true");
    String command =
        template.replace("REPORT", report.toString()).replace("MARKER", marker.toString());
    String config =
        "{\"command\": " + quoted(command) + ", \"working_dir\": " + quoted(dir.toString()) + "}";
    assertThat(shell.validate(json(config)))
        .isNotEmpty()
        .anySatisfy(p -> assertThat(p).contains("executors.shell.allow=*"));
    ExecutionResult result = run(shell, config);
    assertThat(result).isInstanceOf(ExecutionResult.Failure.class);
    assertThat(marker).doesNotExist();
  }

  @Test
  void shellStrings_plainOnes_runTheAllowedProgramWithTheirWords() throws Exception {
    Path report = executable(dir.resolve("jobs"), "report");
    ShellExecutor shell = shell("allow", dir.resolve("jobs") + "/*", "allow-shell-strings", "true");
    ExecutionResult result =
        run(shell, "{\"command\": " + quoted(report + " --daily 'two words' \"q\"") + "}");
    assertThat(((ExecutionResult.Success) result).output())
        .contains("ran " + report + " with [--daily two words q]");
    assertThat(shell.validate(json("{\"command\": \"/bin/sh -c id\"}")))
        .singleElement()
        .asString()
        .contains("'/bin/sh' runs other programs");
  }

  @Test
  void shellWords_splitLikeShForPlainLines_andRefuseTheRest() {
    assertThat(ShellWords.plain("a 'b c' \"d\"e f=g")).contains(List.of("a", "b c", "de", "f=g"));
    assertThat(ShellWords.plain("'A=b' c")).contains(List.of("A=b", "c"));
    assertThat(ShellWords.plain("A=b'c' d")).isEmpty();
    assertThat(ShellWords.plain("a 'unclosed")).isEmpty();
    assertThat(ShellWords.plain("a \"$HOME\"")).isEmpty();
    assertThat(ShellWords.plain("   ")).isEmpty();
  }

  // ------------------------------------------------------------------ working folder

  @Test
  void workingDir_outsideTheAllowedFolders_isRefused_theDaemonsOwnIsAllowed() throws Exception {
    ShellExecutor shell = shell("allow", "/bin/pwd");
    assertThat(shell.validate(json("{\"command\": [\"/bin/pwd\"], \"working_dir\": \"/root\"}")))
        .singleElement()
        .asString()
        .contains("working_dir: '/root' is not a folder tasks may run in")
        .contains("executors.shell.allow-working-dirs");
    String own = Path.of("").toAbsolutePath().toString();
    assertThat(
            shell.validate(
                json("{\"command\": [\"/bin/pwd\"], \"working_dir\": " + quoted(own) + "}")))
        .isEmpty();
    ExecutionResult refused =
        run(shell, "{\"command\": [\"/bin/pwd\"], \"working_dir\": \"/root\"}");
    assertThat(((ExecutionResult.Failure) refused).error()).startsWith("refused on this node");
  }

  @Test
  void workingDir_dotDotAndSymlinks_cannotLeaveAnAllowedFolder() throws Exception {
    Path allowed = Files.createDirectories(dir.resolve("work"));
    Path link = Files.createSymbolicLink(allowed.resolve("escape"), Path.of("/etc"));
    ShellExecutor shell = shell("allow", "/bin/pwd", "allow-working-dirs", allowed.toString());
    assertThat(
            shell.validate(
                json(
                    "{\"command\": [\"/bin/pwd\"], \"working_dir\": "
                        + quoted(allowed + "/../..")
                        + "}")))
        .hasSize(1);
    assertThat(
            shell.validate(
                json(
                    "{\"command\": [\"/bin/pwd\"], \"working_dir\": "
                        + quoted(link.toString())
                        + "}")))
        .hasSize(1);
    Path inside = Files.createDirectories(allowed.resolve("sub"));
    assertThat(
            shell.validate(
                json(
                    "{\"command\": [\"/bin/pwd\"], \"working_dir\": "
                        + quoted(inside.toString())
                        + "}")))
        .isEmpty();
  }

  @Test
  void custom_followsTheSameRules() {
    CustomCommandExecutor custom = new CustomCommandExecutor();
    custom.configure(
        new ExecutorSettings("custom", Map.of("enabled", "true", "allow", "*", "allow-env", "*")));
    assertThat(
            custom.validate(
                json("{\"command\": [\"/bin/echo\"], \"env\": {\"BASH_ENV\": \"/tmp/x\"}}")))
        .singleElement()
        .asString()
        .contains("executors.custom.allow-env");
    assertThat(custom.validate(json("{\"command\": [\"/bin/echo\"], \"working_dir\": \"/root\"}")))
        .singleElement()
        .asString()
        .contains("executors.custom.allow-working-dirs");
  }
}
