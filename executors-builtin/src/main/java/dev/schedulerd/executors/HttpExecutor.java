package dev.schedulerd.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.EnvReferenceException;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.json.TaskJson;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Kind {@code http}: one HTTP request with {@code java.net.http}. Only hosts the operator lists in
 * {@code executors.http.allow-hosts} may be called — none by default, so an LLM cannot reach
 * internal services (cloud metadata, admin ports) until someone decides it may.
 *
 * <p>Config: {@code url}, {@code method} (default GET), {@code headers}, {@code body} (text),
 * {@code timeout_seconds} (default: the task's timeout), {@code expect_status} (default any 2xx),
 * {@code follow_redirects} (default true; every hop must be an allowed host and port, and a hop to
 * another origin drops {@code Authorization}, {@code Cookie}, {@code Proxy-Authorization} and the
 * body). Values of {@code url} (not its scheme, host or port), {@code headers} and {@code body} may
 * reference {@code ${env:NAME}} for names in {@code executors.http.allow-env}, resolved through the
 * run's context and masked in what the run reports. {@code timeout_seconds} bounds the whole
 * exchange, redirects and body included. The first 64 KiB of the response body are kept, with the
 * count of bytes dropped. 5xx, 408, 429 and network errors are retried; other unexpected statuses
 * are final.
 */
public final class HttpExecutor implements TaskExecutor {
  static final int KEPT_BYTES = 64 * 1024;
  private static final int MAX_REDIRECTS = 5;
  private static final Set<String> FIELDS =
      Set.of(
          "url",
          "method",
          "headers",
          "body",
          "timeout_seconds",
          "expect_status",
          "follow_redirects");
  private static final Set<String> METHODS =
      Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD");

  private final InstantSource clock;
  // Made on the first request: building one (its selector thread, the default SSL context and
  // its trust store) cost tens of milliseconds of every daemon start, most of which never send one.
  private final ReentrantLock clientLock = new ReentrantLock();
  private volatile @Nullable HttpClient client;
  private volatile HostRules hostRules = HostRules.none();

  public HttpExecutor() {
    this(InstantSource.system());
  }

  HttpExecutor(InstantSource clock) {
    this.clock = clock;
  }

  private HttpClient client() {
    HttpClient made = client;
    if (made == null) {
      clientLock.lock();
      try {
        made = client;
        if (made == null) {
          made =
              HttpClient.newBuilder()
                  .followRedirects(HttpClient.Redirect.NEVER) // we follow them, checking each host
                  .connectTimeout(Duration.ofSeconds(10))
                  .build();
          client = made;
        }
      } finally {
        clientLock.unlock();
      }
    }
    return made;
  }

  @Override
  public String kind() {
    return "http";
  }

  @Override
  public String description() {
    return "Sends one HTTP request to an allowed host; an expected status is success.";
  }

  @Override
  public void configure(ExecutorSettings operatorSettings) {
    this.hostRules = HostRules.of(operatorSettings);
  }

  @Override
  public ObjectNode configSchema() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode schema = json.objectNode().put("type", "object");
    ObjectNode p = schema.putObject("properties");
    p.putObject("url").put("type", "string").put("description", "http(s) URL on an allowed host.");
    p.putObject("method")
        .put("type", "string")
        .put("default", "GET")
        .putArray("enum")
        .add("GET")
        .add("POST")
        .add("PUT")
        .add("PATCH")
        .add("DELETE")
        .add("HEAD");
    p.putObject("headers")
        .put("type", "object")
        .putObject("additionalProperties")
        .put("type", "string");
    p.putObject("body").put("type", "string");
    p.putObject("timeout_seconds").put("type", "number").put("exclusiveMinimum", 0);
    p.putObject("expect_status")
        .put("type", "array")
        .putObject("items")
        .put("type", "integer")
        .put("minimum", 100)
        .put("maximum", 599);
    p.putObject("follow_redirects").put("type", "boolean").put("default", true);
    schema.putArray("required").add("url");
    schema.put("additionalProperties", false);
    return schema;
  }

  @Override
  public List<String> validate(ObjectNode config) {
    List<String> problems = new ArrayList<>();
    for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        problems.add(
            "unknown field '"
                + name
                + "': use "
                + String.join(", ", FIELDS.stream().sorted().toList()));
      }
    }
    JsonNode url = config.get("url");
    if (url == null || !url.isTextual() || url.asText().isBlank()) {
      problems.add("url: required, e.g. \"https://api.example.com/ping\"");
    } else {
      problems.addAll(hostRules.checkTemplate(url.asText()));
    }
    JsonNode method = config.get("method");
    if (method != null
        && (!method.isTextual() || !METHODS.contains(method.asText().toUpperCase(Locale.ROOT)))) {
      problems.add(
          "method: "
              + method
              + " is not one of "
              + String.join(", ", METHODS.stream().sorted().toList()));
    }
    JsonNode headers = config.get("headers");
    if (headers != null) {
      if (!headers.isObject()) {
        problems.add("headers: expected an object of strings, got " + TaskJson.kindOf(headers));
      } else {
        headers
            .fields()
            .forEachRemaining(
                h -> {
                  if (!h.getValue().isTextual()) {
                    problems.add("headers." + h.getKey() + ": expected a string");
                  }
                });
      }
    }
    JsonNode body = config.get("body");
    if (body != null && !body.isTextual()) {
      problems.add("body: expected a string (serialize JSON yourself), got " + body.getNodeType());
    }
    JsonNode timeout = config.get("timeout_seconds");
    if (timeout != null && (!timeout.isNumber() || timeout.asDouble() <= 0)) {
      problems.add("timeout_seconds: expected a positive number, got " + timeout);
    }
    JsonNode expect = config.get("expect_status");
    if (expect != null) {
      if (!expect.isArray() || expect.isEmpty()) {
        problems.add("expect_status: expected a non-empty list of status codes, e.g. [200, 204]");
      } else {
        expect.forEach(
            c -> {
              if (!c.isInt() || c.asInt() < 100 || c.asInt() > 599) {
                problems.add("expect_status: " + c + " is not a status code");
              }
            });
      }
    }
    JsonNode follow = config.get("follow_redirects");
    if (follow != null && !follow.isBoolean()) {
      problems.add("follow_redirects: expected true or false, got " + follow);
    }
    return problems;
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
    ObjectNode config = context.config();
    String template = config.path("url").asText();
    String shownUrl = HttpUrls.shown(template);
    String method = config.path("method").asText("GET").toUpperCase(Locale.ROOT);
    List<String> refused =
        hostRules.checkTemplate(template); // this node's policy may differ from the adder's
    if (!refused.isEmpty()) {
      return ExecutionResult.permanentFailure("refused on this node: " + refused.get(0));
    }
    URI uri;
    String body;
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    try {
      String url = context.resolveEnv(template, "config.url");
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        return ExecutionResult.permanentFailure(
            "config.url: " + shownUrl + " is not a valid URL once its references are resolved");
      }
      if (!HttpUrls.origin(uri)
          .equals(HttpUrls.origin(URI.create(HttpUrls.withPlaceholders(template, "x0"))))) {
        return ExecutionResult.permanentFailure(
            "config.url: a resolved reference changed the scheme, host or port of "
                + shownUrl
                + "; refused");
      }
      body =
          config.has("body")
              ? context.resolveEnv(config.get("body").asText(), "config.body")
              : null;
      for (Iterator<Map.Entry<String, JsonNode>> it = config.path("headers").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> h = it.next();
        String value = context.resolveEnv(h.getValue().asText(), "config.headers." + h.getKey());
        try {
          HttpRequest.newBuilder().header(h.getKey(), value); // checks the name and value
        } catch (IllegalArgumentException e) {
          // The JDK's message quotes the value, which may hold a resolved secret.
          return ExecutionResult.permanentFailure(
              "config.headers."
                  + h.getKey()
                  + ": not a header this client may send, or its value (once resolved) holds"
                  + " characters a header may not");
        }
        headers.add(Map.entry(h.getKey(), value));
      }
    } catch (EnvReferenceException e) {
      return ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
    }
    Instant started = clock.instant();
    Duration allowed =
        config.has("timeout_seconds")
            ? Duration.ofMillis(Math.round(config.get("timeout_seconds").asDouble() * 1000))
            : Duration.between(started, context.deadline());
    Instant deadline =
        started.plus(allowed.isNegative() || allowed.isZero() ? Duration.ofMillis(1) : allowed);
    boolean follow = config.path("follow_redirects").asBoolean(true);
    URI current = uri;
    String currentShown = shownUrl;
    String currentMethod = method;
    boolean sendCredentials = true;
    String sentBody = body;
    Exchange exchange;
    try {
      for (int hop = 0; ; hop++) {
        exchange =
            exchange(
                request(current, currentMethod, headers, sendCredentials, sentBody, deadline),
                follow,
                deadline);
        int status = exchange.status();
        if (!exchange.redirect()) {
          break;
        }
        if (hop == MAX_REDIRECTS) {
          return ExecutionResult.failure(
              "more than " + MAX_REDIRECTS + " redirects from " + shownUrl);
        }
        URI next;
        try {
          next = current.resolve(exchange.location());
        } catch (IllegalArgumentException e) {
          return ExecutionResult.permanentFailure(
              "refused to follow a redirect from " + currentShown + ": its Location is not a URL");
        }
        List<String> problems = hostRules.checkUrl(next.toString(), "redirect");
        if (!problems.isEmpty()) {
          return ExecutionResult.permanentFailure(
              "refused to follow a redirect: " + problems.get(0));
        }
        if (!HttpUrls.origin(next).equals(HttpUrls.origin(current))) {
          // As curl and browsers do: credentials and the body stay with the origin they were for.
          sendCredentials = false;
          sentBody = null;
        }
        if (status == 303) {
          currentMethod = "GET";
          sentBody = null;
        }
        current = next;
        currentShown = HttpUrls.redact(next.toString());
      }
    } catch (TimeoutException e) {
      return ExecutionResult.failure(
          method
              + " "
              + currentShown
              + " timed out after "
              + seconds(Duration.between(started, clock.instant()))
              + " (timeout_seconds bounds the whole exchange, body included)");
    } catch (IOException e) {
      return ExecutionResult.failure(
          method + " " + currentShown + " failed: " + HttpResponses.describe(e));
    }
    String summary =
        "HTTP "
            + exchange.status()
            + " from "
            + method
            + " "
            + currentShown
            + " after "
            + seconds(Duration.between(started, clock.instant()))
            + exchange.body().describe(context);
    if (expected(config.get("expect_status"), exchange.status())) {
      return ExecutionResult.success(summary);
    }
    int status = exchange.status();
    boolean retryable = status >= 500 || status == 408 || status == 429;
    return new ExecutionResult.Failure("unexpected status: " + summary, retryable);
  }

  private static final Set<String> CREDENTIAL_HEADERS =
      Set.of("authorization", "cookie", "proxy-authorization");

  private static HttpRequest request(
      URI uri,
      String method,
      List<Map.Entry<String, String>> headers,
      boolean sendCredentials,
      @Nullable String body,
      Instant deadline) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (Map.Entry<String, String> h : headers) {
      if (sendCredentials || !CREDENTIAL_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        builder.header(h.getKey(), h.getValue());
      }
    }
    return builder.build();
  }

  /** A response's status, its redirect target when it is one we follow, and its kept body. */
  private record Exchange(int status, @Nullable String location, HttpResponses.KeptBody body) {
    boolean redirect() {
      return location != null;
    }
  }

  /**
   * Sends one request and reads its response, all before {@code deadline}: a body that never ends
   * or trickles is cut off there, and the exchange aborted.
   */
  private Exchange exchange(HttpRequest request, boolean follow, Instant deadline)
      throws IOException, TimeoutException, InterruptedException {
    HttpResponses.KeptBody kept = new HttpResponses.KeptBody();
    String[] location = new String[1];
    CompletableFuture<HttpResponse<Void>> future =
        client()
            .sendAsync(
                request,
                info -> {
                  int status = info.statusCode();
                  Optional<String> to = info.headers().firstValue("location");
                  if (follow && status >= 300 && status <= 399 && to.isPresent()) {
                    location[0] = to.get();
                    return HttpResponse.BodySubscribers.discarding();
                  }
                  return HttpResponse.BodySubscribers.ofByteArrayConsumer(kept);
                });
    long waitNanos = Math.max(1, Duration.between(clock.instant(), deadline).toNanos());
    try {
      HttpResponse<Void> response = future.get(waitNanos, TimeUnit.NANOSECONDS);
      return new Exchange(response.statusCode(), location[0], kept);
    } catch (TimeoutException | InterruptedException e) {
      future.cancel(true); // aborts the exchange and closes its connection
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException timeout) {
        throw new TimeoutException(timeout.getMessage());
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause == null ? "the request failed" : cause.toString(), cause);
    }
  }

  private static boolean expected(@Nullable JsonNode expect, int status) {
    if (expect == null) {
      return status >= 200 && status <= 299;
    }
    for (JsonNode code : expect) {
      if (code.asInt() == status) {
        return true;
      }
    }
    return false;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
  }
}
