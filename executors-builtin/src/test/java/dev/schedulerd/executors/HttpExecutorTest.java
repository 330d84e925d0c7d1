package dev.schedulerd.executors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.RunSecrets;
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
  private static final CountDownLatch trickleGate = new CountDownLatch(1);
  private static HttpServer other;
  private static final List<String> crossOrigin = new CopyOnWriteArrayList<>();
  private static final List<String> sameOrigin = new CopyOnWriteArrayList<>();

  private static int otherPort() {
    return other.getAddress().getPort();
  }

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
        "/pad",
        ex -> {
          // n bytes of padding, then the header's value: a secret across the 64 KiB cut.
          int n = Integer.parseInt(ex.getRequestURI().getQuery().substring(2));
          reply(ex, 200, "A".repeat(n) + ex.getRequestHeaders().getFirst("X-Tok"));
        });
    server.createContext(
        "/auth",
        ex -> {
          authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
          reply(ex, 204, "");
        });
    server.createContext(
        "/redirect-port",
        ex -> {
          ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + otherPort() + "/admin");
          reply(ex, 302, "");
        });
    server.createContext(
        "/trickle",
        ex -> {
          ex.sendResponseHeaders(200, 0);
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 600; i++) {
              out.write('.');
              out.flush();
              trickleGate.await(100, TimeUnit.MILLISECONDS);
            }
          } catch (InterruptedException | IOException e) {
            // the client went away: what the test wants
          }
          ex.close();
        });
    other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    other.createContext(
        "/landing",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          crossOrigin.add(
              ex.getRequestMethod()
                  + " auth="
                  + ex.getRequestHeaders().getFirst("Authorization")
                  + " cookie="
                  + ex.getRequestHeaders().getFirst("Cookie")
                  + " proxy="
                  + ex.getRequestHeaders().getFirst("Proxy-Authorization")
                  + " kept="
                  + ex.getRequestHeaders().getFirst("X-Kept")
                  + " body="
                  + new String(body, StandardCharsets.UTF_8));
          reply(ex, 200, "landed");
        });
    other.start();
    server.createContext(
        "/redirect-307-away",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + otherPort() + "/landing");
          reply(ex, 307, "");
        });
    server.createContext(
        "/redirect-307-same",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("Location", "/same-landing");
          reply(ex, 307, "");
        });
    server.createContext(
        "/same-landing",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          sameOrigin.add(
              ex.getRequestMethod()
                  + " auth="
                  + ex.getRequestHeaders().getFirst("Authorization")
                  + " body="
                  + new String(body, StandardCharsets.UTF_8));
          reply(ex, 200, "landed");
        });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stopServer() {
    neverReleased.countDown();
    trickleGate.countDown();
    server.stop(0);
    other.stop(0);
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

  private static final String SECRET = "s3cr3t-v@lue/with?odd&chars";

  @Override
  protected TaskExecutor executor() {
    return http("127.0.0.1:*");
  }

  @Override
  protected RunSecrets secrets() {
    return new RunSecrets(
        new EnvPolicy("executors.http.allow-env", List.of("API_TOKEN")),
        Map.of("API_TOKEN", SECRET, "OTHER", "other-value"));
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
    ExecutionResult result =
        run(
            "{\"url\": \""
                + base
                + "/auth?token=${env:API_TOKEN}\", \"headers\": {\"Authorization\": \"Bearer"
                + " ${env:API_TOKEN}\"}}");
    assertThat(authorizations).contains("Bearer " + SECRET);
    String shown = ((ExecutionResult.Success) result).output();
    assertThat(shown).doesNotContain(SECRET).contains("/auth?…");
  }

  @Test
  void secretCutByTheBodyLimit_isMaskedBeforeTheCut() throws Exception {
    for (int n : new int[] {65_536 - 20, 65_536 - 12, 65_536 - 5, 65_536 - 1}) {
      ExecutionResult result =
          run(
              "{\"url\": \""
                  + base
                  + "/pad?n="
                  + n
                  + "\", \"headers\": {\"X-Tok\": \"${env:API_TOKEN}\"}}");
      String output = ((ExecutionResult.Success) result).output();
      assertThat(output).as("n=%d", n).doesNotContain("s3cr").doesNotContain("s3cr3t-v@");
      assertThat(output.substring(output.length() - 8)).doesNotContain("s3");
    }
  }

  @Test
  void secretInThePath_isShownAsItsReference() throws Exception {
    ExecutionResult result = run("{\"url\": \"" + base + "/status/404/${env:API_TOKEN}\"}");
    assertThat(((ExecutionResult.Failure) result).error())
        .doesNotContain("s3cr3t")
        .contains(base + "/status/404/${env:API_TOKEN}");
  }

  @Test
  void secretInAnInvalidHeader_isNotEchoed() throws Exception {
    RunSecrets secrets =
        new RunSecrets(
            new EnvPolicy("executors.http.allow-env", List.of("BAD")),
            Map.of("BAD", "line\nbreak-secret"));
    ExecutionResult result =
        executor()
            .execute(
                contextWith(
                    json(
                        "{\"url\": \"" + base + "/ok\", \"headers\": {\"X-Key\": \"${env:BAD}\"}}"),
                    secrets));
    assertThat(((ExecutionResult.Failure) result).error())
        .contains("config.headers.X-Key")
        .doesNotContain("break-secret");
  }

  @Test
  void aMalformedHeaders_isRefusedWithoutQuotingIt() {
    String secret = "Bearer sk-live-0123456789abcdef";
    assertThat(
            http("*")
                .validate(
                    json("{\"url\": \"http://127.0.0.1/\", \"headers\": \"" + secret + "\"}")))
        .singleElement()
        .asString()
        .isEqualTo("headers: expected an object of strings, got a string")
        .doesNotContain("sk-live");
  }

  @Test
  void references_inTheSchemeHostOrPort_areRefusedWhenAdded() {
    HttpExecutor http = http("*");
    for (String url :
        List.of(
            "http://${env:API_TOKEN}/",
            "http://api.${env:API_TOKEN}.com/",
            "http://127.0.0.1:${env:PORT}/",
            "${env:SCHEME}://127.0.0.1/")) {
      assertThat(http.validate(json("{\"url\": \"" + url + "\"}")))
          .as(url)
          .singleElement()
          .asString()
          .contains("may not stand in the scheme, host or port");
    }
    assertThat(
            http.validate(
                json(
                    "{\"url\": \"https://u:${env:API_TOKEN}@api.example.com/p/${env:X}?q=${env:Y}\"}")))
        .isEmpty();
  }

  @Test
  void referenceThatChangesTheOriginOnceResolved_isRefusedAtRunTime() throws Exception {
    RunSecrets secrets =
        new RunSecrets(
            new EnvPolicy("executors.http.allow-env", List.of("USERINFO")),
            Map.of("USERINFO", "x@169.254.169.254:80/"));
    ExecutionResult result =
        http("127.0.0.1:*")
            .execute(
                contextWith(json("{\"url\": \"http://${env:USERINFO}@127.0.0.1/ok\"}"), secrets));
    assertThat(((ExecutionResult.Failure) result).error())
        .contains("changed the scheme, host or port")
        .doesNotContain("169.254");
  }

  @Test
  void allowHosts_anEntryWithoutAPortAllowsOnlyTheDefaultPort() {
    HttpExecutor http = http("127.0.0.1,api.example.com:8443,[::1]:*");
    assertThat(http.validate(json("{\"url\": \"http://127.0.0.1/x\"}"))).isEmpty();
    assertThat(http.validate(json("{\"url\": \"http://127.0.0.1:80/x\"}"))).isEmpty();
    assertThat(http.validate(json("{\"url\": \"http://127.0.0.1:18082/admin\"}")))
        .singleElement()
        .asString()
        .contains("'127.0.0.1:18082' is not allowed");
    assertThat(http.validate(json("{\"url\": \"https://127.0.0.1/x\"}"))).isEmpty();
    assertThat(http.validate(json("{\"url\": \"https://127.0.0.1:80/x\"}"))).hasSize(1);
    assertThat(http.validate(json("{\"url\": \"https://api.example.com:8443/x\"}"))).isEmpty();
    assertThat(http.validate(json("{\"url\": \"https://api.example.com/x\"}"))).hasSize(1);
    assertThat(http.validate(json("{\"url\": \"http://[::1]:9999/x\"}"))).isEmpty();
  }

  @Test
  void redirect_toAnotherPortOfAnAllowedHost_isRefused() throws Exception {
    ExecutionResult result =
        http("127.0.0.1:" + server.getAddress().getPort())
            .execute(
                context(json("{\"url\": \"" + base + "/redirect-port\"}"), new AtomicBoolean()));
    assertThat(((ExecutionResult.Failure) result).error())
        .contains("refused to follow a redirect")
        .contains("127.0.0.1:" + otherPort());
  }

  @Test
  void redirect_toAnotherOrigin_dropsCredentialsAndTheBody() throws Exception {
    crossOrigin.clear();
    ExecutionResult result =
        run(
            "{\"url\": \""
                + base
                + "/redirect-307-away\", \"method\": \"POST\", \"body\": \"payload\","
                + " \"headers\": {\"Authorization\": \"Bearer t\", \"Cookie\": \"c=1\","
                + " \"Proxy-Authorization\": \"p\", \"X-Kept\": \"k\"}}");
    assertThat(result).isInstanceOf(ExecutionResult.Success.class);
    assertThat(crossOrigin).containsExactly("POST auth=null cookie=null proxy=null kept=k body=");
    sameOrigin.clear();
    run(
        "{\"url\": \""
            + base
            + "/redirect-307-same\", \"method\": \"POST\", \"body\": \"payload\","
            + " \"headers\": {\"Authorization\": \"Bearer t\"}}");
    assertThat(sameOrigin).containsExactly("POST auth=Bearer t body=payload");
  }

  @Test
  void timeout_boundsReadingABodyThatNeverEnds() throws Exception {
    ExecutionResult result = run("{\"url\": \"" + base + "/trickle\", \"timeout_seconds\": 1}");
    assertThat(((ExecutionResult.Failure) result).error())
        .contains("timed out after")
        .contains("body included");
  }

  @Test
  void connectionRefused_isSaidInWords() throws Exception {
    int closed;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    ExecutionResult result = run("{\"url\": \"http://127.0.0.1:" + closed + "/x\"}");
    assertThat(((ExecutionResult.Failure) result).error()).contains("connection refused");
  }

  @Test
  void policy_hostsOutsideTheAllowlistAreRefused_noneByDefault() {
    assertThat(new HttpExecutor().validate(validConfig()))
        .singleElement()
        .asString()
        .contains("'127.0.0.1:" + server.getAddress().getPort() + "' is not allowed")
        .contains("executors.http.allow-hosts (now: none)");
    HttpExecutor wildcard = http("*.example.com");
    assertThat(wildcard.validate(json("{\"url\": \"https://api.example.com/x\"}"))).isEmpty();
    assertThat(wildcard.validate(json("{\"url\": \"http://169.254.169.254/latest/meta-data\"}")))
        .singleElement()
        .asString()
        .contains("169.254.169.254");
  }
}
