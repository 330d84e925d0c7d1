package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite for bad input: 1,200 generated malformed JSON-RPC lines and tool calls through
 * the real jar's stdio. Each gets an error answer, the server stays up, and the store is unchanged.
 */
final class BadInputFuzzIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LINES = 1_200;
  private static final long SEED = 20261126L;

  @TempDir Path home;

  /** One generated input line and whether its answer carries its id (else id null). */
  private record Line(byte[] bytes, String category, boolean hasId) {}

  private static final String[] TOOLS = {
    "scheduler_add_task",
    "scheduler_update_task",
    "scheduler_get_task",
    "scheduler_remove_task",
    "scheduler_list_tasks",
    "scheduler_pause_task",
    "scheduler_resume_task",
    "scheduler_run_task_now",
    "scheduler_list_runs",
    "scheduler_preview_schedule",
    "scheduler_add_workflow",
    "scheduler_add_tasks"
  };

  /**
   * Argument objects every tool refuses: each breaks a rule of the tools that take such fields, and
   * carries a field the other tools do not know (their schemas allow no others).
   */
  private static final String[] BAD_ARGS = {
    "{\"task_id\": 42, \"task_type\": \"log\"}",
    "{\"task_id\": \"x\"}",
    "{\"task_type\": \"log\"}",
    "{\"task_id\": \"bad id!\", \"task_type\": \"log\", \"config\": {\"message\": \"m\"}}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"priority\": \"urgent\"}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"priority\": 7}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"cron_expression\": \"every day at 3\"}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"run_at\": \"yesterday\"}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"interval\": \"-5m\"}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"config\": [1, 2]}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"labels\": {\"a\": {\"b\": 1}}}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"max_retries\": 1000000000}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"timeout\": -1}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"depends_on\": \"a\"}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"resources\": [1]}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"overlap\": \"sometimes\"}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"jitter_seconds\": \"a\"}",
    "{\"task_id\": \"t\", \"task_type\": \"nonexistent\", \"config\": {}}",
    "{\"task_id\": \"t\", \"task_type\": \"log\", \"config\": {\"message\": \"m\"},"
        + " \"cron_expression\": \"0 3 * * *\", \"run_at\": \"2099-01-01T00:00:00Z\"}",
    "{\"task_id\": \"ghost\", \"force\": true}",
    "{\"limit\": \"ten\"}",
    "{\"limit\": 0}",
    "{\"cursor\": 12}",
    "{\"tasks\": []}",
    "{\"tasks\": [{\"task_id\": \"a\", \"task_type\": \"log\", \"depends_on\": [\"a\"]}]}",
    "{\"count\": 1000}",
    "{\"unexpected\": true}",
    "[]",
    "\"just a string\"",
  };

  private static String request(int id, String method, String params) {
    return "{\"jsonrpc\":\"2.0\",\"id\":"
        + id
        + ",\"method\":\""
        + method
        + "\",\"params\":"
        + params
        + "}";
  }

  private static List<Line> generate() {
    Random random = new Random(SEED);
    List<Line> lines = new ArrayList<>();
    int id = 1000;
    while (lines.size() < LINES) {
      int kind = random.nextInt(9);
      id++;
      switch (kind) {
        case 0 -> { // random bytes, printable or not, never a newline
          byte[] bytes = new byte[1 + random.nextInt(200)];
          random.nextBytes(bytes);
          for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n' || bytes[i] == '\r') {
              bytes[i] = 'x';
            }
          }
          if (bytes[0] == ' ' || bytes[0] == '\t') {
            bytes[0] = '#';
          }
          lines.add(new Line(bytes, "garbage", false));
        }
        case 1 -> { // invalid UTF-8 inside a request
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          byte[] head =
              ("{\"jsonrpc\":\"2.0\",\"id\":"
                      + id
                      + ",\"method\":\"tools/call\",\"params\":"
                      + "{\"name\":\"scheduler_get_task\",\"arguments\":{\"task_id\":\"")
                  .getBytes(StandardCharsets.UTF_8);
          out.writeBytes(head);
          out.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE});
          out.writeBytes("\"}}}".getBytes(StandardCharsets.UTF_8));
          lines.add(new Line(out.toByteArray(), "invalid-utf8", false));
        }
        case 2 -> { // a valid request cut short
          String full =
              request(id, "tools/call", "{\"name\":\"scheduler_list_tasks\",\"arguments\":{}}");
          String cut = full.substring(0, 1 + random.nextInt(full.length() - 2));
          lines.add(new Line(utf8(cut), "truncated", false));
        }
        case 3 -> { // deep nesting
          int depth = 2_000 + random.nextInt(3_000);
          String nested = "[".repeat(depth) + "]".repeat(depth);
          lines.add(
              new Line(
                  utf8(
                      request(
                          id,
                          "tools/call",
                          "{\"name\":\"scheduler_add_task\",\"arguments\":"
                              + "{\"task_id\":\"deep\",\"task_type\":\"log\",\"config\":{\"x\":"
                              + nested
                              + "}}}")),
                  "deep-nesting",
                  false));
        }
        case 4 -> { // a huge string where an id belongs
          String huge = "h".repeat(10_000 + random.nextInt(200_000));
          lines.add(
              new Line(
                  utf8(
                      request(
                          id,
                          "tools/call",
                          "{\"name\":\"scheduler_get_task\",\"arguments\":"
                              + "{\"task_id\":\""
                              + huge
                              + "\"}}")),
                  "huge-string",
                  true));
        }
        case 5 -> { // an unknown method
          lines.add(
              new Line(
                  utf8(request(id, "scheduler/" + random.nextInt(100), "{}")),
                  "unknown-method",
                  true));
        }
        case 6 -> { // an unknown tool
          lines.add(
              new Line(
                  utf8(
                      request(
                          id,
                          "tools/call",
                          "{\"name\":\"rm_rf_" + random.nextInt(1000) + "\",\"arguments\":{}}")),
                  "unknown-tool",
                  true));
        }
        case 7 -> { // a real tool, arguments it refuses
          String tool = TOOLS[random.nextInt(TOOLS.length)];
          String args = BAD_ARGS[random.nextInt(BAD_ARGS.length)];
          lines.add(
              new Line(
                  utf8(
                      request(
                          id,
                          "tools/call",
                          "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}")),
                  "bad-arguments",
                  true));
        }
        default -> { // JSON that is not a JSON-RPC request
          String[] shapes = {
            "{\"jsonrpc\":\"1.0\",\"id\":" + id + ",\"method\":\"tools/list\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":42}",
            "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"tools/list\"}",
            "42",
            "null",
            "[1,2,3]",
            "\"a string\"",
            "{}",
          };
          lines.add(new Line(utf8(shapes[random.nextInt(shapes.length)]), "not-json-rpc", false));
        }
      }
    }
    return lines;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyBadLine_getsAnErrorAnswer_theServerStaysUp_andNothingIsStored() throws Exception {
    List<Line> lines = generate();
    Process server =
        JarProcess.builder(home, List.of())
            .redirectError(home.resolve("stderr.log").toFile())
            .start();
    OutputStream in = server.getOutputStream();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    in.write(
        utf8(
            request(
                    1,
                    "initialize",
                    "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}")
                + "\n"));
    in.write(utf8("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"));
    in.flush();
    assertThat(JSON.readTree(out.readLine()).path("id").asInt()).isEqualTo(1);

    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (Line line : lines) {
                      in.write(line.bytes());
                      in.write('\n');
                    }
                    in.flush();
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
    Map<String, Integer> answersByKind = new HashMap<>();
    int answers = 0;
    int withId = 0;
    long expectedWithId = lines.stream().filter(Line::hasId).count();
    while (answers < lines.size()) {
      String answer = out.readLine();
      assertThat(answer)
          .as(
              "answer %d of %d (server log: %s)",
              answers + 1, lines.size(), home.resolve("stderr.log"))
          .isNotNull();
      JsonNode message = JSON.readTree(answer);
      boolean isError =
          message.has("error") || message.path("result").path("isError").asBoolean(false);
      assertThat(isError)
          .as("an error answer: %s", answer.substring(0, Math.min(400, answer.length())))
          .isTrue();
      if (!message.path("id").isNull() && message.has("id")) {
        withId++;
      }
      String code = message.has("error") ? message.path("error").path("code").asText() : "tool";
      answersByKind.merge(code, 1, Integer::sum);
      answers++;
    }
    writer.join();
    assertThat(withId)
        .as("answers carrying the request's id, by code %s", answersByKind)
        .isGreaterThanOrEqualTo((int) expectedWithId);

    // Still serving, and nothing was stored.
    in.write(
        utf8(
            request(2, "tools/call", "{\"name\":\"scheduler_list_tasks\",\"arguments\":{}}")
                + "\n"));
    in.write(
        utf8(
            request(3, "tools/call", "{\"name\":\"scheduler_list_runs\",\"arguments\":{}}")
                + "\n"));
    in.flush();
    Map<Integer, JsonNode> last = new HashMap<>();
    while (last.size() < 2) {
      JsonNode message = JSON.readTree(out.readLine());
      last.put(message.path("id").asInt(), message);
    }
    assertThat(
            java.util.Objects.requireNonNull(last.get(2))
                .path("result")
                .path("structuredContent")
                .path("tasks")
                .size())
        .isZero();
    assertThat(
            java.util.Objects.requireNonNull(last.get(3))
                .path("result")
                .path("structuredContent")
                .path("runs")
                .size())
        .isZero();
    in.close();
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(server.exitValue()).isZero();
    assertThat(Files.readString(home.resolve("stderr.log"))).doesNotContain("Exception in thread");
  }
}
