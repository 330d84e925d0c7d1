package dev.schedulerd.executors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.testkit.TaskExecutorContract;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real JDK HttpServer on 127.0.0.1. */
final class HttpExecutorTest extends TaskExecutorContract {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static HttpServer server;
  private static String base;
  private static final List<String> authorizations = new CopyOnWriteArrayList<>();
  private static final CountDownLatch neverReleased = new CountDownLatch(1);

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/ok", ex -> reply(ex, 200, "pong " + ex.getRequestMethod()));
    server.createContext("/status/503", ex -> reply(ex, 503, "busy"));
    server.createContext("/status/404", ex -> reply(ex, 404, "no such thing"));
    server.createContext(
        "/redirect",
        ex -> {
          ex.getResponseHeaders().add("Location", "/ok");
          reply(ex, 302, "");
        });
    server.createContext(
        "/redirect-away",
        ex -> {
          ex.getResponseHeaders().add("Location", "http://internal.example.invalid/admin");
          reply(ex, 302, "");
        });
    server.createContext(
        "/slow",
        ex -> {
          try {
            neverReleased.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(ex, 200, "late");
        });
    server.createContext("/big", ex -> reply(ex, 200, "y".repeat(1_000_000)));
    server.createContext(
        "/auth",
        ex -> {
          authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
          reply(ex, 204, "");
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stopServer() {
    neverReleased.countDown();
    server.stop(0);
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static HttpExecutor http(String allowHosts) {
    HttpExecutor http = new HttpExecutor();
    http.configure(new ExecutorSettings("http", Map.of("allow-hosts", allowHosts)));
    return http;
  }

  @Override
  protected TaskExecutor executor() {
    return http("127.0.0.1");
  }

  @Override
  protected ObjectNode validConfig() {
    return json("{\"url\": \"" + base + "/ok\"}");
  }

  @Override
  protected ObjectNode invalidConfig() {
    return json("{\"url\": \"ftp://127.0.0.1/x\"}");
  }

  private ExecutionResult run(String config) throws Exception {
    return executor().execute(context(json(config), new AtomicBoolean()));
  }

  @Test
  void expectedStatus_isSuccessWithTheBody() throws Exception {
    ExecutionResult result =
        run("{\"url\": \"" + base + "/ok\", \"method\": \"post\", \"body\": \"x\"}");
    assertThat(((ExecutionResult.Success) result).output())
        .startsWith("HTTP 200 from POST " + base + "/ok after")
        .contains("pong POST");
  }

  @Test
  void serverErrorsRetry_clientErrorsAreFinal() throws Exception {
    ExecutionResult busy = run("{\"url\": \"" + base + "/status/503\"}");
    assertThat(((ExecutionResult.Failure) busy).retryable()).isTrue();
    assertThat(((ExecutionResult.Failure) busy).error()).contains("HTTP 503").contains("busy");
    ExecutionResult missing = run("{\"url\": \"" + base + "/status/404\"}");
    assertThat(((ExecutionResult.Failure) missing).retryable()).isFalse();
    ExecutionResult expected =
        run("{\"url\": \"" + base + "/status/404\", \"expect_status\": [404]}");
    assertThat(expected).isInstanceOf(ExecutionResult.Success.class);
  }

  @Test
  void timeout_isARetryableFailure() throws Exception {
    ExecutionResult result = run("{\"url\": \"" + base + "/slow\", \"timeout_seconds\": 0.5}");
    assertThat(((ExecutionResult.Failure) result).error()).contains("timed out after");
    assertThat(((ExecutionResult.Failure) result).retryable()).isTrue();
  }

  @Test
  void redirects_areFollowedOnlyToAllowedHosts() throws Exception {
    assertThat(((ExecutionResult.Success) run("{\"url\": \"" + base + "/redirect\"}")).output())
        .contains("HTTP 200 from GET " + base + "/ok");
    ExecutionResult away = run("{\"url\": \"" + base + "/redirect-away\"}");
    assertThat(((ExecutionResult.Failure) away).error())
        .contains("refused to follow a redirect")
        .contains("internal.example.invalid")
        .contains("executors.http.allow-hosts");
    ExecutionResult notFollowed =
        run(
            "{\"url\": \""
                + base
                + "/redirect\", \"follow_redirects\": false, \"expect_status\": [302]}");
    assertThat(notFollowed).isInstanceOf(ExecutionResult.Success.class);
  }

  @Test
  void largeBody_keepsTheFirst64KiBAndCountsTheRest() throws Exception {
    String text = ((ExecutionResult.Success) run("{\"url\": \"" + base + "/big\"}")).output();
    assertThat(text)
        .contains("(first 65536 bytes; " + (1_000_000 - 65_536) + " later bytes dropped)");
    assertThat(text.length()).isLessThan(HttpExecutor.KEPT_BYTES + 300);
  }

  @Test
  void secrets_areResolvedAtRunTimeAndNeverShown() throws Exception {
    String home = System.getenv("HOME");
    ExecutionResult result =
        run(
            "{\"url\": \""
                + base
                + "/auth?token=${env:HOME}\", \"headers\": {\"Authorization\": \"Bearer ${env:HOME}\"}}");
    assertThat(authorizations).contains("Bearer " + home);
    String shown = ((ExecutionResult.Success) result).output();
    assertThat(shown).doesNotContain(home).contains("/auth?…");
  }

  @Test
  void policy_hostsOutsideTheAllowlistAreRefused_noneByDefault() {
    assertThat(new HttpExecutor().validate(validConfig()))
        .singleElement()
        .asString()
        .contains("host '127.0.0.1' is not allowed")
        .contains("executors.http.allow-hosts (now: none)");
    HttpExecutor wildcard = http("*.example.com");
    assertThat(wildcard.validate(json("{\"url\": \"https://api.example.com/x\"}"))).isEmpty();
    assertThat(wildcard.validate(json("{\"url\": \"http://169.254.169.254/latest/meta-data\"}")))
        .singleElement()
        .asString()
        .contains("169.254.169.254");
  }
}
