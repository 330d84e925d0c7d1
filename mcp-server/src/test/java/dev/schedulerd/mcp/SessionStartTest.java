package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.server.SchedulerdServer;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How a session starts: every request is answered, even one that comes too early. */
@org.junit.jupiter.api.Timeout(60)
final class SessionStartTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Scheduler scheduler = Scheduler.builder().store(new InMemoryTaskStore()).build();
  private PipedOutputStream toServer;
  private BufferedReader fromServer;
  private SchedulerdServer server;

  @BeforeEach
  void start() throws IOException {
    scheduler.start();
    PipedInputStream serverIn = new PipedInputStream(1 << 20);
    toServer = new PipedOutputStream(serverIn);
    PipedInputStream clientIn = new PipedInputStream(1 << 20);
    PipedOutputStream serverOut = new PipedOutputStream(clientIn);
    fromServer = new BufferedReader(new InputStreamReader(clientIn, StandardCharsets.UTF_8));
    server = new SchedulerdServer(scheduler, "test", serverIn, serverOut, () -> {});
  }

  @AfterEach
  void stop() throws IOException {
    toServer.close();
    server.close();
    scheduler.close();
  }

  private JsonNode exchange(String line) throws IOException {
    toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    toServer.flush();
    String answer = fromServer.readLine();
    assertThat(answer).as("an answer to " + line).isNotNull();
    return JSON.readTree(answer);
  }

  @Test
  void aRequestBeforeInitialize_isAnsweredWithAnError_thenInitializeWorks() throws IOException {
    JsonNode early =
        exchange("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{}}");
    assertThat(early.path("id").asInt()).isEqualTo(7);
    assertThat(early.path("error").path("code").asInt()).isEqualTo(-32600);
    assertThat(early.path("error").path("message").asText())
        .contains("'tools/list' before initialize");

    JsonNode noVersion =
        exchange(
            "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"initialize\",\"params\":{\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    assertThat(noVersion.path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(noVersion.path("error").path("message").asText()).contains("protocolVersion");

    JsonNode ok =
        exchange(
            "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    assertThat(ok.path("result").path("serverInfo").path("name").asText()).isEqualTo("schedulerd");
    toServer.write(
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
            .getBytes(StandardCharsets.UTF_8));
    JsonNode ping = exchange("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}");
    assertThat(ping.has("result")).isTrue();
  }
}
