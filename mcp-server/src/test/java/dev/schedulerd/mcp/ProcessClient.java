package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A minimal MCP client over a schedulerd process's pipes, for the *IT tests. */
final class ProcessClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final OutputStream in;
  private final BufferedReader out;
  private int id;
  private final java.util.List<JsonNode> notifications = new java.util.ArrayList<>();

  ProcessClient(Process process) throws IOException {
    this.process = process;
    this.in = process.getOutputStream();
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    request(
        "initialize",
        "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
            + "\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  }

  private void send(String line) throws IOException {
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  JsonNode request(String method, String params) throws IOException {
    return requestDuring(method, params, () -> {});
  }

  /**
   * Sends a request, runs {@code meanwhile} (e.g. a kill of the daemon) while it is in flight, then
   * reads its answer.
   */
  JsonNode requestDuring(String method, String params, Runnable meanwhile) throws IOException {
    int mine = ++id;
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + mine
            + ",\"method\":\""
            + method
            + "\",\"params\":"
            + params
            + "}");
    meanwhile.run();
    while (true) {
      String line = out.readLine();
      assertThat(line).as("an answer to " + method).isNotNull();
      JsonNode message = JSON.readTree(line);
      if (message.path("id").asInt(-1) == mine) {
        return message;
      }
      if (!message.has("id")) {
        notifications.add(message);
      }
    }
  }

  /** The notifications read so far (while waiting for answers) with {@code method}. */
  java.util.List<JsonNode> notifications(String method) {
    return notifications.stream().filter(n -> n.path("method").asText().equals(method)).toList();
  }

  /** A tool's result. */
  JsonNode call(String tool, String args) throws IOException {
    return request("tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}")
        .path("result");
  }

  /** Polls scheduler_get_task until the task is finished; returns its task view. */
  JsonNode awaitFinished(String taskId) {
    return org.awaitility.Awaitility.await("task " + taskId + " finished")
        .atMost(java.time.Duration.ofSeconds(30))
        .pollInterval(java.time.Duration.ofMillis(100))
        .until(
            () ->
                call("scheduler_get_task", "{\"task_id\":\"" + taskId + "\"}")
                    .path("structuredContent")
                    .path("task"),
            task -> {
              String status = task.path("status").asText();
              return status.equals("completed") || status.equals("failed");
            });
  }

  @Override
  public void close() throws Exception {
    in.close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits after stdin closes").isTrue();
  }
}
