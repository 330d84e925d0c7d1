package dev.schedulerd.mcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.mcp.transport.LineStdioTransportProvider;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MCP server in-JVM, over piped streams, speaking raw JSON-RPC lines. */
final class StdioProtocolTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final Scheduler scheduler = Scheduler.builder().store(store).build();
  private final CountDownLatch sessionEnded = new CountDownLatch(1);
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
    // Like the process exiting: once the session ends, nothing more reaches the client.
    Runnable endOfSession =
        () -> {
          try {
            serverOut.close();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          sessionEnded.countDown();
        };
    server = new SchedulerdServer(scheduler, "test", serverIn, serverOut, endOfSession);
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}");
    assertThat(read().path("result").path("serverInfo").path("name").asText())
        .isEqualTo("schedulerd");
    send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
  }

  @AfterEach
  void stop() throws IOException {
    toServer.close();
    server.close();
    scheduler.close();
  }

  private void send(String line) throws IOException {
    toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    toServer.flush();
  }

  private JsonNode read() throws IOException {
    String line = fromServer.readLine();
    assertThat(line).as("a response line").isNotNull();
    return JSON.readTree(line);
  }

  private JsonNode call(int id, String tool, String arguments) throws IOException {
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":"
            + id
            + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
            + tool
            + "\",\"arguments\":"
            + arguments
            + "}}");
    JsonNode response = read();
    assertThat(response.path("id").asInt()).isEqualTo(id);
    return response.path("result");
  }

  @Test
  void toolsList_offersTheSeedsNineToolsWithAnnotations() throws IOException {
    send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    JsonNode tools = read().path("result").path("tools");

    assertThat(tools.findValuesAsText("name"))
        .contains(
            "scheduler_add_task",
            "scheduler_list_tasks",
            "scheduler_get_status",
            "scheduler_get_task",
            "scheduler_remove_task",
            "scheduler_daemon_status",
            "scheduler_start_daemon",
            "scheduler_stop_daemon",
            "scheduler_restart_daemon");
    for (JsonNode tool : tools) {
      assertThat(tool.path("annotations").has("readOnlyHint")).as(tool.toString()).isTrue();
      assertThat(tool.path("inputSchema").path("type").asText()).isEqualTo("object");
    }
  }

  @Test
  void requestsThenEndOfInput_areAllAnsweredBeforeTheSessionEnds() throws Exception {
    for (int id = 10; id < 30; id++) {
      send(
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + id
              + ",\"method\":\"tools/call\",\"params\":{\"name\":\"scheduler_add_task\","
              + "\"arguments\":{\"task_id\":\"piped-"
              + id
              + "\",\"task_type\":\"log\",\"config\":{\"message\":\"hi\"}}}}");
    }
    toServer.close(); // as `printf '...' | schedulerd` does

    // The output closes as soon as the session ends: every answer must be out by then.
    assertThat(sessionEnded.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    java.util.Set<Integer> answered = new java.util.HashSet<>();
    for (int i = 0; i < 20; i++) {
      answered.add(read().path("id").asInt());
    }
    assertThat(answered).hasSize(20);
    assertThat(store.list()).hasSize(20);
  }

  @Test
  void malformedLine_getsParseErrorAndTheSessionGoesOn() throws IOException {
    send("{this is not json");
    JsonNode error = read();
    assertThat(error.path("error").path("code").asInt()).isEqualTo(-32700);
    assertThat(error.path("id").isNull()).isTrue();

    JsonNode status = call(2, "scheduler_daemon_status", "{}");
    assertThat(status.path("structuredContent").path("daemon").path("running").asBoolean())
        .isTrue();
  }

  @Test
  void unknownMethod_getsMethodNotFound() throws IOException {
    send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"scheduler/teleport\"}");
    assertThat(read().path("error").path("code").asInt()).isEqualTo(-32601);
  }

  @Test
  void addTask_seedStyleLogTask_runsAndShowsCompleted() throws IOException {
    JsonNode added =
        call(
            3,
            "scheduler_add_task",
            "{\"task_id\":\"hello\",\"task_type\":\"log\",\"priority\":\"high\","
                + "\"config\":{\"message\":\"hi there\"},\"description\":\"greeting\"}");
    assertThat(added.path("isError").asBoolean()).isFalse();
    assertThat(added.path("structuredContent").path("task").path("priority").asText())
        .isEqualTo("high");

    org.awaitility.Awaitility.await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                store
                    .find("hello")
                    .map(t -> t.state().status().wireName())
                    .orElse("")
                    .equals("completed"));
    JsonNode task = call(4, "scheduler_get_task", "{\"task_id\":\"hello\"}");
    JsonNode body = task.path("structuredContent");
    assertThat(body.path("task").path("status").asText()).isEqualTo("completed");
    assertThat(body.path("recent_runs").get(0).path("result").asText()).isEqualTo("hi there");
  }

  @Test
  void addTask_sameDefinitionTwice_isIdempotent_differentOneIsRefused() throws IOException {
    String args =
        "{\"task_id\":\"nightly\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
            + "\"time_zone\":\"Europe/Berlin\",\"config\":{\"message\":\"backup\"}}";
    assertThat(
            call(5, "scheduler_add_task", args)
                .path("structuredContent")
                .path("created")
                .asBoolean())
        .isTrue();
    assertThat(
            call(6, "scheduler_add_task", args)
                .path("structuredContent")
                .path("created")
                .asBoolean())
        .isFalse();

    JsonNode different =
        call(
            7,
            "scheduler_add_task",
            "{\"task_id\":\"nightly\",\"task_type\":\"log\",\"cron_expression\":\"0 4 * * *\","
                + "\"config\":{\"message\":\"backup\"}}");
    assertThat(different.path("isError").asBoolean()).isTrue();
    assertThat(different.path("content").get(0).path("text").asText())
        .contains("scheduler_update_task");
  }

  @Test
  void addTask_badInputs_areToolErrorsNamingTheField() throws IOException {
    JsonNode badCron =
        call(
            8,
            "scheduler_add_task",
            "{\"task_id\":\"c\",\"task_type\":\"log\",\"cron_expression\":\"61 * * * *\","
                + "\"config\":{\"message\":\"x\"}}");
    assertThat(badCron.path("isError").asBoolean()).isTrue();
    assertThat(badCron.path("content").get(0).path("text").asText())
        .startsWith("cron_expression: ")
        .contains("61 * * * *")
        .contains("unix dialect");

    JsonNode unknownType =
        call(9, "scheduler_add_task", "{\"task_id\":\"u\",\"task_type\":\"teleport\"}");
    assertThat(unknownType.path("content").get(0).path("text").asText())
        .startsWith("task_type: ")
        .contains("teleport")
        .contains("enabled on this daemon: http, log")
        .contains(
            "disabled (the operator enables one with executors.KIND.enabled=true): custom,"
                + " mcp, shell");

    JsonNode badZone =
        call(
            10,
            "scheduler_add_task",
            "{\"task_id\":\"z\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
                + "\"time_zone\":\"Mars/Olympus\",\"config\":{\"message\":\"x\"}}");
    assertThat(badZone.path("content").get(0).path("text").asText()).contains("Mars/Olympus");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void stdinClosed_endsTheSession() throws Exception {
    toServer.close();
    assertThat(sessionEnded.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aLineTooLongToRead_isAnsweredWithTheIdAtItsStart_andTheSessionGoesOn() throws IOException {
    String padding = "a".repeat(LineStdioTransportProvider.DEFAULT_MAX_LINE_BYTES + 10);
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"tools/call\",\"params\":{\"name\":"
            + "\"scheduler_get_status\",\"arguments\":{\"pad\":\""
            + padding
            + "\"}}}");
    JsonNode numeric = read();
    assertThat(numeric.path("id").asInt()).isEqualTo(77);
    assertThat(numeric.path("error").path("code").asInt()).isEqualTo(-32600);
    assertThat(numeric.path("error").path("message").asText()).contains("longer than");

    send(
        "{\"id\":\"big-\\\"one\\\"\",\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":\""
            + padding
            + "\"}");
    assertThat(read().path("id").asText()).isEqualTo("big-\"one\"");

    send("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":5,\"params\":\"" + padding + "\"}");
    assertThat(read().path("id").isNull()).as("an id after other fields is not guessed").isTrue();

    send("{\"id\":12345678901234567890123,\"params\":\"" + padding + "\"}");
    assertThat(read().path("id").isNull()).as("an id too long to be a long is not cut").isTrue();
    send("{\"id\":1.5,\"params\":\"" + padding + "\"}");
    assertThat(read().path("id").isNull())
        .as("nor is a fraction read as its integer part")
        .isTrue();

    assertThat(call(78, "scheduler_get_status", "{}").path("isError").asBoolean()).isFalse();
  }

  @Test
  void subscribingToATaskThatDoesNotExist_isAnError() throws IOException {
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":90,\"method\":\"resources/subscribe\",\"params\":"
            + "{\"uri\":\"schedulerd://tasks/ghost\"}}");
    JsonNode refused = read();
    assertThat(refused.path("id").asInt()).isEqualTo(90);
    assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32602);
    assertThat(refused.path("error").path("message").asText())
        .contains("no task 'ghost'")
        .contains("scheduler_list_tasks");

    call(
        91,
        "scheduler_add_task",
        "{\"task_id\":\"ghost\",\"task_type\":\"log\",\"run_at\":\"2099-01-01T00:00:00Z\","
            + "\"config\":{\"message\":\"boo\"}}");
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":92,\"method\":\"resources/subscribe\",\"params\":"
            + "{\"uri\":\"schedulerd://tasks/ghost\"}}");
    JsonNode accepted = read();
    assertThat(accepted.path("id").asInt()).isEqualTo(92);
    assertThat(accepted.has("error")).as(accepted.toString()).isFalse();
  }

  @Test
  void aGuardThatFails_letsTheRequestThrough_andTheSessionGoesOn() throws IOException {
    server
        .transport()
        .guardRequests(
            (method, params) -> {
              throw new IllegalStateException("the store is unreachable");
            });
    send(
        "{\"jsonrpc\":\"2.0\",\"id\":95,\"method\":\"resources/subscribe\",\"params\":"
            + "{\"uri\":\"schedulerd://status\"}}");
    assertThat(read().path("id").asInt()).isEqualTo(95);
    assertThat(call(96, "scheduler_get_status", "{}").path("isError").asBoolean()).isFalse();
  }
}
