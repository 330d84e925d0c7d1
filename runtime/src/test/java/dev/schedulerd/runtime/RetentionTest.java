package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Tasks that ended are removed after the retention, with their runs; the rest stay. */
final class RetentionTest {
  private final TestExecutors.Recording recording = new TestExecutors.Recording();

  private ManualScheduler scheduler(UnaryOperator<SchedulerBuilder> customize) {
    return ManualScheduler.with(new InMemoryTaskStore(), customize, recording);
  }

  @Test
  void anEndedTask_isRemovedWithItsRuns_onceTheRetentionHasPassed() {
    try (ManualScheduler manual = scheduler(b -> b.finishedTaskRetention(Duration.ofHours(36)))) {
      manual.scheduler().add(TaskDefinition.builder("done", "record").build());
      manual.runUntilIdle();
      manual.task("done").hasStatus(TaskStatus.COMPLETED);
      assertThat(manual.store().runs("done", 10)).hasSize(1);

      manual.advance(Duration.ofHours(35)); // a sweep ran, and the task is not old enough
      assertThat(manual.store().find("done")).isPresent();

      manual.advance(Duration.ofHours(1).plus(Retention.SWEEP_EVERY));
      assertThat(manual.store().find("done")).isEmpty();
      assertThat(manual.store().runs("done", 10)).isEmpty();
    }
  }

  @Test
  void tasksStillToRun_andRecurringOnes_stay() {
    try (ManualScheduler manual = scheduler(b -> b.finishedTaskRetention(Duration.ofHours(1)))) {
      var scheduler = manual.scheduler();
      scheduler.add(
          TaskDefinition.builder("later", "record")
              .schedule(Schedule.at(manual.clock().instant().plus(Duration.ofDays(30))))
              .build());
      scheduler.add(
          TaskDefinition.builder("hourly", "record")
              .schedule(Schedule.every(Duration.ofHours(1)))
              .build());
      manual.runUntilIdle();

      manual.advance(Duration.ofDays(2));

      manual.task("later").hasStatus(TaskStatus.SCHEDULED);
      manual.task("hourly").hasStatus(TaskStatus.SCHEDULED);
    }
  }

  @Test
  void aTaskAnotherStillWaitsFor_stays_untilThatOneEnds() {
    try (ManualScheduler manual = scheduler(b -> b.finishedTaskRetention(Duration.ofHours(1)))) {
      var scheduler = manual.scheduler();
      scheduler.add(TaskDefinition.builder("fetch", "record").build());
      manual.runUntilIdle();
      scheduler.add(
          TaskDefinition.builder("build", "record")
              .schedule(Schedule.at(manual.clock().instant().plus(Duration.ofDays(3))))
              .dependencies(Dependencies.on("fetch"))
              .build());
      manual.runUntilIdle();

      manual.advance(Duration.ofDays(2)); // fetch ended two days ago; build still needs it
      manual.task("fetch").hasStatus(TaskStatus.COMPLETED);

      manual.advance(Duration.ofDays(1).plus(Duration.ofMinutes(1))); // build runs, then ends
      manual.task("build").hasStatus(TaskStatus.COMPLETED);
      manual.advance(Duration.ofHours(1).plus(Retention.SWEEP_EVERY));
      assertThat(manual.store().find("fetch")).isEmpty();
      assertThat(manual.store().find("build")).isEmpty();
    }
  }

  @Test
  void zero_keepsEveryTask() {
    try (ManualScheduler manual = scheduler(b -> b.finishedTaskRetention(Duration.ZERO))) {
      manual.scheduler().add(TaskDefinition.builder("done", "record").build());
      manual.runUntilIdle();

      manual.advance(Duration.ofDays(400));

      manual.task("done").hasStatus(TaskStatus.COMPLETED);
    }
  }
}
