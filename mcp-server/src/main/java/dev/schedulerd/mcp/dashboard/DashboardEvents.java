package dev.schedulerd.mcp.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.SchedulerListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;

/**
 * Server-Sent Events for open dashboard pages: each change the scheduler reports (a task added,
 * changed or removed, a run started or finished) is sent to every page as one small event, so that
 * a run that ends shows without a reload. The listener only queues (it runs on the scheduler's
 * threads); each page's stream writes on its own request thread, and a page that does not keep up
 * loses events rather than slowing anyone (it reloads on the next one).
 */
@dev.schedulerd.mcp.SuppressForbidden(
    reason =
        "com.sun.net.httpserver is the exported, supported jdk.httpserver module, not internals")
final class DashboardEvents implements SchedulerListener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Open pages at most: each holds a request thread (virtual) and a connection. */
  static final int MAX_STREAMS = 32;

  /** A comment this often keeps proxies and the browser from closing an idle stream. */
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private static final String CLOSE = "close";

  private final CopyOnWriteArraySet<BlockingQueue<String>> streams = new CopyOnWriteArraySet<>();
  private final java.util.concurrent.Semaphore slots =
      new java.util.concurrent.Semaphore(MAX_STREAMS);

  @Override
  public void taskAdded(StoredTask task) {
    publish("task", task.id());
  }

  @Override
  public void taskChanged(StoredTask task) {
    publish("task", task.id());
  }

  @Override
  public void taskRemoved(String taskId) {
    publish("task", taskId);
  }

  @Override
  public void runStarted(StoredTask task, String runId, Duration lateness) {
    publish("run", task.id());
  }

  @Override
  public void runFinished(StoredTask task, RunRecord run) {
    publish("run", task.id());
  }

  private void publish(String kind, String taskId) {
    String event;
    try {
      event = "event: " + kind + "\ndata: " + JSON.writeValueAsString(Map.of("task_id", taskId));
    } catch (IOException e) {
      return;
    }
    for (BlockingQueue<String> stream : streams) {
      stream.offer(event); // full: that page misses it, and catches up at its next event
    }
  }

  /** Streams events to one page until it goes away or the dashboard closes. */
  void stream(HttpExchange exchange) throws IOException {
    if (!slots.tryAcquire()) {
      DashboardServer.securityHeaders(exchange);
      exchange.sendResponseHeaders(503, -1); // the page's EventSource tries again later
      return;
    }
    BlockingQueue<String> queue = new ArrayBlockingQueue<>(256);
    streams.add(queue);
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      DashboardServer.securityHeaders(exchange);
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      write(out, ": connected");
      while (true) {
        String event = queue.poll(KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
        if (CLOSE.equals(event)) {
          return;
        }
        write(out, event == null ? ": keep-alive" : event);
      }
    } catch (IOException e) {
      // the page went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.remove(queue);
      slots.release();
    }
  }

  private static void write(OutputStream out, String event) throws IOException {
    out.write((event + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @Override
  public void close() {
    for (BlockingQueue<String> stream : streams) {
      stream.clear();
      stream.offer(CLOSE);
    }
  }
}
