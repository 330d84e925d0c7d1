package dev.schedulerd.mcp.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedulerd.mcp.tools.SchedulerTools;
import dev.schedulerd.runtime.Scheduler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web dashboard, served by the background daemon on loopback: static pages bundled in the jar,
 * a JSON API that calls the same tools the MCP clients call (as the client {@code dashboard}), and
 * live updates over Server-Sent Events ({@link DashboardEvents}). Every request must name this
 * server in its Host header and carry the login's session; every action its CSRF token; none in
 * read-only mode.
 */
@dev.schedulerd.mcp.SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver module, not internals")
public final class DashboardServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Who the dashboard is in what it changes. */
  static final String ACTOR = "dashboard";

  private static final Map<String, String> ACTIONS =
      Map.of(
          "pause", "scheduler_pause_task",
          "resume", "scheduler_resume_task",
          "run-now", "scheduler_run_task_now",
          "skip-next", "scheduler_skip_next_run",
          "retry", "scheduler_retry_task",
          "remove", "scheduler_remove_task");

  private static final Map<String, String> STATIC =
      Map.of(
          "/", "index.html",
          "/app.js", "app.js",
          "/app.css", "app.css");

  private static final Set<String> TASK_FILTERS =
      Set.of("status", "priority", "label", "task_type", "cursor", "limit");

  private final HttpServer server;
  private final Scheduler scheduler;
  private final SchedulerTools tools;
  private final DashboardAccess access;
  private final DashboardEvents events;
  private final boolean readOnly;
  private final String origin;
  private final InstantSource clock;
  private final Runnable onClose;

  private DashboardServer(
      HttpServer server,
      Scheduler scheduler,
      SchedulerTools tools,
      DashboardAccess access,
      DashboardEvents events,
      boolean readOnly,
      String origin,
      InstantSource clock,
      Runnable onClose) {
    this.server = server;
    this.scheduler = scheduler;
    this.tools = tools;
    this.access = access;
    this.events = events;
    this.readOnly = readOnly;
    this.origin = origin;
    this.clock = clock;
    this.onClose = onClose;
  }

  /**
   * Serves the dashboard on {@code bind}:{@code port} (0: any free port). A taken port is an error,
   * never a silent move: a bookmarked sign-in URL would then reach whoever took the port.
   *
   * @param tokenFile where the sign-in token is kept (0600; made when missing)
   * @param extraHosts Host headers accepted besides this server's own (a reverse proxy's)
   * @param onClose runs when the dashboard closes (removes its URL file)
   */
  public static DashboardServer start(
      Scheduler scheduler,
      SchedulerTools tools,
      String bind,
      int port,
      Path tokenFile,
      List<String> extraHosts,
      boolean readOnly,
      Runnable onClose)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (!address.getAddress().isLoopbackAddress()) {
      log.warn(
          "The dashboard listens on {}, beyond this machine, over plain HTTP: put it behind a"
              + " TLS proxy instead (README, The dashboard)",
          bind);
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 64);
    } catch (java.net.BindException e) {
      throw new IOException(
          "port " + port + " is taken; choose another with dashboard.port (0: any free one)", e);
    }
    try {
      int actual = server.getAddress().getPort();
      String host = hostOf(address);
      List<String> hosts = new java.util.ArrayList<>(extraHosts);
      hosts.add(host + ":" + actual); // the address the printed URL names
      DashboardAccess access = DashboardAccess.load(tokenFile, actual, hosts);
      DashboardEvents events = new DashboardEvents();
      DashboardServer dashboard =
          new DashboardServer(
              server,
              scheduler,
              tools,
              access,
              events,
              readOnly,
              "http://" + host + ":" + actual,
              scheduler.clock(),
              () -> {
                scheduler.removeListener(events);
                onClose.run();
              });
      scheduler.addListener(events);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/", dashboard::handle);
      server.start();
      return dashboard;
    } catch (IOException | RuntimeException e) {
      server.stop(0); // the port goes back
      throw e;
    }
  }

  /** How the printed URL names a bound address: 127.0.0.1 for "any", IPv6 in brackets. */
  private static String hostOf(InetSocketAddress address) {
    java.net.InetAddress ip = address.getAddress();
    if (ip.isAnyLocalAddress()) {
      return "127.0.0.1";
    }
    return ip instanceof java.net.Inet6Address
        ? "[" + ip.getHostAddress() + "]"
        : ip.getHostAddress();
  }

  /** The URL that signs a person in (it holds the token: for this user's eyes only). */
  public String loginUrl() {
    return access.loginUrl(origin);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      try {
        route(exchange);
      } catch (IOException e) {
        log.debug(
            "Dashboard request {} ended: {}", exchange.getRequestURI().getRawPath(), e.toString());
      } catch (RuntimeException e) {
        log.warn(
            "Dashboard request {} failed: {}", exchange.getRequestURI().getRawPath(), e.toString());
        if (exchange.getResponseCode() == -1) {
          json(exchange, 500, error("internal error; the daemon's log has details"));
        }
      }
    } catch (IOException e) {
      log.debug("Could not answer a dashboard request: {}", e.toString());
    }
  }

  private void route(HttpExchange exchange) throws IOException {
    if (!access.hostAllowed(exchange)) {
      send(exchange, 403, "text/plain", "this dashboard answers only to its own address");
      return;
    }
    URI uri = exchange.getRequestURI();
    String path = uri.getRawPath(); // decoded once, where a part of it is used
    if (path.equals("/login")) {
      String token;
      try {
        token = query(uri).get("token");
      } catch (IllegalArgumentException e) {
        send(exchange, 400, "text/plain", "the sign-in URL is not valid");
        return;
      }
      login(exchange, token);
      return;
    }
    if (!access.signedIn(exchange, clock.instant())) {
      send(
          exchange,
          401,
          "text/html; charset=utf-8",
          "<!doctype html><title>schedulerd</title><p>Not signed in. Open the URL that"
              + " <code>schedulerd dashboard</code> prints.</p>");
      return;
    }
    String resource = STATIC.get(path);
    if (resource != null && exchange.getRequestMethod().equals("GET")) {
      serveResource(exchange, resource);
    } else if (path.startsWith("/vendor/uplot/")) {
      serveUplot(exchange, path.substring("/vendor/uplot/".length()));
    } else if (path.equals("/api/events")) {
      events.stream(exchange);
    } else if (path.startsWith("/api/")) {
      try {
        api(exchange, path.substring("/api/".length()), uri);
      } catch (NumberFormatException e) {
        json(exchange, 400, error("limit must be a whole number"));
      } catch (IllegalArgumentException e) {
        json(exchange, 400, error("the request's path or query is not valid"));
      }
    } else {
      send(exchange, 404, "text/plain", "no such page");
    }
  }

  private void login(HttpExchange exchange, @org.jspecify.annotations.Nullable String token)
      throws IOException {
    if (!access.tokenMatches(token)) {
      send(exchange, 401, "text/plain", "wrong token");
      return;
    }
    exchange.getResponseHeaders().add("Set-Cookie", access.openSession(clock.instant()));
    // A page of ours that moves on to the overview, not a 303: a sign-in opened from another site
    // (a redirect file, a link) would not send the SameSite=Strict cookie along a redirect.
    send(
        exchange,
        200,
        "text/html; charset=utf-8",
        "<!doctype html><meta http-equiv=\"refresh\" content=\"0;url=/\"><title>schedulerd</title>"
            + "<p>Signed in. <a href=\"/\">Open the dashboard</a>.</p>");
  }

  private void api(HttpExchange exchange, String route, URI uri) throws IOException {
    String method = exchange.getRequestMethod();
    Map<String, String> query = query(uri);
    if (method.equals("POST")) {
      if (readOnly) {
        json(exchange, 403, error("the dashboard is read-only (dashboard.read-only=true)"));
        return;
      }
      if (!access.actionAllowed(exchange)) {
        json(exchange, 403, error("refused: the action's CSRF token or origin is not this page's"));
        return;
      }
      String[] parts = route.split("/");
      String tool = parts.length == 3 && parts[0].equals("tasks") ? ACTIONS.get(parts[2]) : null;
      if (tool == null) {
        json(exchange, 404, error("no such action"));
        return;
      }
      call(exchange, tool, Map.of("task_id", decode(parts[1])));
      return;
    }
    if (!method.equals("GET")) {
      json(exchange, 405, error("GET or POST"));
      return;
    }
    if (route.equals("session")) {
      ObjectNode session = JSON.createObjectNode();
      session.put("read_only", readOnly).put("csrf", access.csrf()).put("actor", ACTOR);
      json(exchange, 200, session);
    } else if (route.equals("overview")) {
      call(exchange, "scheduler_get_status", Map.of());
    } else if (route.equals("activity")) {
      json(exchange, 200, JSON.valueToTree(DashboardActivity.of(scheduler, clock.instant())));
    } else if (route.equals("executors")) {
      call(exchange, "scheduler_list_executors", Map.of());
    } else if (route.equals("tasks")) {
      Map<String, Object> args = new LinkedHashMap<>();
      query.forEach(
          (key, value) -> {
            if (TASK_FILTERS.contains(key) && !value.isBlank()) {
              args.put(key, key.equals("limit") ? Integer.parseInt(value) : value);
            }
          });
      call(exchange, "scheduler_list_tasks", args);
    } else if (route.startsWith("tasks/")) {
      call(exchange, "scheduler_get_task", Map.of("task_id", decode(route.substring(6))));
    } else if (route.equals("preview")) {
      Map<String, Object> args = new LinkedHashMap<>();
      for (String key :
          List.of("task_id", "cron_expression", "cron_dialect", "time_zone", "interval")) {
        String value = query.get(key);
        if (value != null && !value.isBlank()) {
          args.put(key, value);
        }
      }
      args.put("count", 10);
      call(exchange, "scheduler_preview_schedule", args);
    } else if (route.equals("runs")) {
      Map<String, Object> args = new LinkedHashMap<>();
      if (query.containsKey("task_id")) {
        args.put("task_id", query.get("task_id"));
      }
      String limit = query.get("limit");
      if (limit != null) {
        args.put("limit", Integer.parseInt(limit));
      }
      call(exchange, "scheduler_list_runs", args);
    } else {
      json(exchange, 404, error("no such route"));
    }
  }

  private void call(HttpExchange exchange, String tool, Map<String, Object> args)
      throws IOException {
    JsonNode result = JSON.valueToTree(tools.call(tool, args, ACTOR));
    if (result.path("isError").asBoolean()) {
      json(exchange, 400, error(result.path("content").path(0).path("text").asText("refused")));
    } else {
      json(exchange, 200, result.path("structuredContent"));
    }
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
    send(exchange, status, "application/json", JSON.writeValueAsString(body));
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    securityHeaders(exchange);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** No framing by other sites, no scripts but our own, no sniffing. */
  static void securityHeaders(HttpExchange exchange) {
    var headers = exchange.getResponseHeaders();
    headers.set("X-Frame-Options", "DENY");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set(
        "Content-Security-Policy",
        "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    headers.set("Cache-Control", "no-store");
  }

  private void serveResource(HttpExchange exchange, String name) throws IOException {
    try (InputStream in = DashboardServer.class.getResourceAsStream("/dashboard/" + name)) {
      if (in == null) {
        send(exchange, 404, "text/plain", "missing " + name);
        return;
      }
      String type =
          name.endsWith(".js")
              ? "text/javascript"
              : name.endsWith(".css") ? "text/css" : "text/html; charset=utf-8";
      send(exchange, 200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** uPlot's files from its WebJar on the class path: bundled at build time, no CDN. */
  private void serveUplot(HttpExchange exchange, String file) throws IOException {
    if (!file.equals("uPlot.iife.min.js") && !file.equals("uPlot.min.css")) {
      send(exchange, 404, "text/plain", "no such file");
      return;
    }
    try (InputStream in =
        DashboardServer.class.getResourceAsStream(
            "/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/" + file)) {
      if (in == null) {
        send(exchange, 404, "text/plain", "missing " + file);
        return;
      }
      String type = file.endsWith(".js") ? "text/javascript" : "text/css";
      send(exchange, 200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static final String UPLOT_VERSION = "1.6.30";

  private static Map<String, String> query(URI uri) {
    Map<String, String> values = new LinkedHashMap<>();
    String raw = uri.getRawQuery();
    if (raw == null) {
      return values;
    }
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      values.put(decode(kv[0]), kv.length == 2 ? decode(kv[1]) : "");
    }
    return values;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private final ReentrantLock closing = new ReentrantLock();
  private boolean closed; // guarded by closing

  /**
   * Idempotent: the daemon's main thread and its shutdown hook may both close it. A second caller
   * waits for the first to finish: the JVM halts once the hook returns, and a hook that returned
   * while the main thread was still closing left the URL file of a stopped daemon behind.
   */
  @Override
  public void close() {
    closing.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        events.close();
        server.stop(0);
        tools.close();
      } finally {
        onClose.run(); // the URL file goes even when a step above failed (at shutdown, say)
      }
    } finally {
      closing.unlock();
    }
  }
}
