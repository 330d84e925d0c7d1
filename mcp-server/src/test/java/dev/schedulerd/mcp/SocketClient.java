package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.transport.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal MCP client over the daemon's Unix socket, for the *IT tests: requests are answered in
 * order of id; notifications are kept apart.
 */
final class SocketClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SocketChannel channel;
  private final OutputStream in;
  private final LinkedBlockingQueue<JsonNode> answers = new LinkedBlockingQueue<>();
  private final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
  private int id;

  private SocketClient(SocketChannel channel) {
    this.channel = channel;
    this.in = ChannelStreams.out(channel);
    BufferedReader out =
        new BufferedReader(
            new InputStreamReader(ChannelStreams.in(channel), StandardCharsets.UTF_8));
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  JsonNode message = JSON.readTree(line);
                  if (message.has("id")) {
                    answers.add(message);
                  } else {
                    notifications.add(message);
                  }
                }
              } catch (IOException e) {
                // the connection closed
              }
            });
  }

  /** Connects without initializing. */
  static SocketClient connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    return new SocketClient(channel);
  }

  /** Connects and initializes an MCP session as client {@code name}. */
  static SocketClient session(Path socket, String name) throws IOException {
    SocketClient client = connect(socket);
    JsonNode init =
        client.request(
            "initialize",
            "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\""
                + name
                + "\",\"version\":\"1\"}}");
    assertThat(init.path("result").path("serverInfo").path("name").asText())
        .isEqualTo("schedulerd");
    client.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return client;
  }

  void send(String line) throws IOException {
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** The next answer (a response or an error with an id, null included). */
  JsonNode nextAnswer() throws InterruptedException {
    JsonNode answer = answers.poll(30, TimeUnit.SECONDS);
    assertThat(answer).as("an answer within 30 s").isNotNull();
    return answer;
  }

  JsonNode request(String method, String params) throws IOException {
    int mine = ++id;
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + mine
            + ",\"method\":\""
            + method
            + "\",\"params\":"
            + params
            + "}");
    try {
      while (true) {
        JsonNode answer = nextAnswer();
        if (answer.path("id").asInt(-1) == mine) {
          return answer;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** A tool's result. */
  JsonNode call(String tool, String args) throws IOException {
    return request("tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}")
        .path("result");
  }

  /** The notifications received so far with {@code method}. */
  List<JsonNode> notifications(String method) {
    return notifications.stream().filter(n -> n.path("method").asText().equals(method)).toList();
  }

  /** Waits until a notification with {@code method} about {@code uri} came. */
  void awaitNotification(String method, String uri) {
    org.awaitility.Awaitility.await(method + " " + uri)
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                notifications(method).stream()
                    .anyMatch(n -> n.path("params").path("uri").asText().equals(uri)));
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
