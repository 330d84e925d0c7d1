package dev.schedulerd.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} in Prometheus' text format, on a JDK {@link HttpServer}. Bind it to
 * 127.0.0.1 unless the network in front of it is trusted: the meters say what the daemon does.
 */
@SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver module, not internals")
public final class MetricsServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService threads;

  private MetricsServer(HttpServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /**
   * Starts serving.
   *
   * @throws IOException when the address cannot be bound (e.g. the port is taken)
   */
  public static MetricsServer start(String bindAddress, int port, PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
    ExecutorService threads =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("schedulerd-metrics-", 0).factory());
    server.setExecutor(threads);
    server.createContext(
        "/metrics",
        exchange -> {
          try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")
                && !exchange.getRequestMethod().equals("HEAD")) {
              send(exchange, 405, "use GET\n");
              return;
            }
            exchange
                .getResponseHeaders()
                .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            send(exchange, 200, registry.scrape());
          }
        });
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            send(exchange, 404, "schedulerd serves /metrics\n");
          }
        });
    server.start();
    return new MetricsServer(server, threads);
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The port actually bound (useful when 0 asked for any free one). */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdown();
  }
}
