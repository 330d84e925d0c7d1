package dev.schedulerd.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.TaskExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Kind {@code http}: one HTTP request with {@code java.net.http}. Only hosts the operator lists in
 * {@code executors.http.allow-hosts} may be called — none by default, so an LLM cannot reach
 * internal services (cloud metadata, admin ports) until someone decides it may.
 *
 * <p>Config: {@code url}, {@code method} (default GET), {@code headers}, {@code body} (text),
 * {@code timeout_seconds} (default: the task's timeout), {@code expect_status} (default any 2xx),
 * {@code follow_redirects} (default true; every hop must be an allowed host). Values of {@code
 * url}, {@code headers} and {@code body} may reference {@code ${env:NAME}}, resolved at run time
 * and never shown. The first 64 KiB of the response body are kept, with the count of bytes dropped.
 * 5xx, 408, 429 and network errors are retried; other unexpected statuses are final.
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
  private volatile ExecutorSettings settings = ExecutorSettings.none("http");
  private volatile List<String> allowHosts = List.of();

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
    this.settings = operatorSettings;
    this.allowHosts =
        operatorSettings.list("allow-hosts").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
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
    } else if (!url.asText().contains("${env:")) {
      problems.addAll(checkUrl(url.asText(), "url"));
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
        problems.add("headers: expected an object of strings, got " + headers);
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

  private List<String> checkUrl(String text, String field) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      return List.of(field + ": '" + redact(text) + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return List.of(
          field + ": only http and https URLs are supported, got '" + redact(text) + "'");
    }
    String host = uri.getHost();
    if (host == null) {
      return List.of(field + ": '" + redact(text) + "' has no host");
    }
    if (!hostAllowed(host)) {
      return List.of(
          field
              + ": host '"
              + host
              + "' is not allowed on this daemon; the operator lists allowed hosts in "
              + settings.keyName("allow-hosts")
              + (allowHosts.isEmpty()
                  ? " (now: none)"
                  : " (now: " + String.join(", ", allowHosts) + ")"));
    }
    return List.of();
  }

  private boolean hostAllowed(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    for (String pattern : allowHosts) {
      if (pattern.equals("*") || pattern.equals(h)) {
        return true;
      }
      if (pattern.startsWith("*.") && h.endsWith(pattern.substring(1))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
    ObjectNode config = context.config();
    Map<String, String> env = System.getenv();
    URI uri;
    HttpRequest.Builder request;
    String method = config.path("method").asText("GET").toUpperCase(Locale.ROOT);
    try {
      String url = EnvReferences.resolve(config.path("url").asText(), env, "config.url");
      List<String> urlProblems = checkUrl(url, "url");
      if (!urlProblems.isEmpty()) {
        return ExecutionResult.permanentFailure("refused on this node: " + urlProblems.get(0));
      }
      uri = URI.create(url);
      String body =
          config.has("body")
              ? EnvReferences.resolve(config.get("body").asText(), env, "config.body")
              : null;
      request =
          HttpRequest.newBuilder()
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
      for (Iterator<Map.Entry<String, JsonNode>> it = config.path("headers").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> h = it.next();
        request.header(
            h.getKey(),
            EnvReferences.resolve(h.getValue().asText(), env, "config.headers." + h.getKey()));
      }
    } catch (EnvReferences.MissingVariableException e) {
      return ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
    } catch (IllegalArgumentException e) {
      return ExecutionResult.permanentFailure("the request is invalid: " + e.getMessage());
    }
    Duration timeout =
        config.has("timeout_seconds")
            ? Duration.ofMillis(Math.round(config.get("timeout_seconds").asDouble() * 1000))
            : Duration.between(clock.instant(), context.deadline());
    if (timeout.isNegative() || timeout.isZero()) {
      timeout = Duration.ofMillis(1);
    }
    boolean follow = config.path("follow_redirects").asBoolean(true);
    Instant started = clock.instant();
    URI current = uri;
    HttpResponse<InputStream> response;
    try {
      for (int hop = 0; ; hop++) {
        HttpRequest built = request.copy().uri(current).timeout(timeout).build();
        response = client().send(built, HttpResponse.BodyHandlers.ofInputStream());
        int status = response.statusCode();
        if (!follow
            || status < 300
            || status > 399
            || response.headers().firstValue("location").isEmpty()) {
          break;
        }
        if (hop == MAX_REDIRECTS) {
          response.body().close();
          return ExecutionResult.failure(
              "more than " + MAX_REDIRECTS + " redirects from " + redact(uri.toString()));
        }
        URI next = current.resolve(response.headers().firstValue("location").get());
        response.body().close();
        List<String> problems = checkUrl(next.toString(), "redirect");
        if (!problems.isEmpty()) {
          return ExecutionResult.permanentFailure(
              "refused to follow a redirect: " + problems.get(0));
        }
        if (status == 303) {
          request = request.copy().GET();
        }
        current = next;
      }
    } catch (HttpTimeoutException e) {
      return ExecutionResult.failure(
          method
              + " "
              + redact(current.toString())
              + " timed out after "
              + seconds(Duration.between(started, clock.instant())));
    } catch (IOException e) {
      return ExecutionResult.failure(method + " " + redact(current.toString()) + " failed: " + e);
    }
    int status = response.statusCode();
    String body;
    long dropped;
    try (InputStream in = response.body()) {
      byte[] kept = in.readNBytes(KEPT_BYTES);
      long rest = 0;
      byte[] skip = new byte[8192];
      int n;
      while ((n = in.read(skip)) > 0) {
        rest += n;
      }
      body = new String(kept, StandardCharsets.UTF_8);
      dropped = rest;
    } catch (IOException e) {
      return ExecutionResult.failure(
          "reading the response of " + redact(current.toString()) + " failed: " + e);
    }
    String summary =
        "HTTP "
            + status
            + " from "
            + method
            + " "
            + redact(current.toString())
            + " after "
            + seconds(Duration.between(started, clock.instant()))
            + (body.isEmpty()
                ? ""
                : "\n--- body"
                    + (dropped > 0
                        ? " (first " + KEPT_BYTES + " bytes; " + dropped + " later bytes dropped)"
                        : "")
                    + " ---\n"
                    + body);
    if (expected(config.get("expect_status"), status)) {
      return ExecutionResult.success(summary);
    }
    boolean retryable = status >= 500 || status == 408 || status == 429;
    return new ExecutionResult.Failure("unexpected status: " + summary, retryable);
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

  /** The URL without user info or query, which may carry credentials. */
  static String redact(String url) {
    try {
      URI uri = new URI(url);
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
          + (uri.getRawQuery() != null ? "?…" : "");
    } catch (URISyntaxException | RuntimeException e) {
      return "(an invalid URL)";
    }
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
  }
}
