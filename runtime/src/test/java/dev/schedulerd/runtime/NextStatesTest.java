package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What follows a run, one row per rule: no store, no threads, no clock. */
final class NextStatesTest {
  private static final Instant T0 = Instant.parse("2026-12-07T08:00:00Z");
  private static final FireTimes FIRE_TIMES = new FireTimes(ZoneOffset.UTC);
  private static final NextStates NEXT =
      new NextStates(FIRE_TIMES, new FirePlanner(FIRE_TIMES), () -> 0.0, "node-a");

  private static final TaskDefinition ONCE =
      TaskDefinition.builder("once", "log").retryPolicy(RetryPolicy.maxAttempts(2)).build();
  private static final TaskDefinition HOURLY =
      TaskDefinition.builder("hourly", "log").schedule(Schedule.every(Duration.ofHours(1))).build();
  private static final TaskDefinition HOURLY_RUN_ALL =
      TaskDefinition.builder("catch-up", "log")
          .schedule(Schedule.every(Duration.ofHours(1)))
          .firePolicy(
              FirePolicy.DEFAULT.withMissed(
                  new FirePolicy.MissedFires(
                      FirePolicy.MissedFires.Mode.RUN_ALL,
                      Duration.ofDays(1),
                      10,
                      Duration.ofSeconds(60))))
          .build();

  /** The task as claimed for its fire time {@code fire}, in attempt {@code attempt}. */
  private static StoredTask running(TaskDefinition definition, Instant fire, int attempt) {
    TaskState state = TaskState.initial(fire, T0.minusSeconds(7200));
    for (int i = 0; i < attempt; i++) {
      state = state.running(new Lease("node-a", "run-" + i, fire, fire.plusSeconds(30)), fire);
      if (i < attempt - 1) {
        state = state.retryWait(fire, run(definition, fire, i + 1, RunOutcome.FAILED), fire);
      }
    }
    return new StoredTask(definition, state);
  }

  private static RunRecord run(
      TaskDefinition definition, Instant started, int attempt, RunOutcome o) {
    return new RunRecord(
        "run-" + attempt,
        definition.id(),
        attempt,
        started,
        started,
        started.plusSeconds(1),
        o,
        null,
        null,
        "node-a");
  }

  static Stream<Arguments> rules() {
    Instant now = T0.plusSeconds(1);
    return Stream.of(
        Arguments.of(
            "one-shot success", ONCE, T0, 1, RunOutcome.SUCCESS, 0, TaskStatus.COMPLETED, null),
        Arguments.of(
            "one-shot failure, an attempt left",
            ONCE,
            T0,
            1,
            RunOutcome.FAILED,
            0,
            TaskStatus.RETRY_WAIT,
            now.plusSeconds(1)),
        Arguments.of(
            "one-shot failure, none left",
            ONCE,
            T0,
            2,
            RunOutcome.FAILED,
            0,
            TaskStatus.FAILED,
            null),
        Arguments.of(
            "interrupted: due again at once, the attempt uncounted",
            ONCE,
            T0,
            1,
            RunOutcome.INTERRUPTED,
            0,
            TaskStatus.SCHEDULED,
            T0),
        Arguments.of(
            "abandoned: like interrupted",
            ONCE,
            T0,
            2,
            RunOutcome.ABANDONED,
            1,
            TaskStatus.SCHEDULED,
            T0),
        Arguments.of(
            "third abandoned in a row: a failed attempt",
            ONCE,
            T0,
            2,
            RunOutcome.ABANDONED,
            2,
            TaskStatus.FAILED,
            null),
        Arguments.of(
            "recurring success: the next fire time",
            HOURLY,
            T0,
            1,
            RunOutcome.SUCCESS,
            0,
            TaskStatus.SCHEDULED,
            T0.plusSeconds(3600)),
        Arguments.of(
            "run_all catch-up: the next missed fire time at once",
            HOURLY_RUN_ALL,
            T0.minusSeconds(7200),
            1,
            RunOutcome.SUCCESS,
            0,
            TaskStatus.SCHEDULED,
            now));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void afterARun(
      String rule,
      TaskDefinition definition,
      Instant fire,
      int attempt,
      RunOutcome outcome,
      int abandonedBefore,
      TaskStatus status,
      Instant due) {
    StoredTask task = running(definition, fire, attempt);
    RunRecord record = run(definition, outcome == RunOutcome.SUCCESS ? T0 : fire, attempt, outcome);

    NextStates.Next next = NEXT.after(task, record, true, T0.plusSeconds(1), () -> abandonedBefore);

    assertThat(next.state().status()).as(rule).isEqualTo(status);
    assertThat(next.state().nextDueAt()).as(rule).isEqualTo(due);
  }
}
