package dev.schedulerd.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.RunSecrets;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.testkit.TaskExecutorContract;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Against a real MCP server process over stdio ({@link EchoToolServer}). */
final class McpExecutorTest extends TaskExecutorContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ECHO_SERVER =
      "\""
          + Path.of(System.getProperty("java.home"), "bin", "java")
          + "\" -cp \""
          + System.getProperty("java.class.path")
          + "\" "
          + EchoToolServer.class.getName();

  private final McpExecutor mcp =
      configured(Map.of("enabled", "true", "servers.echo", ECHO_SERVER));

  @AfterEach
  void closeConnections() {
    mcp.close();
  }

  private static McpExecutor configured(Map<String, String> settings) {
    McpExecutor executor = new McpExecutor();
    executor.configure(new ExecutorSettings("mcp", settings));
    return executor;
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Override
  protected TaskExecutor executor() {
    return mcp;
  }

  @Override
  protected RunSecrets secrets() {
    return new RunSecrets(
        new EnvPolicy("executors.mcp.allow-env", List.of("TOKEN", "SCHEDULERD_NOPE")),
        Map.of("TOKEN", "mcp-secret-value"));
  }

  @Override
  protected ObjectNode validConfig() {
    return json("{\"server\": \"echo\", \"tool\": \"echo\", \"arguments\": {\"text\": \"hi\"}}");
  }

  @Override
  protected ObjectNode invalidConfig() {
    return json("{\"server\": \"elsewhere\", \"tool\": \"echo\"}");
  }

  private ExecutionResult run(String config) throws Exception {
    return mcp.execute(context(json(config), new AtomicBoolean()));
  }

  @Test
  void callsTheToolAndReusesTheServerAcrossRuns() throws Exception {
    ExecutionResult first =
        run("{\"server\": \"echo\", \"tool\": \"echo\", \"arguments\": {\"text\": \"one\"}}");
    assertThat(((ExecutionResult.Success) first).output())
        .contains("result of echo/echo")
        .contains("echo: one");
    long pid1 = Long.parseLong(lastLine(run("{\"server\": \"echo\", \"tool\": \"pid\"}")));
    long pid2 = Long.parseLong(lastLine(run("{\"server\": \"echo\", \"tool\": \"pid\"}")));
    assertThat(pid2).as("the same server process serves later runs").isEqualTo(pid1);
  }

  @Test
  void aServerThatDied_isStartedAgainForTheNextRun() throws Exception {
    long pid = Long.parseLong(lastLine(run("{\"server\": \"echo\", \"tool\": \"pid\"}")));
    ProcessHandle server = ProcessHandle.of(pid).orElseThrow();
    server.destroyForcibly();
    server.onExit().get(10, TimeUnit.SECONDS);

    ExecutionResult after =
        run("{\"server\": \"echo\", \"tool\": \"echo\", \"arguments\": {\"text\": \"back\"}}");

    assertThat(((ExecutionResult.Success) after).output()).contains("echo: back");
    long newPid = Long.parseLong(lastLine(run("{\"server\": \"echo\", \"tool\": \"pid\"}")));
    assertThat(newPid).isNotEqualTo(pid);
  }

  @Test
  void arguments_mayReferenceTheDaemonsEnvironment_resolvedAtRunTime() throws Exception {
    ExecutionResult result =
        run(
            "{\"server\": \"echo\", \"tool\": \"echo\", \"arguments\": {\"text\": \"${env:TOKEN}\"}}");
    // The tool got the value and echoed it back; the result shows the reference.
    String output = ((ExecutionResult.Success) result).output();
    assertThat(output).contains("echo: ${env:TOKEN}").doesNotContain("mcp-secret-value");
    ExecutionResult refused =
        run(
            "{\"server\": \"echo\", \"tool\": \"echo\", \"arguments\": {\"text\": \"${env:HOME}\"}}");
    assertThat(((ExecutionResult.Failure) refused).error())
        .contains("HOME")
        .contains("executors.mcp.allow-env");
    ExecutionResult missing =
        run(
            "{\"server\": \"echo\", \"tool\": \"echo\", \"arguments\": {\"text\": \"${env:SCHEDULERD_NOPE}\"}}");
    assertThat(((ExecutionResult.Failure) missing).error())
        .contains("SCHEDULERD_NOPE")
        .contains("config.arguments.text");
  }

  @Test
  void aServerWhoseProgramIsMissing_failsTheAttemptAtOnceWithTheCause() throws Exception {
    McpExecutor broken = new McpExecutor();
    broken.configure(
        new ExecutorSettings(
            "mcp", Map.of("enabled", "true", "servers.gone", "/nonexistent/mcp-server --flag")));
    ExecutionResult result =
        broken.execute(
            context(
                json("{\"server\": \"gone\", \"tool\": \"x\"}"),
                java.time.Duration.ofHours(1),
                new AtomicBoolean()));
    assertThat(((ExecutionResult.Failure) result).error())
        .contains("cannot start MCP server 'gone'")
        .contains("/nonexistent/mcp-server")
        .contains("executors.mcp.servers.gone");
    assertThat(((ExecutionResult.Failure) result).retryable()).isFalse();
  }

  @Test
  void theServer_seesABaseEnvironmentAndTheAllowedVariables_notTheDaemonsOthers() throws Exception {
    McpExecutor withToken =
        configured(Map.of("enabled", "true", "servers.echo", ECHO_SERVER, "allow-env", "PATH"));
    String daemonOnly =
        System.getenv().keySet().stream()
            .filter(n -> !ShellExecutor.inBaseEnvironment(n))
            .filter(n -> n.matches("[A-Za-z_][A-Za-z0-9_]*"))
            .findFirst()
            .orElseThrow();
    ExecutionResult result =
        withToken.execute(
            context(json("{\"server\": \"echo\", \"tool\": \"env\"}"), new AtomicBoolean()));
    withToken.close();
    List<String> names = List.of(lastLine(result).split(","));
    assertThat(names).contains("PATH").doesNotContain(daemonOnly);
  }

  @Test
  void whatTheServerStarted_diesWithTheServer() throws Exception {
    long sleeper = Long.parseLong(lastLine(run("{\"server\": \"echo\", \"tool\": \"spawn\"}")));
    long server = Long.parseLong(lastLine(run("{\"server\": \"echo\", \"tool\": \"pid\"}")));
    assertThat(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive)).contains(true);
    ProcessHandle.of(server).orElseThrow().destroyForcibly(); // as the daemon's death would end it
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false) == false);
  }

  @Test
  void aToolError_isAFailureThatIsNotRetried() throws Exception {
    ExecutionResult refused = run("{\"server\": \"echo\", \"tool\": \"refuse\"}");
    assertThat(((ExecutionResult.Failure) refused).error())
        .contains("tool error from echo/refuse")
        .contains("no, never");
    assertThat(((ExecutionResult.Failure) refused).retryable()).isFalse();
  }

  @Test
  void policy_disabledByDefault_onlyConfiguredServers() {
    assertThat(new McpExecutor().enabledByDefault()).isFalse();
    assertThat(mcp.validate(invalidConfig()))
        .singleElement()
        .asString()
        .contains("'elsewhere' is not a server this daemon may call")
        .contains("executors.mcp.servers.NAME")
        .contains("configured: echo");
    assertThatThrownBy(() -> configured(Map.of("server.typo", "x")))
        .hasMessageContaining("unknown setting executors.mcp.server.typo");
  }

  private static String lastLine(ExecutionResult result) {
    String text = ((ExecutionResult.Success) result).output().strip();
    return text.substring(text.lastIndexOf('\n') + 1);
  }
}
