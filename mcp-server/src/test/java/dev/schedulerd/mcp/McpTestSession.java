package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.server.SchedulerdServer;
import dev.schedulerd.runtime.Scheduler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Predicate;

/** An initialized MCP session with the server in this JVM, over pipes, speaking raw JSON-RPC. */
final class McpTestSession implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PipedOutputStream toServer;
  private final BufferedReader fromServer;
  private final SchedulerdServer server;
  private final Deque<JsonNode> notifications = new ArrayDeque<>();
  private int nextId = 1;

  McpTestSession(Scheduler scheduler, String clientCapabilities) throws IOException {
    this(scheduler, clientCapabilities, "{\"name\":\"test\",\"version\":\"1\"}");
  }

  /** A session whose client names itself with {@code clientInfo} (JSON). */
  McpTestSession(Scheduler scheduler, String clientCapabilities, String clientInfo)
      throws IOException {
    PipedInputStream serverIn = new PipedInputStream(1 << 20);
    toServer = new PipedOutputStream(serverIn);
    PipedInputStream clientIn = new PipedInputStream(1 << 20);
    PipedOutputStream serverOut = new PipedOutputStream(clientIn);
    fromServer = new BufferedReader(new InputStreamReader(clientIn, StandardCharsets.UTF_8));
    server = new SchedulerdServer(scheduler, "test", serverIn, serverOut, () -> {});
    JsonNode init =
        request(
            "initialize",
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":"
                + clientCapabilities
                + ",\"clientInfo\":"
                + clientInfo
                + "}");
    assertThat(init.path("result").path("serverInfo").path("name").asText())
        .isEqualTo("schedulerd");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  }

  void send(String line) throws IOException {
    toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    toServer.flush();
  }

  /** Sends a request and returns its response; notifications read meanwhile are kept. */
  JsonNode request(String method, String params) throws IOException {
    int id = nextId++;
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + id
            + ",\"method\":\""
            + method
            + "\",\"params\":"
            + params
            + "}");
    return readUntil(m -> m.path("id").asInt(-1) == id);
  }

  /** Calls a tool and returns the tool result. */
  JsonNode call(String tool, String arguments) throws IOException {
    return request("tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}")
        .path("result");
  }

  /** The next notification with this method (kept ones first), reading as needed. */
  JsonNode notification(String method) throws IOException {
    for (JsonNode kept : notifications) {
      if (kept.path("method").asText().equals(method)) {
        notifications.remove(kept);
        return kept;
      }
    }
    return readUntil(m -> m.path("method").asText().equals(method));
  }

  private JsonNode readUntil(Predicate<JsonNode> wanted) throws IOException {
    while (true) {
      String line = fromServer.readLine();
      assertThat(line).as("a message from the server").isNotNull();
      JsonNode message = JSON.readTree(line);
      if (wanted.test(message)) {
        return message;
      }
      if (message.has("method") && !message.has("id")) {
        notifications.add(message);
      }
    }
  }

  @Override
  public void close() throws IOException {
    toServer.close();
    server.close();
  }
}
