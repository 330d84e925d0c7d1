package dev.schedulerd.mcp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.mcp.tools.SchedulerTools;
import dev.schedulerd.mcp.transport.ChannelStreams;
import dev.schedulerd.mcp.transport.DaemonRequests;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * How the operator's CLI calls the scheduler's tools: on the store's daemon when one answers (over
 * its socket, as an MCP client), else in this process on the store itself (a scheduler that is
 * never started: nothing runs here). Either way the answer is the tool's own: {@code isError},
 * {@code structuredContent}, {@code content}.
 */
sealed interface ToolConnection extends AutoCloseable {
  ObjectMapper JSON = new ObjectMapper();

  /** Who the CLI is in runs and tasks it changes. */
  String ACTOR = "schedulerd-cli";

  /** The tool's result as JSON. */
  JsonNode call(String tool, Map<String, Object> args) throws IOException;

  /** Where the calls go, for the user: the daemon (its pid) or the store. */
  String where();

  @Override
  void close();

  /** The daemon's socket, or null when no daemon of the store answers. */
  static @Nullable ToolConnection toDaemon(DaemonPaths paths, @Nullable Path storeFile)
      throws IOException {
    SocketChannel channel = FrontEnd.tryConnect(paths.socket());
    if (channel == null && storeFile != null) {
      Path elsewhere = DaemonSocket.socketBeside(storeFile);
      channel = elsewhere == null ? null : FrontEnd.tryConnect(elsewhere);
    }
    if (channel == null) {
      return null;
    }
    Daemon daemon = new Daemon(channel);
    try {
      daemon.open();
      return daemon;
    } catch (IOException | RuntimeException e) {
      daemon.close();
      throw e;
    }
  }

  /** The store itself, in this process. */
  static ToolConnection toStore(String store, Settings settings, ZoneId zone) {
    ClassLoader loader = Main.class.getClassLoader();
    ExecutorRegistry executors =
        ExecutorRegistry.load(loader).configure(settings.executorSettings());
    TaskStore opened = Main.openStore(store, settings, loader);
    Scheduler scheduler =
        Scheduler.builder().store(opened).executors(executors).defaultZone(zone).build();
    SchedulerTools tools =
        new SchedulerTools(
            scheduler, io.modelcontextprotocol.json.McpJsonDefaults.getMapper(), Map::of);
    return new Local(scheduler, tools, executors, opened);
  }

  /** An MCP session with the daemon over its socket. */
  final class Daemon implements ToolConnection {
    /** The longest one answer may take: a wait, a page of runs. */
    private static final Duration ANSWER_LIMIT = Duration.ofSeconds(60);

    private final SocketChannel channel;
    private final OutputStream out;
    private final BufferedReader in;
    private int id;
    private String pid = "?";

    private Daemon(SocketChannel channel) {
      this.channel = channel;
      this.out = ChannelStreams.out(channel);
      this.in =
          new BufferedReader(
              new InputStreamReader(ChannelStreams.in(channel), StandardCharsets.UTF_8));
    }

    private void open() throws IOException {
      JsonNode hello = request(DaemonRequests.HELLO_METHOD, JSON.createObjectNode());
      if (!hello.path("name").asText().equals("schedulerd")) {
        throw new IOException("what answers on the daemon's socket is not a schedulerd daemon");
      }
      pid = hello.path("pid").asText("?");
      ObjectNode initialize = JSON.createObjectNode();
      initialize.put("protocolVersion", "2025-06-18");
      initialize.putObject("capabilities");
      initialize.putObject("clientInfo").put("name", ACTOR).put("version", Version.current());
      request("initialize", initialize);
      send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    }

    @Override
    public JsonNode call(String tool, Map<String, Object> args) throws IOException {
      ObjectNode params = JSON.createObjectNode();
      params.put("name", tool);
      params.set("arguments", JSON.valueToTree(args));
      return request("tools/call", params);
    }

    @Override
    public String where() {
      return "the daemon (pid " + pid + ")";
    }

    private JsonNode request(String method, JsonNode params) throws IOException {
      int mine = ++id;
      ObjectNode request = JSON.createObjectNode();
      request.put("jsonrpc", "2.0").put("id", mine).put("method", method).set("params", params);
      AtomicBoolean answered = new AtomicBoolean();
      CompletableFuture.delayedExecutor(ANSWER_LIMIT.toMillis(), TimeUnit.MILLISECONDS)
          .execute(
              () -> {
                if (!answered.get()) {
                  close(); // ends the read below
                }
              });
      try {
        send(JSON.writeValueAsString(request));
        while (true) {
          String line = in.readLine();
          if (line == null) {
            throw new IOException(
                "the daemon closed the connection before answering "
                    + method
                    + (answered.get() ? "" : " (or took over " + ANSWER_LIMIT.toSeconds() + " s)"));
          }
          JsonNode message = JSON.readTree(line);
          if (message.path("id").asInt(-1) != mine) {
            continue; // a notification
          }
          if (message.has("error")) {
            throw new IOException(
                method + " failed: " + message.path("error").path("message").asText());
          }
          return message.path("result");
        }
      } finally {
        answered.set(true);
      }
    }

    private void send(String line) throws IOException {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /** The tools on a scheduler of this process that is never started. */
  record Local(
      Scheduler scheduler, SchedulerTools tools, ExecutorRegistry executors, TaskStore store)
      implements ToolConnection {
    @Override
    public JsonNode call(String tool, Map<String, Object> args) {
      return JSON.valueToTree(tools.call(tool, args, ACTOR));
    }

    @Override
    public String where() {
      return "the store (no daemon runs)";
    }

    @Override
    public void close() {
      tools.close();
      scheduler.close();
      executors.closeAll();
      store.close();
    }
  }
}
