package dev.schedulerd.mcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The explanation line of scheduler_get_task, one situation at a time. */
final class TaskViewsTest {
  private static final Instant T0 = Instant.parse("2026-11-26T02:00:00Z");
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static final TaskDefinition NIGHTLY =
      TaskDefinition.builder("nightly", "log")
          .schedule(Schedule.cron("0 3 * * *", BERLIN))
          .firePolicy(FirePolicy.DEFAULT.withOverlap(FirePolicy.Overlap.SKIP))
          .build();

  private static String explain(
      StoredTask task, @org.jspecify.annotations.Nullable RunRecord latest) {
    return TaskViews.explain(task, latest, ZoneOffset.UTC, id -> Optional.empty());
  }

  @Test
  void aSkippedFireTime_isNamedWithItsReason() {
    Instant next = Instant.parse("2026-11-27T02:00:00Z");
    StoredTask task = new StoredTask(NIGHTLY, TaskState.initial(next, T0));
    RunRecord skipped =
        new RunRecord(
            "skipped-1",
            "nightly",
            0,
            T0,
            T0,
            T0,
            RunOutcome.SKIPPED,
            null,
            "skipped: the run for 2026-11-25T02:00:00Z was still running (overlap=skip)",
            "node-a");

    assertThat(explain(task, skipped))
        .isEqualTo(
            "next run 2026-11-27T03:00+01:00 Europe/Berlin; fire time 2026-11-26T03:00+01:00"
                + " Europe/Berlin skipped: the run for 2026-11-25T02:00:00Z was still running"
                + " (overlap=skip)");
  }

  @Test
  void runningAndRetrying_sayWhereAndWhen() {
    Lease lease = new Lease("node-b", "run-7", T0, T0.plusSeconds(30));
    StoredTask running = new StoredTask(NIGHTLY, TaskState.initial(T0, T0).running(lease, T0));
    assertThat(explain(running, null))
        .isEqualTo(
            "running on node node-b since 2026-11-26T03:00+01:00 Europe/Berlin (attempt 1 of 3)");

    RunRecord failed =
        new RunRecord(
            "run-7",
            "nightly",
            1,
            T0,
            T0,
            T0.plusSeconds(5),
            RunOutcome.FAILED,
            null,
            "exit 2",
            "node-b");
    StoredTask retrying =
        new StoredTask(
            NIGHTLY, running.state().retryWait(T0.plusSeconds(65), failed, T0.plusSeconds(5)));
    assertThat(explain(retrying, failed))
        .isEqualTo(
            "attempt 1 failed (exit 2); attempt 2 of 3 at 2026-11-26T03:01:05+01:00 Europe/Berlin");
  }

  @Test
  void aTaskSkippedInAFailedWorkflow_saysWhichDependencyFailedAndWhy() {
    TaskDefinition build =
        TaskDefinition.builder("build", "log")
            .dependencies(dev.schedulerd.api.Dependencies.on("fetch"))
            .build();
    StoredTask skippedTask =
        new StoredTask(
            build,
            TaskState.initial(T0, T0).finished(dev.schedulerd.api.TaskStatus.CANCELLED, null, T0));
    RunRecord skipped =
        new RunRecord(
            "skip-1",
            "build",
            0,
            T0,
            T0,
            T0,
            RunOutcome.SKIPPED,
            null,
            "skipped: dependency 'fetch' failed (HTTP 404 Not Found:\n<html><head><title>404 Not"
                + " Found</title></head><body><h1>Not Found</h1></body></html>) (on_failure=skip;"
                + " on_failure=continue runs it anyway)",
            "node-a");

    assertThat(explain(skippedTask, skipped))
        .isEqualTo(
            "skipped at 2026-11-26T02:00Z Z: dependency 'fetch' failed (HTTP 404 Not Found: 404"
                + " Not Found) (on_failure=skip; on_failure=continue runs it anyway)");
  }

  @Test
  void aOneShotThatRanLate_saysHowLateAndWhy() {
    TaskDefinition once = TaskDefinition.builder("once", "log").schedule(Schedule.at(T0)).build();
    Instant nodeStart = T0.plusSeconds(12);
    RunRecord late =
        new RunRecord(
            "run-1",
            "once",
            1,
            T0,
            nodeStart.plusMillis(300),
            nodeStart.plusMillis(400),
            RunOutcome.SUCCESS,
            "done",
            null,
            "node-a");
    StoredTask done =
        new StoredTask(
            once,
            TaskState.initial(T0, T0)
                .running(new Lease("node-a", "run-1", late.startedAt(), T0.plusSeconds(60)), T0)
                .finished(dev.schedulerd.api.TaskStatus.COMPLETED, late, late.finishedAt()));

    assertThat(
            TaskViews.explain(
                done,
                late,
                ZoneOffset.UTC,
                id -> Optional.empty(),
                new TaskViews.NodeStart("node-a", nodeStart)))
        .isEqualTo(
            "completed: last run success at 2026-11-26T02:00:12.400Z Z; it started 12.3 s after"
                + " its due time (no schedulerd was running at its due time; it ran when one"
                + " started at 2026-11-26T02:00:12Z)");
    assertThat(
            TaskViews.explain(
                done,
                late,
                ZoneOffset.UTC,
                id -> Optional.empty(),
                new TaskViews.NodeStart("node-a", T0.minusSeconds(3600))))
        .endsWith(
            "it started 12.3 s after its due time (schedulerd reached it late: it was busy,"
                + " or no run slot was free)");
  }

  @Test
  void oneLine_flattensPagesAndCutsLongTexts() {
    assertThat(TaskViews.oneLine("a\n\n  b\tc")).isEqualTo("a b c");
    assertThat(TaskViews.oneLine("HTTP 500: <html><body><p>x</p><script>var a;</script></body>"))
        .isEqualTo("HTTP 500: x");
    assertThat(TaskViews.oneLine("y".repeat(1000))).hasSize(TaskViews.MAX_QUOTED).endsWith("…");
  }
}
