package dev.schedulerd.mcp.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The overview's figures and plots, from run records written at known instants. */
final class DashboardActivityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-06T10:30:00Z");
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final Scheduler scheduler =
      Scheduler.builder().store(store).clock(InstantSource.fixed(NOW)).build();
  private int runs;

  @AfterEach
  void close() {
    scheduler.close();
  }

  /** A run of {@code taskId} that ended {@code ago} before now, {@code late} ms late. */
  private RunRecord run(String taskId, Duration ago, long lateMs, long tookMs, RunOutcome outcome) {
    Instant finished = NOW.minus(ago);
    Instant started = finished.minusMillis(tookMs);
    return new RunRecord(
        "r" + runs++,
        taskId,
        outcome.isNotRun() ? 0 : 1,
        started.minusMillis(lateMs),
        started,
        finished,
        outcome,
        null,
        outcome == RunOutcome.SUCCESS ? null : "why",
        "node");
  }

  private void record(String taskId, List<RunRecord> records) {
    StoredTask task =
        store
            .find(taskId)
            .orElseGet(
                () ->
                    scheduler.add(
                        TaskDefinition.builder(taskId, "log")
                            .configOf(java.util.Map.of("message", "m"))
                            .build()));
    store.write(TaskWrite.updateWithRuns(taskId, task.version(), task.state(), records));
  }

  @Test
  void countsRunsPerHourByOutcome_latenessInBuckets_andTheSlowestTasks() {
    record(
        "fast",
        List.of(
            run("fast", Duration.ofHours(30), 0, 1, RunOutcome.SUCCESS), // before the day
            run("fast", Duration.ofHours(5), 3, 10, RunOutcome.SUCCESS),
            run("fast", Duration.ofMinutes(5), 0, 20, RunOutcome.FAILED),
            run("fast", Duration.ofSeconds(30), 700, 30, RunOutcome.SUCCESS)));
    record(
        "slow",
        List.of(
            run("slow", Duration.ofMinutes(90), 70_000, 4_000, RunOutcome.TIMED_OUT),
            run("slow", Duration.ofMinutes(10), 0, 0, RunOutcome.SKIPPED)));

    JsonNode activity = JSON.valueToTree(DashboardActivity.of(scheduler, NOW));

    assertThat(activity.path("runs_read").asInt()).isEqualTo(5);
    assertThat(activity.path("whole_day").asBoolean()).isTrue();
    assertThat(activity.path("runs_last_minute").asLong()).isEqualTo(1);
    assertThat(activity.path("runs_per_minute_last_10").asDouble()).isEqualTo(0.2);
    JsonNode hourly = activity.path("hourly");
    assertThat(hourly.path("first_hour").asText()).isEqualTo("2026-12-05T11:00:00Z");
    assertThat(hourly.path("success").get(23).asLong()).as("10:29:30").isEqualTo(1);
    assertThat(hourly.path("success").get(18).asLong()).as("05:30").isEqualTo(1);
    assertThat(hourly.path("failed").get(23).asLong()).isEqualTo(1);
    assertThat(hourly.path("failed").get(22).asLong()).as("09:00, timed out").isEqualTo(1);
    assertThat(hourly.path("not_run").get(23).asLong()).isEqualTo(1);
    // < 1 ms: one; < 5 ms: one; < 1 s: one; >= 60 s: one (a skipped fire time is not a start)
    assertThat(activity.path("lateness").path("counts").toString())
        .isEqualTo("[1,1,0,0,0,0,1,0,0,1]");
    assertThat(activity.path("durations").toString())
        .isEqualTo(
            "[{\"task_id\":\"slow\",\"runs\":1,\"p50_ms\":4000,\"p95_ms\":4000,\"max_ms\":4000},"
                + "{\"task_id\":\"fast\",\"runs\":3,\"p50_ms\":20,\"p95_ms\":30,\"max_ms\":30}]");
  }

  @Test
  void readsAtMostItsBound_andSaysTheDayHeldMore() {
    int total = DashboardActivity.MAX_RUNS + 100;
    for (int task = 0; task < 10; task++) { // stores keep a bounded history per task
      List<RunRecord> many = new ArrayList<>();
      for (int i = task; i < total; i += 10) {
        many.add(run("busy-" + task, Duration.ofSeconds(total - i), 0, 1, RunOutcome.SUCCESS));
      }
      record("busy-" + task, many);
    }

    JsonNode activity = JSON.valueToTree(DashboardActivity.of(scheduler, NOW));

    assertThat(activity.path("runs_read").asInt()).isEqualTo(DashboardActivity.MAX_RUNS);
    assertThat(activity.path("whole_day").asBoolean()).isFalse();
  }

  @Test
  void nodesClocksThatDiffer_neitherInflateTheLastMinuteNorEndTheReading() {
    record(
        "skewed",
        List.of(
            run("skewed", Duration.ofHours(2), 0, 1, RunOutcome.SUCCESS),
            run("skewed", Duration.ofHours(25), 0, 1, RunOutcome.SUCCESS), // a clock behind
            run("skewed", Duration.ofMinutes(-30), 0, 1, RunOutcome.SUCCESS), // a clock ahead
            run("skewed", Duration.ofMinutes(30), 0, 1, RunOutcome.SUCCESS)));

    JsonNode activity = JSON.valueToTree(DashboardActivity.of(scheduler, NOW));

    assertThat(activity.path("runs_read").asInt()).as("all but the one of yesterday").isEqualTo(3);
    assertThat(activity.path("whole_day").asBoolean()).isTrue();
    assertThat(activity.path("runs_last_minute").asLong()).as("the one from ahead, as now").isOne();
    assertThat(activity.path("hourly").path("success").get(23).asLong()).isEqualTo(2);
  }

  @Test
  void exactlyTheBoundInADay_isTheWholeDay() {
    for (int task = 0; task < 5; task++) {
      List<RunRecord> runs = new ArrayList<>();
      for (int i = 0; i < DashboardActivity.MAX_RUNS / 5; i++) {
        runs.add(run("t-" + task, Duration.ofSeconds(i + 1), 0, 1, RunOutcome.SUCCESS));
      }
      record("t-" + task, runs);
    }

    JsonNode activity = JSON.valueToTree(DashboardActivity.of(scheduler, NOW));

    assertThat(activity.path("runs_read").asInt()).isEqualTo(DashboardActivity.MAX_RUNS);
    assertThat(activity.path("whole_day").asBoolean()).isTrue();
  }

  @Test
  void percentilesAreNearestRank_andBucketsHaveUpperBounds() {
    assertThat(DashboardActivity.percentile(new long[] {1, 2, 3, 4}, 0.5)).isEqualTo(2);
    assertThat(DashboardActivity.percentile(new long[] {7}, 0.95)).isEqualTo(7);
    assertThat(DashboardActivity.bucket(0)).isZero();
    assertThat(DashboardActivity.bucket(1)).isEqualTo(1);
    assertThat(DashboardActivity.bucket(60_000)).isEqualTo(9);
  }
}
