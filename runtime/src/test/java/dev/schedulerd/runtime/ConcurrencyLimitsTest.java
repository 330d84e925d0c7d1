package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resource groups and priority aging, on a manual clock. */
final class ConcurrencyLimitsTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final List<Scheduler> schedulers = new ArrayList<>();

  @AfterEach
  void close() {
    schedulers.forEach(Scheduler::close);
  }

  private Scheduler started(SchedulerBuilder builder) {
    Scheduler scheduler =
        builder.store(store).clock(clock).claimAhead(Duration.ZERO).manualTicks().build();
    schedulers.add(scheduler);
    scheduler.start();
    return scheduler;
  }

  @Test
  void aResourceOfCapacityOne_runsItsTasksOneAtATime() {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(2, false);
    Scheduler scheduler =
        started(
            Scheduler.builder()
                .executors(ExecutorRegistry.of(blocking))
                .resourceCapacity("gpu", 1));
    for (String id : List.of("train-1", "train-2")) {
      scheduler.add(TaskDefinition.builder(id, "block").resources(List.of("gpu")).build());
    }
    scheduler.runDue();
    await().atMost(Duration.ofSeconds(10)).until(() -> blocking.started.getCount() == 1);
    scheduler.runDue();
    assertThat(blocking.started.getCount()).as("the second waits for the gpu").isEqualTo(1);
    long running =
        store.list().stream().filter(t -> t.state().status() == TaskStatus.RUNNING).count();
    assertThat(running).isEqualTo(1);

    blocking.release.countDown(); // the first ends and frees the gpu
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              scheduler.runDue();
              return blocking.started.getCount() == 0;
            });
  }

  @Test
  void anUnknownResource_isRefusedNamingTheConfigKey() {
    Scheduler scheduler =
        started(
            Scheduler.builder()
                .executors(ExecutorRegistry.of(new TestExecutors.Recording()))
                .resourceCapacity("gpu", 2));
    assertThatThrownBy(
            () ->
                scheduler.add(
                    TaskDefinition.builder("t", "record").resources(List.of("tpu")).build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("resource 'tpu' is not configured on this daemon (it has gpu)")
        .hasMessageContaining("resources.tpu=2");
  }

  /** One slot; every minute a new HIGH task arrives; a LOW task due from the start. */
  private List<String> underAStreamOfHighTasks(Duration aging) {
    TestExecutors.Recording recording = new TestExecutors.Recording();
    Scheduler scheduler =
        started(
            Scheduler.builder()
                .executors(ExecutorRegistry.of(recording))
                .runExecutor(Runnable::run)
                .maxConcurrentRuns(1)
                .priorityAging(aging));
    scheduler.add(TaskDefinition.builder("low", "record").priority(Priority.LOW).build());
    for (int minute = 0; minute < 30; minute++) {
      scheduler.add(
          TaskDefinition.builder("high-" + minute, "record").priority(Priority.HIGH).build());
      scheduler.add(
          TaskDefinition.builder("high-" + minute + "b", "record").priority(Priority.HIGH).build());
      scheduler.runDue(); // one slot: one run per minute, while two HIGH tasks arrive
      clock.advance(Duration.ofMinutes(1));
    }
    return recording.runsInOrder();
  }

  @Test
  void priorityAging_letsALowTaskRunUnderASteadyStreamOfHighOnes() {
    List<String> runs = underAStreamOfHighTasks(Duration.ofMinutes(5));
    // LOW ranks 3 steps (15 min) behind its due instant, HIGH 1 step: LOW goes before every HIGH
    // task due more than 10 min after it. Two arrive per minute and one runs, so in minute m the
    // oldest waiting HIGH task is from minute m/2: LOW runs once m/2 passes 10.
    assertThat(runs).contains("low");
    assertThat(runs.indexOf("low")).isBetween(20, 23);
  }

  @Test
  void withoutAging_theLowTaskStarves() {
    assertThat(underAStreamOfHighTasks(Duration.ZERO)).doesNotContain("low").hasSize(30);
  }
}
