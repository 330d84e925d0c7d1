package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The runtime as a library: what the README's "Embedding schedulerd" shows, and its edges. */
final class EmbeddingTest {
  record Report(String team) {}

  /** The README's example, as written there; then run at once to see it work. */
  @Test
  void theReadmeExample_runsATaskWithTypedConfig() {
    // -- README: Embedding schedulerd
    Scheduler scheduler =
        Scheduler.builder() // tasks in memory; .store(...) keeps them
            .executor(
                TaskExecutor.of(
                    "report",
                    run -> ExecutionResult.success("sent to " + run.config(Report.class).team())))
            .build();
    scheduler.start();
    scheduler.add(
        TaskDefinition.builder("weekly-report", "report")
            .schedule(Schedule.cron("0 9 * * MON", ZoneId.of("Europe/Berlin")))
            .configOf(new Report("core"))
            .build());
    // -- end
    try {
      scheduler.runNow("weekly-report", "test");
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !scheduler.runs("weekly-report", 1).isEmpty());
      assertThat(scheduler.runs("weekly-report", 1))
          .extracting(RunRecord::result)
          .containsExactly("sent to core");
    } finally {
      scheduler.close();
    }
  }

  /** The README shows exactly the lines above (indentation aside): a change to one fails here. */
  @Test
  void theReadme_showsTheExampleThisTestRuns() throws java.io.IOException {
    String test =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("src/test/java/dev/schedulerd/runtime/EmbeddingTest.java"));
    String example =
        test.substring(
            test.indexOf("// -- README: Embedding schedulerd\n") + 35,
            test.indexOf("    // -- end\n"));
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("../README.md"));
    String section = readme.substring(readme.indexOf("## Embedding schedulerd"));
    int start = section.indexOf("```java\n") + 8;
    String block = section.substring(start, section.indexOf("\n```", start));
    assertThat(stripped(block)).contains(stripped(example));
  }

  private static String stripped(String code) {
    return code.lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void aOneShotAddedAfterItsInstant_runsAtOnce() {
    ManualClock clock = ManualClock.atEpochOf2026();
    List<String> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Scheduler scheduler = manual(clock, runs)) {
      scheduler.add(
          TaskDefinition.builder("late", "record")
              .schedule(Schedule.at(clock.instant().minus(Duration.ofHours(3))))
              .build());

      assertThat(scheduler.get("late").orElseThrow().state().nextDueAt())
          .isEqualTo(clock.instant());
      scheduler.runDue();
      assertThat(runs).containsExactly("late");
    }
  }

  @Test
  void addAll_storesEveryTaskOrNone() {
    ManualClock clock = ManualClock.atEpochOf2026();
    try (Scheduler scheduler = manual(clock, new java.util.ArrayList<>())) {
      List<StoredTask> added =
          scheduler.addAll(
              List.of(
                  TaskDefinition.builder("a", "record").build(),
                  TaskDefinition.builder("b", "record").build()));
      assertThat(added).extracting(StoredTask::id).containsExactly("a", "b");

      assertThatThrownBy(
              () ->
                  scheduler.addAll(
                      List.of(
                          TaskDefinition.builder("c", "record").build(),
                          TaskDefinition.builder("a", "record").build())))
          .isInstanceOf(DuplicateTaskException.class);
      assertThat(scheduler.get("c")).as("none of a failed batch").isEmpty();
    }
  }

  @Test
  void addOrGet_isSafeToRepeat_andRefusesAnotherTaskUnderTheId() {
    ManualClock clock = ManualClock.atEpochOf2026();
    try (Scheduler scheduler = manual(clock, new java.util.ArrayList<>())) {
      TaskDefinition nightly =
          TaskDefinition.builder("nightly", "record").schedule(Schedule.cron("0 3 * * *")).build();

      Added first = scheduler.addOrGet(nightly);
      Added again = scheduler.addOrGet(nightly.withCreatedBy("another client"));

      assertThat(first.created()).isTrue();
      assertThat(again.created()).as("the same task: the default zone filled in").isFalse();
      assertThat(again.task()).isEqualTo(first.task());
      assertThatThrownBy(
              () ->
                  scheduler.addOrGet(
                      TaskDefinition.builder("nightly", "record")
                          .schedule(Schedule.cron("0 4 * * *"))
                          .build()))
          .isInstanceOf(DifferentTaskExistsException.class)
          .hasMessageContaining("nightly");
    }
  }

  @Test
  void addAllOrGet_answersTasksAlreadyThere_addsTheRestTogether_orNoneWhenOneDiffers() {
    ManualClock clock = ManualClock.atEpochOf2026();
    try (Scheduler scheduler = manual(clock, new java.util.ArrayList<>())) {
      TaskDefinition nightly =
          TaskDefinition.builder("nightly", "record").schedule(Schedule.cron("0 3 * * *")).build();
      StoredTask before = scheduler.add(nightly);

      List<Added> answers =
          scheduler.addAllOrGet(
              List.of(
                  TaskDefinition.builder("first", "record").build(),
                  nightly.withCreatedBy("another client"),
                  TaskDefinition.builder("second", "record")
                      .dependencies(dev.schedulerd.api.Dependencies.on("first"))
                      .build()));

      assertThat(answers).extracting(Added::created).containsExactly(true, false, true);
      assertThat(answers)
          .extracting(a -> a.task().id())
          .containsExactly("first", "nightly", "second");
      assertThat(answers.get(1).task()).isEqualTo(before);
      assertThat(scheduler.get("second").orElseThrow().state().status())
          .isEqualTo(TaskStatus.WAITING);
      assertThat(scheduler.addAllOrGet(List.of(TaskDefinition.builder("first", "record").build())))
          .extracting(Added::created)
          .as("repeated: nothing added twice")
          .containsExactly(false);

      assertThatThrownBy(
              () ->
                  scheduler.addAllOrGet(
                      List.of(
                          TaskDefinition.builder("third", "record").build(),
                          TaskDefinition.builder("nightly", "record")
                              .schedule(Schedule.cron("0 4 * * *"))
                              .build())))
          .isInstanceOf(DifferentTaskExistsException.class)
          .hasMessageContaining("nightly");
      assertThat(scheduler.get("third")).as("none of a refused batch").isEmpty();
    }
  }

  @Test
  void addAllOrGet_whenAnotherClientAddsOneMeanwhile_answersItAsThere() {
    ManualClock clock = ManualClock.atEpochOf2026();
    InMemoryTaskStore store = org.mockito.Mockito.spy(new InMemoryTaskStore());
    try (Scheduler scheduler = manual(clock, new java.util.ArrayList<>(), store)) {
      TaskDefinition raced = TaskDefinition.builder("raced", "record").build();
      scheduler.add(raced);
      // This call's first read comes before the other client's add commits.
      org.mockito.Mockito.doReturn(java.util.Optional.empty())
          .doCallRealMethod()
          .when(store)
          .find("raced");

      List<Added> answers =
          scheduler.addAllOrGet(List.of(TaskDefinition.builder("mine", "record").build(), raced));

      assertThat(answers).extracting(Added::created).containsExactly(true, false);
      assertThat(scheduler.get("mine")).isPresent();
    }
  }

  @Test
  void cronInAnotherDialect_andTypedConfig() {
    ManualClock clock = ManualClock.atEpochOf2026();
    try (Scheduler scheduler = manual(clock, new java.util.ArrayList<>())) {
      StoredTask task =
          scheduler.add(
              TaskDefinition.builder("quartz", "record")
                  .schedule(
                      Schedule.cron("0 30 9 ? * MON-FRI", CronDialect.QUARTZ, ZoneId.of("UTC")))
                  .configOf(new Report("ops"))
                  .build());
      assertThat(task.state().status()).isEqualTo(TaskStatus.SCHEDULED);
      assertThat(task.definition().config(Report.class)).isEqualTo(new Report("ops"));
      assertThatThrownBy(() -> task.definition().config(Integer.class))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Integer");
    }
  }

  @Test
  void theStoreItMade_isClosedWithIt_aStoreGivenIsNot() {
    Scheduler owning = Scheduler.builder().executor(new TestExecutors.Recording()).build();
    owning.add(TaskDefinition.builder("x", "record").build());
    owning.close();
    assertThatThrownBy(owning::list).isInstanceOf(StoreException.class);

    InMemoryTaskStore given = new InMemoryTaskStore();
    Scheduler borrowing =
        Scheduler.builder().store(given).executor(new TestExecutors.Recording()).build();
    borrowing.add(TaskDefinition.builder("y", "record").build());
    borrowing.close();
    assertThat(given.find("y")).as("the caller's store stays open").isPresent();
  }

  @Test
  void executorsOneWayOrTheOther() {
    assertThatThrownBy(
            () ->
                Scheduler.builder()
                    .executors(ExecutorRegistry.of(new TestExecutors.Recording()))
                    .executor(TaskExecutor.of("other", run -> ExecutionResult.success()))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("executor(...)");
  }

  private static Scheduler manual(ManualClock clock, List<String> runs) {
    return manual(clock, runs, new InMemoryTaskStore());
  }

  private static Scheduler manual(ManualClock clock, List<String> runs, InMemoryTaskStore store) {
    Scheduler scheduler =
        Scheduler.builder()
            .store(store)
            .executor(
                TaskExecutor.of(
                    "record",
                    run -> {
                      runs.add(run.task().id());
                      return ExecutionResult.success();
                    }))
            .clock(clock)
            .runExecutor(Runnable::run)
            .claimAhead(Duration.ZERO)
            .manualTicks()
            .build();
    scheduler.start();
    return scheduler;
  }
}
