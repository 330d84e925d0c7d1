package dev.schedulerd.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.RunSecrets;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.TaskExecutorContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ShellExecutorTest extends TaskExecutorContract {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ShellExecutor shell(Map<String, String> settings) {
    ShellExecutor shell = new ShellExecutor();
    shell.configure(new ExecutorSettings("shell", settings));
    return shell;
  }

  @Override
  protected TaskExecutor executor() {
    return shell(
        Map.of(
            "enabled",
            "true",
            "allow",
            "/bin/echo,/bin/cat,/bin/ls,/bin/pwd,/bin/sh",
            "allow-env",
            "GREETING,FROM_DAEMON,TOKEN",
            "allow-working-dirs",
            dir.toString()));
  }

  @Override
  protected RunSecrets secrets() {
    return new RunSecrets(
        new EnvPolicy(
            "executors.shell.allow-env", List.of("FROM_DAEMON", "TOKEN", "SCHEDULERD_NO_SUCH_VAR")),
        Map.of("FROM_DAEMON", "daemon-value"));
  }

  @Override
  protected ObjectNode validConfig() {
    return json("{\"command\": [\"/bin/echo\", \"hello\"]}");
  }

  @Override
  protected ObjectNode invalidConfig() {
    return json("{\"command\": \"echo hello\"}");
  }

  private ExecutionResult run(String config) throws Exception {
    return executor().execute(context(json(config), Duration.ofSeconds(30), new AtomicBoolean()));
  }

  @Test
  void aRunWhoseLeaseIsNotRenewed_isKilledByItsWatchdog_evenIfTheNodeDoesNothing()
      throws Exception {
    Path pid = dir.resolve("pid");
    ObjectNode config =
        JSON.createObjectNode()
            .set(
                "command",
                JSON.createArrayNode()
                    .add("/bin/sh")
                    .add("-c")
                    .add("sleep 300 & echo $! > '" + pid + "'; wait"));
    Instant stopBy = Instant.now().plusSeconds(2); // the node froze: never renewed
    long started = System.nanoTime();
    ExecutionResult result =
        executor().execute(contextStoppingBy(config, Duration.ofSeconds(60), () -> stopBy));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(result).isInstanceOf(ExecutionResult.Failure.class);
    assertThat(((ExecutionResult.Failure) result).error())
        .startsWith("stopped by its watchdog: this node did not renew the run's lease in time");
    assertThat(took).isLessThan(Duration.ofSeconds(15)); // not its 60 s timeout
    long grandchild = Long.parseLong(Files.readString(pid).strip());
    assertThat(running(grandchild)).as("the run's background process killed too").isFalse();
  }

  /** Running, not a zombie waiting for a parent that does not reap it (PID 1 in a container). */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false; // gone
    }
  }

  @Test
  void aRunWhoseLeaseIsRenewed_isToldAndGoesOn() throws Exception {
    ObjectNode config =
        JSON.createObjectNode()
            .set("command", JSON.createArrayNode().add("/bin/sh").add("-c").add("sleep 4"));
    // renewed all along: the instant stays two seconds ahead, as a lease renewed in time does
    ExecutionResult result =
        executor()
            .execute(
                contextStoppingBy(
                    config, Duration.ofSeconds(60), () -> Instant.now().plusSeconds(2)));
    assertThat(result).isInstanceOf(ExecutionResult.Success.class);
  }

  @Test
  void malformedEnv_isRefusedWithoutQuotingIt() {
    assertThat(
            executor()
                .validate(
                    json("{\"command\": [\"/bin/true\"], \"env\": [\"TOKEN=s3cr3t-value\"]}")))
        .anyMatch(p -> p.startsWith("env: expected an object of strings, got an array"))
        .noneMatch(p -> p.contains("s3cr3t"));
  }

  @Test
  void success_reportsExitCodeAndOutput() throws Exception {
    ExecutionResult result =
        run("{\"command\": [\"/bin/sh\", \"-c\", \"echo out; echo err >&2\"]}");
    assertThat(result).isInstanceOf(ExecutionResult.Success.class);
    String text = ((ExecutionResult.Success) result).output();
    assertThat(text)
        .startsWith("exit code 0 after")
        .contains("--- stdout ---\nout\n")
        .contains("--- stderr ---\nerr");
  }

  @Test
  void exitCodes_failRetryablyUnlessRetryableCodesAreListed() throws Exception {
    ExecutionResult plain = run("{\"command\": [\"/bin/sh\", \"-c\", \"exit 3\"]}");
    assertThat(((ExecutionResult.Failure) plain).error()).startsWith("exit code 3 after");
    assertThat(((ExecutionResult.Failure) plain).retryable()).isTrue();
    ExecutionResult listed =
        run("{\"command\": [\"/bin/sh\", \"-c\", \"exit 3\"], \"retryable_exit_codes\": [75]}");
    assertThat(((ExecutionResult.Failure) listed).retryable()).isFalse();
    ExecutionResult tempfail =
        run("{\"command\": [\"/bin/sh\", \"-c\", \"exit 75\"], \"retryable_exit_codes\": [75]}");
    assertThat(((ExecutionResult.Failure) tempfail).retryable()).isTrue();
  }

  @Test
  void output_keepsTheLast64KiBOfEachStreamAndCountsTheRest() throws Exception {
    ExecutionResult result =
        run(
            "{\"command\": [\"/bin/sh\", \"-c\", \"head -c 200000 /dev/zero | tr '\\\\\\\\0' x;"
                + " echo; echo END\"]}");
    String text = ((ExecutionResult.Success) result).output();
    assertThat(text).contains("earlier bytes dropped").contains("END");
    assertThat(text.length()).isLessThan(ShellExecutor.KEPT_BYTES + 500);
    long dropped = Long.parseLong(text.replaceAll("(?s).*; (\\d+) earlier bytes dropped.*", "$1"));
    assertThat(dropped).isEqualTo(200_000 + 1 + 4 - ShellExecutor.KEPT_BYTES);
  }

  @Test
  void stdin_isClosed_soAReaderEndsAtOnce() throws Exception {
    assertThat(run("{\"command\": [\"/bin/cat\"]}")).isInstanceOf(ExecutionResult.Success.class);
  }

  @Test
  void environment_isAddedAndReferencesAreResolvedAtRunTime() throws Exception {
    ExecutionResult result =
        run(
            "{\"command\": [\"/bin/sh\", \"-c\", \"echo $GREETING-$FROM_DAEMON;"
                + " echo $FROM_DAEMON | tr a-z A-Z\"],"
                + " \"env\": {\"GREETING\": \"hi\", \"FROM_DAEMON\": \"${env:FROM_DAEMON}\"}}");
    // The value reached the process (upper-cased, it is no longer the value) and is masked as is.
    assertThat(((ExecutionResult.Success) result).output())
        .contains("hi-${env:FROM_DAEMON}")
        .contains("DAEMON-VALUE")
        .doesNotContain("daemon-value");

    ExecutionResult missing =
        run(
            "{\"command\": [\"/bin/echo\"], \"env\": {\"TOKEN\": \"${env:SCHEDULERD_NO_SUCH_VAR}\"}}");
    assertThat(missing).isInstanceOf(ExecutionResult.Failure.class);
    assertThat(((ExecutionResult.Failure) missing).error())
        .contains("SCHEDULERD_NO_SUCH_VAR")
        .contains("config.env.TOKEN")
        .contains("is not set");
    assertThat(((ExecutionResult.Failure) missing).retryable()).isFalse();
  }

  @Test
  void timeout_killsTheWholeTree_noOrphanLeft() throws Exception {
    String marker = "3" + ProcessHandle.current().pid() % 1000 + "7";
    ExecutionResult result =
        executor()
            .execute(
                context(
                    json(
                        "{\"command\": [\"/bin/sh\", \"-c\", \"sleep "
                            + marker
                            + " & (sleep "
                            + marker
                            + " &); sleep "
                            + marker
                            + "\"]}"),
                    Duration.ofSeconds(1),
                    new AtomicBoolean()));

    assertThat(((ExecutionResult.Failure) result).error()).startsWith("timed out after");
    assertThat(sleepers(marker)).as("processes left behind").isZero();
  }

  @Test
  void interruption_killsTheTreeAndPropagates() throws Exception {
    String marker = "4" + ProcessHandle.current().pid() % 1000 + "9";
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread runner =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    run("{\"command\": [\"/bin/sh\", \"-c\", \"sleep " + marker + "\"]}");
                    outcome.complete(new AssertionError("returned normally"));
                  } catch (Throwable e) {
                    outcome.complete(e);
                  }
                });
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> sleepers(marker) > 0);
    runner.interrupt();
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(sleepers(marker)).isZero();
  }

  private static long sleepers(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.isAlive())
        .filter(p -> p.info().commandLine().orElse("").contains("sleep " + marker))
        .count();
  }

  @Test
  void workingDir_isUsed_andAMissingOneFailsForGood() throws Exception {
    ExecutionResult here = run("{\"command\": [\"/bin/pwd\"], \"working_dir\": \"" + dir + "\"}");
    assertThat(((ExecutionResult.Success) here).output()).contains(dir.toString());
    ExecutionResult missing =
        run("{\"command\": [\"/bin/pwd\"], \"working_dir\": \"" + dir.resolve("nope") + "\"}");
    assertThat(((ExecutionResult.Failure) missing).retryable()).isFalse();
  }

  // ------------------------------------------------------------------ policy

  @Test
  void policy_disabledByDefault_addIsRefusedNamingTheKey() {
    ExecutorRegistry registry = ExecutorRegistry.of(new ShellExecutor()).configure(Map.of());
    assertThat(registry.isEnabled("shell")).isFalse();
    Scheduler scheduler =
        Scheduler.builder().store(new InMemoryTaskStore()).executors(registry).build();
    assertThatThrownBy(
            () ->
                scheduler.add(
                    TaskDefinition.builder("t", "shell")
                        .config(json("{\"command\": [\"/bin/echo\"]}"))
                        .build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("executor 'shell' is disabled")
        .hasMessageContaining("executors.shell.enabled=true")
        .hasMessageContaining("cannot be enabled through MCP");
  }

  @Test
  void policy_commandsOutsideTheAllowlistAreRefused() {
    Path jobs = ShellPolicyTest.executable(dir.resolve("jobs"), "nightly.sh");
    ShellExecutor strict =
        shell(Map.of("enabled", "true", "allow", "/bin/echo," + jobs.getParent() + "/*"));
    assertThat(strict.validate(json("{\"command\": [\"" + jobs + "\"]}"))).isEmpty();
    assertThat(strict.validate(json("{\"command\": [\"/bin/rm\", \"-rf\", \"/\"]}")))
        .singleElement()
        .asString()
        .contains("'/bin/rm' is not allowed")
        .contains("executors.shell.allow")
        .contains("now: /bin/echo, " + jobs.getParent() + "/*");
    assertThat(shell(Map.of("enabled", "true")).validate(validConfig()))
        .singleElement()
        .asString()
        .contains("nothing may run yet");
  }

  @Test
  void policy_shellStrings_onlyWhenAllowed() throws Exception {
    assertThat(executor().validate(json("{\"command\": \"echo hi | tr a-z A-Z\"}")))
        .singleElement()
        .asString()
        .contains("executors.shell.allow-shell-strings=true");
    ShellExecutor permissive =
        shell(Map.of("enabled", "true", "allow", "*", "allow-shell-strings", "true"));
    ExecutionResult result =
        permissive.execute(
            context(
                json("{\"command\": \"echo hi | tr a-z A-Z\"}"),
                Duration.ofSeconds(30),
                new AtomicBoolean()));
    assertThat(((ExecutionResult.Success) result).output()).contains("HI");
  }

  @Test
  void policy_badSettingsNameTheKey() {
    assertThatThrownBy(() -> shell(Map.of("allow-shell-strings", "maybe")))
        .hasMessageContaining("executors.shell.allow-shell-strings='maybe'");
  }

  @Test
  void custom_isTheSeedsNameForTheShellWithItsOwnSettings() {
    CustomCommandExecutor custom = new CustomCommandExecutor();
    custom.configure(
        new ExecutorSettings("custom", Map.of("enabled", "true", "allow", "/bin/echo")));
    assertThat(custom.kind()).isEqualTo("custom");
    assertThat(custom.enabledByDefault()).isFalse();
    assertThat(custom.validate(json("{\"command\": [\"/bin/ls\"]}")))
        .singleElement()
        .asString()
        .contains("executors.custom.allow");
  }
}
