package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A definition a client changes while its task runs decides what follows the run: the node learns
 * of the change as of any other (its own write, or the change feed), not by reading the task again
 * when the run ends.
 */
final class DefinitionWhileRunningTest {

  /** Kind {@code reschedule}: while running, a client moves its task to every six hours. */
  private static final class Rescheduling implements TaskExecutor {
    final AtomicReference<Scheduler> scheduler = new AtomicReference<>();

    @Override
    public String kind() {
      return "reschedule";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      Objects.requireNonNull(scheduler.get())
          .update(
              TaskDefinition.builder(context.task().id(), "reschedule")
                  .schedule(Schedule.every(Duration.ofHours(6)))
                  .build());
      return ExecutionResult.success();
    }
  }

  @Test
  void aScheduleChangedWhileTheTaskRuns_decidesItsNextFireTime() {
    Rescheduling rescheduling = new Rescheduling();
    try (ManualScheduler manual = ManualScheduler.of(rescheduling)) {
      rescheduling.scheduler.set(manual.scheduler());
      manual
          .scheduler()
          .add(
              TaskDefinition.builder("t", "reschedule")
                  .schedule(Schedule.every(Duration.ofHours(1)))
                  .build());

      manual.advance(Duration.ofHours(1));

      StoredTask task = manual.store().find("t").orElseThrow();
      RunRecord run = Objects.requireNonNull(task.state().lastRun(), "it ran");
      Instant next = Objects.requireNonNull(task.state().nextDueAt());
      assertThat(task.definition().schedule()).isEqualTo(Schedule.every(Duration.ofHours(6)));
      assertThat(Duration.between(run.scheduledFor(), next))
          .as("next fire after the run, by the schedule as changed during it")
          .isGreaterThanOrEqualTo(Duration.ofHours(5));
    }
  }
}
