package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An MCP client that tries to read the daemon's secrets, against the real jar: variables the
 * operator allowed are used but never shown, others are refused when the task is added. Every
 * answer, resource, run record, the store's bytes, the log and /metrics are searched for the
 * values.
 */
final class SecretsIT {
  private static final String ALLOWED = "tok-Allowed-7f3a9c";
  private static final String FORBIDDEN = "pw-Forbidden-51be02";

  /** Every task added below that runs. */
  private static final List<String> RUNS =
      List.of(
          "h-ok",
          "h-500",
          "h-timeout",
          "h-put",
          "h-get",
          "s-ok",
          "s-fail",
          "s-timeout",
          "s-env",
          "s-proc",
          "m-echo");

  @TempDir Path home;

  private final List<String> answers = new ArrayList<>();

  /**
   * In the client's process ({@code --no-daemon}), and as a client starts it by default: the
   * front-end of a background daemon, whose log file and environment are searched as well.
   */
  @ParameterizedTest(name = "background daemon: {0}")
  @ValueSource(booleans = {false, true})
  void noAnswerRecordLogOrMetricHoldsASecret(boolean background) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/echo",
        ex ->
            reply(
                ex,
                200,
                "you asked for "
                    + ex.getRequestURI()
                    + " with "
                    + ex.getRequestHeaders().getFirst("Authorization")));
    server.createContext(
        "/fail",
        ex ->
            reply(
                ex,
                500,
                "<html>no, " + ex.getRequestHeaders().getFirst("Authorization") + "</html>"));
    java.util.concurrent.atomic.AtomicReference<String> kept =
        new java.util.concurrent.atomic.AtomicReference<>("");
    server.createContext(
        "/kv",
        ex -> {
          if (ex.getRequestMethod().equals("POST")) {
            kept.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          }
          reply(ex, 200, "value: " + kept.get());
        });
    server.createContext(
        "/hang",
        ex -> {
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(ex, 200, "late");
        });
    server.start();
    int metricsPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      metricsPort = socket.getLocalPort();
    }
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    Path config = home.resolve("schedulerd.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "executors.http.allow-hosts=127.0.0.1:*",
            "executors.http.allow-env=API_TOKEN",
            "executors.shell.enabled=true",
            "executors.shell.allow=/bin/sh,/usr/bin/env,/bin/cat",
            "executors.shell.allow-env=TOKEN,API_TOKEN",
            "executors.mcp.enabled=true",
            "executors.mcp.allow-env=API_TOKEN",
            "executors.mcp.servers.other=\""
                + Path.of(System.getProperty("java.home"), "bin", "java")
                + "\" -XX:TieredStopAtLevel=1 -jar \""
                + JarProcess.jar()
                + "\" --store memory",
            "metrics-port=" + metricsPort,
            ""));
    ProcessBuilder builder =
        JarProcess.builder(home, List.of("--config", config.toString()))
            .redirectError(home.resolve("daemon.log").toFile());
    builder.environment().put("API_TOKEN", ALLOWED);
    builder.environment().put("DB_PASSWORD", FORBIDDEN);
    Path runtime = home.resolve("xdg");
    if (background) {
      builder.environment().remove("SCHEDULERD_NO_DAEMON");
      Files.createDirectories(runtime);
      builder.environment().put("XDG_RUNTIME_DIR", runtime.toString());
    }
    Process daemon = builder.start();
    long servingPid = daemon.pid();
    try (ProcessClient client = new ProcessClient(daemon)) {
      if (background) { // the process whose environment holds the values
        servingPid =
            client
                .call("scheduler_daemon_status", "{}")
                .path("structuredContent")
                .path("daemon")
                .path("pid")
                .asLong();
        assertThat(servingPid).isNotEqualTo(daemon.pid()).isPositive();
      }
      // Refused when added: variables the operator did not allow, anywhere in a config.
      refused(client, "h-host", http("http://${env:DB_PASSWORD}/"), "scheme, host or port");
      refused(
          client, "h-host2", http("http://${env:API_TOKEN}.example.com/"), "scheme, host or port");
      refused(
          client, "h-path", http(base + "/echo/${env:DB_PASSWORD}"), "executors.http.allow-env");
      refused(
          client,
          "h-header",
          "{\"url\":\"" + base + "/echo\",\"headers\":{\"X\":\"${env:DB_PASSWORD}\"}}",
          "executors.http.allow-env");
      refused(
          client,
          "s-env",
          shell("echo $TOKEN", "${env:DB_PASSWORD}", 30),
          "executors.shell.allow-env");
      // Allowed: the runs use the value; every place they report it shows the reference.
      add(
          client,
          "h-ok",
          "http",
          http(base + "/echo/${env:API_TOKEN}?k=${env:API_TOKEN}", "Bearer ${env:API_TOKEN}"));
      add(client, "h-500", "http", http(base + "/fail", "Bearer ${env:API_TOKEN}"));
      add(
          client,
          "h-timeout",
          "http",
          "{\"url\":\"" + base + "/hang/${env:API_TOKEN}\",\"timeout_seconds\":1}");
      add(client, "s-ok", "shell", shell("echo token=$TOKEN", "${env:API_TOKEN}", 30));
      // A program that prints its environment: the daemon's variables are not in it.
      add(client, "s-env", "shell", "{\"command\":[\"/usr/bin/env\"]}");
      // The daemon's own environment, where the system shows it: masked there too.
      add(
          client,
          "s-proc",
          "shell",
          "{\"command\":[\"/bin/cat\",\"/proc/" + servingPid + "/environ\"]}");
      // One run sends the value to a host that keeps it; another, resolving nothing, reads it back.
      add(
          client,
          "h-put",
          "http",
          "{\"url\":\"" + base + "/kv\",\"method\":\"POST\",\"body\":\"${env:API_TOKEN}\"}");
      client.awaitFinished("h-put");
      add(client, "h-get", "http", http(base + "/kv"));
      add(
          client,
          "s-fail",
          "shell",
          shell("echo token=$TOKEN >&2; exit 3", "${env:API_TOKEN}", 30));
      add(
          client,
          "s-timeout",
          "shell",
          shell("echo token=$TOKEN; sleep 30", "${env:API_TOKEN}", 1));
      // The other server's tool echoes the argument back in its error: "no task '<value>'".
      add(
          client,
          "m-echo",
          "mcp",
          "{\"server\":\"other\",\"tool\":\"scheduler_get_task\",\"arguments\":{\"task_id\":\"${env:API_TOKEN}\"}}");
      refused(
          client,
          "m-forbidden",
          "{\"server\":\"other\",\"tool\":\"scheduler_get_task\",\"arguments\":{\"task_id\":\"${env:DB_PASSWORD}\"}}",
          "executors.mcp.allow-env");
      for (String id : RUNS) {
        JsonNode task = client.awaitFinished(id);
        answers.add(task.toString());
      }
      JsonNode ok = client.call("scheduler_get_task", "{\"task_id\":\"s-ok\"}");
      assertThat(ok.toString()).contains("token=${env:API_TOKEN}");
      assertThat(client.call("scheduler_get_task", "{\"task_id\":\"h-get\"}").toString())
          .contains("value: ${env:API_TOKEN}");
      assertThat(client.call("scheduler_get_task", "{\"task_id\":\"s-env\"}").toString())
          .contains("PATH=")
          .doesNotContain("DB_PASSWORD");
      assertThat(client.call("scheduler_get_task", "{\"task_id\":\"s-proc\"}").toString())
          .contains("DB_PASSWORD=${env:DB_PASSWORD}");
      JsonNode echoed = client.call("scheduler_get_task", "{\"task_id\":\"m-echo\"}");
      assertThat(echoed.toString()).contains("${env:API_TOKEN}");
      for (String id : RUNS) {
        answers.add(client.call("scheduler_get_task", "{\"task_id\":\"" + id + "\"}").toString());
        answers.add(client.call("scheduler_list_runs", "{\"task_id\":\"" + id + "\"}").toString());
        answers.add(
            client
                .call(
                    "scheduler_wait_for_run", "{\"task_id\":\"" + id + "\",\"timeout_seconds\":1}")
                .toString());
        answers.add(
            client
                .request("resources/read", "{\"uri\":\"schedulerd://tasks/" + id + "\"}")
                .toString());
      }
      answers.add(client.call("scheduler_list_tasks", "{}").toString());
      answers.add(client.call("scheduler_daemon_status", "{}").toString());
      answers.add(client.request("resources/read", "{\"uri\":\"schedulerd://status\"}").toString());
      answers.add(
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body());
    } finally {
      release.countDown();
      server.stop(0);
    }
    assertThat(String.join("\n", answers)).contains("${env:API_TOKEN}");
    assertThat(daemon.exitValue()).isZero();
    if (background) { // stopped, so that its log is complete
      ProcessHandle serving = ProcessHandle.of(servingPid).orElseThrow();
      serving.destroy();
      serving.onExit().get(30, TimeUnit.SECONDS);
    }
    List<Path> searched = new ArrayList<>();
    try (Stream<Path> files = Files.walk(home)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        if (file.getFileName().toString().endsWith(".properties")) {
          continue; // the operator's config names variables, never values
        }
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(text).as("%s", file).doesNotContain(ALLOWED).doesNotContain(FORBIDDEN);
        searched.add(file);
      }
    }
    assertThat(searched.stream().map(p -> p.getFileName().toString()))
        .contains("daemon.log", "scheduler.db");
    if (background) {
      assertThat(searched.stream().map(p -> p.getFileName().toString()))
          .as("the background daemon's log")
          .contains("schedulerd.log");
      assertThat(Files.readString(home.resolve(".memory/schedulerd.log")))
          .contains("Scheduler started");
    }
    for (String answer : answers) {
      assertThat(answer).doesNotContain(ALLOWED).doesNotContain(FORBIDDEN);
    }
  }

  private static String http(String url) {
    return "{\"url\":\"" + url + "\"}";
  }

  private static String http(String url, String authorization) {
    return "{\"url\":\"" + url + "\",\"headers\":{\"Authorization\":\"" + authorization + "\"}}";
  }

  private static String shell(String script, String token, int timeoutSeconds) {
    return "{\"command\":[\"/bin/sh\",\"-c\",\""
        + script
        + "\"],\"env\":{\"TOKEN\":\""
        + token
        + "\"}}\u0000"
        + timeoutSeconds;
  }

  private void add(ProcessClient client, String id, String type, String config) throws IOException {
    String[] parts = config.split("\u0000");
    String args =
        "{\"task_id\":\""
            + id
            + "\",\"task_type\":\""
            + type
            + "\",\"max_retries\":1,"
            + (parts.length > 1 ? "\"timeout\":" + parts[1] + "," : "")
            + "\"config\":"
            + parts[0]
            + "}";
    JsonNode added = client.call("scheduler_add_task", args);
    answers.add(added.toString());
    assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();
  }

  private void refused(ProcessClient client, String id, String config, String why)
      throws IOException {
    String type =
        config.contains("\"command\"") ? "shell" : config.contains("\"server\"") ? "mcp" : "http";
    String[] parts = config.split("\u0000");
    JsonNode answer =
        client.call(
            "scheduler_add_task",
            "{\"task_id\":\""
                + id
                + "\",\"task_type\":\""
                + type
                + "\",\"config\":"
                + parts[0]
                + "}");
    answers.add(answer.toString());
    assertThat(answer.path("isError").asBoolean()).as(answer.toString()).isTrue();
    assertThat(answer.toString()).contains(why);
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
