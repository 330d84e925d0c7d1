package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** scheduler_wait_for_run: the outcome of a run without polling, within a bound. */
final class WaitForRunTest {
  private final Gate gate = new Gate();
  private final Scheduler scheduler =
      Scheduler.builder()
          .store(new InMemoryTaskStore())
          .executors(ExecutorRegistry.of(gate, new Fails()))
          .build();
  private McpTestSession session;

  /** Kind {@code gate}: runs until released. */
  static final class Gate implements TaskExecutor {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String kind() {
      return "gate";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
      started.countDown();
      release.await();
      return ExecutionResult.success("opened");
    }
  }

  /** Kind {@code fails}: fails at once, for good, with a multi-line message. */
  static final class Fails implements TaskExecutor {
    @Override
    public String kind() {
      return "fails";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      return ExecutionResult.permanentFailure("HTTP 404 Not Found:\n<html>\n<body>gone</body>");
    }
  }

  @BeforeEach
  void start() throws IOException {
    scheduler.start();
    session = new McpTestSession(scheduler, "{}");
  }

  @AfterEach
  void stop() throws IOException {
    gate.release.countDown();
    session.close();
    scheduler.close();
  }

  private JsonNode ok(String tool, String args) throws IOException {
    JsonNode result = session.call(tool, args);
    assertThat(result.path("isError").asBoolean()).as(result.toString()).isFalse();
    return result.path("structuredContent");
  }

  @Test
  void aRunStillGoingWhenTheBoundPasses_isReportedAsStillRunning_thenItsOutcomeWhenItEnds()
      throws Exception {
    ok("scheduler_add_task", "{\"task_id\":\"slow\",\"task_type\":\"gate\"}");
    assertThat(gate.started.await(10, TimeUnit.SECONDS)).isTrue();

    JsonNode pending = ok("scheduler_wait_for_run", "{\"task_id\":\"slow\",\"timeout_seconds\":1}");
    assertThat(pending.path("finished").asBoolean()).isFalse();
    assertThat(pending.path("status").asText()).isEqualTo("running");
    assertThat(pending.path("waited_ms").asLong()).isGreaterThanOrEqualTo(1000);
    assertThat(pending.path("summary").asText())
        .startsWith("No run of 'slow' ended within 1 s; now: running on node")
        .contains("Call scheduler_wait_for_run again");

    Thread.ofVirtual().start(gate.release::countDown);
    JsonNode ended = ok("scheduler_wait_for_run", "{\"task_id\":\"slow\"}");
    assertThat(ended.path("finished").asBoolean()).isTrue();
    assertThat(ended.path("status").asText()).isEqualTo("completed");
    assertThat(ended.path("run").path("outcome").asText()).isEqualTo("success");
    assertThat(ended.path("run").path("result").asText()).isEqualTo("opened");
    assertThat(ended.path("summary").asText()).contains("success after").contains(": opened");
  }

  @Test
  void aRecurringTasksWait_saysWhatComesNext_inWordsThatRead() throws IOException {
    ok(
        "scheduler_add_task",
        "{\"task_id\":\"daily\",\"task_type\":\"fails\",\"cron_expression\":\"0 3 * * *\"}");
    JsonNode waited = ok("scheduler_wait_for_run", "{\"task_id\":\"daily\",\"timeout_seconds\":1}");
    assertThat(waited.path("summary").asText())
        .startsWith("No run of 'daily' ended within 1 s; now: next run ")
        .doesNotContain("it is next");
  }

  @Test
  void aTaskDueLater_returnsWhenItsRunEnds() throws IOException {
    String due = Instant.now().plusSeconds(2).toString();
    ok(
        "scheduler_add_task",
        "{\"task_id\":\"later\",\"task_type\":\"fails\",\"run_at\":\"" + due + "\"}");

    long start = System.nanoTime();
    JsonNode ended = ok("scheduler_wait_for_run", "{\"task_id\":\"later\"}");

    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
    assertThat(ended.path("finished").asBoolean()).isTrue();
    assertThat(ended.path("status").asText()).isEqualTo("failed");
    assertThat(ended.path("run").path("outcome").asText()).isEqualTo("failed");
    assertThat(ended.path("summary").asText())
        .startsWith("A run of 'later' ended (attempt 1): failed after")
        .contains(": HTTP 404 Not Found: gone")
        .doesNotContain("\n")
        .doesNotContain("<html>");
  }

  @Test
  void aFailedTask_retried_runsAgain_keepingItsHistory_andOnlyAFailedOneIs() throws IOException {
    ok("scheduler_add_task", "{\"task_id\":\"flaky\",\"task_type\":\"fails\"}");
    ok("scheduler_wait_for_run", "{\"task_id\":\"flaky\"}");

    JsonNode again = ok("scheduler_retry_task", "{\"task_id\":\"flaky\"}");
    assertThat(again.path("task").path("status").asText()).isEqualTo("scheduled");
    assertThat(again.path("summary").asText()).startsWith("Task 'flaky' is due again now");
    JsonNode ended = ok("scheduler_wait_for_run", "{\"task_id\":\"flaky\"}");
    assertThat(ended.path("status").asText()).isEqualTo("failed");
    JsonNode runs = ok("scheduler_list_runs", "{\"task_id\":\"flaky\"}").path("runs");
    assertThat(runs.findValuesAsText("outcome")).containsExactly("failed", "failed");
    assertThat(runs.findValuesAsText("attempt")).containsExactly("1", "1");

    ok(
        "scheduler_add_task",
        "{\"task_id\":\"later\",\"task_type\":\"fails\",\"run_at\":\"2099-01-01T00:00:00Z\"}");
    JsonNode refused = session.call("scheduler_retry_task", "{\"task_id\":\"later\"}");
    assertThat(refused.path("isError").asBoolean()).isTrue();
    assertThat(refused.path("content").get(0).path("text").asText())
        .contains("task 'later' is scheduled: it has not failed")
        .contains("scheduler_run_task_now runs it now");
  }

  @Test
  void aFinishedTask_answersAtOnce_andAMissingOneIsNamed() throws IOException {
    ok("scheduler_add_task", "{\"task_id\":\"done\",\"task_type\":\"fails\"}");
    ok("scheduler_wait_for_run", "{\"task_id\":\"done\"}");

    JsonNode again = ok("scheduler_wait_for_run", "{\"task_id\":\"done\",\"timeout_seconds\":60}");
    assertThat(again.path("waited_ms").asLong()).isLessThan(1000);
    assertThat(again.path("summary").asText()).startsWith("Task 'done' had already ended");

    JsonNode missing = session.call("scheduler_wait_for_run", "{\"task_id\":\"nope\"}");
    assertThat(missing.path("isError").asBoolean()).isTrue();
    assertThat(missing.path("content").get(0).path("text").asText())
        .contains("task_id")
        .contains("nope");
    JsonNode tooLong =
        session.call("scheduler_wait_for_run", "{\"task_id\":\"done\",\"timeout_seconds\":600}");
    assertThat(tooLong.path("isError").asBoolean()).isTrue();
    assertThat(tooLong.path("content").get(0).path("text").asText()).contains("timeout_seconds");
  }
}
