package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** update, pause, resume and run-now, on a manual clock. */
final class SchedulerOperationsTest {
  private static final ZoneId UTC = ZoneId.of("UTC");
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private final List<String> changed = new CopyOnWriteArrayList<>();
  private final FailsFirst failsFirst = new FailsFirst();
  private final ManualScheduler manual =
      ManualScheduler.of(recording, new TestExecutors.Blocking(1, false), failsFirst);

  /** Kind {@code fails-first}: its first run fails for good, later ones succeed. */
  static final class FailsFirst implements dev.schedulerd.api.executor.TaskExecutor {
    private final java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String kind() {
      return "fails-first";
    }

    @Override
    public dev.schedulerd.api.executor.ExecutionResult execute(
        dev.schedulerd.api.executor.ExecutionContext context) {
      return calls.getAndIncrement() == 0
          ? dev.schedulerd.api.executor.ExecutionResult.permanentFailure("first time unlucky")
          : dev.schedulerd.api.executor.ExecutionResult.success("second time lucky");
    }
  }

  private final Scheduler scheduler = manual.scheduler();
  private final TaskStore store = manual.store();
  private final ManualClock clock = manual.clock();

  @BeforeEach
  void listen() {
    scheduler.addListener(
        new SchedulerListener() {
          @Override
          public void taskChanged(StoredTask task) {
            changed.add(task.id() + ":" + task.state().status().wireName());
          }
        });
  }

  @AfterEach
  void stop() {
    manual.close();
  }

  private StoredTask stored(String id) {
    return store.find(id).orElseThrow();
  }

  private Instant due(String id) {
    return Objects.requireNonNull(stored(id).state().nextDueAt());
  }

  private static TaskDefinition.Builder task(String id) {
    return TaskDefinition.builder(id, "record");
  }

  @Test
  void heartbeats_listThisNode_andStopWhenItStopsBeating() {
    assertThat(scheduler.nodes())
        .singleElement()
        .satisfies(
            node -> {
              assertThat(node.nodeId()).isEqualTo(scheduler.nodeId());
              assertThat(node.lastHeartbeat()).isEqualTo(clock.instant());
            });

    clock.advance(Duration.ofSeconds(6));
    scheduler.runDue(); // a sync round: due for a heartbeat
    assertThat(scheduler.nodes().get(0).lastHeartbeat()).isEqualTo(clock.instant());

    scheduler.stop();
    clock.advance(Duration.ofSeconds(16));
    assertThat(scheduler.nodes()).as("three missed beats").isEmpty();
  }

  @Test
  void update_changedCron_reschedulesAtOnceAndKeepsTheId() {
    scheduler.add(task("t").schedule(Schedule.cron("0 3 * * *", UTC)).build()); // 03:00 daily
    Instant before = due("t");

    StoredTask updated =
        scheduler.update(
            task("t")
                .priority(Priority.CRITICAL)
                .schedule(Schedule.cron("*/10 * * * *", UTC))
                .description("every ten minutes")
                .build());

    assertThat(updated.definition().priority()).isEqualTo(Priority.CRITICAL);
    assertThat(due("t")).isBefore(before);
    assertThat(Duration.between(clock.instant(), due("t")))
        .isLessThanOrEqualTo(Duration.ofMinutes(10));
    assertThat(changed).containsExactly("t:scheduled");
  }

  @Test
  void update_sameScheduleOtherConfig_keepsTheDueInstant() {
    scheduler.add(task("t").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());
    Instant before = due("t");

    scheduler.update(
        task("t")
            .schedule(Schedule.at(clock.instant().plusSeconds(60)))
            .description("new")
            .build());

    assertThat(due("t")).isEqualTo(before);
    assertThat(stored("t").definition().description()).isEqualTo("new");
  }

  @Test
  void update_refusesWhatAddRefuses_andMissingOrFinishedTasks() {
    scheduler.add(task("t").build());
    assertThatThrownBy(() -> scheduler.update(TaskDefinition.builder("t", "nope").build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("unknown executor kind 'nope'");
    assertThatThrownBy(() -> scheduler.update(task("ghost").build()))
        .isInstanceOf(NoSuchTaskException.class);

    scheduler.runDue(); // t completes
    assertThat(stored("t").state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThatThrownBy(
            () ->
                scheduler.update(
                    task("t").schedule(Schedule.at(clock.instant().plusSeconds(5))).build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("is completed: its schedule cannot change");
  }

  @Test
  void pause_holdsTheTask_resume_runsItAgain() {
    scheduler.add(task("t").schedule(Schedule.every(Duration.ofMinutes(1))).build());
    scheduler.pause("t", "test");
    assertThat(stored("t").state().status()).isEqualTo(TaskStatus.PAUSED);

    clock.advance(Duration.ofMinutes(5));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).as("paused tasks are not dispatched").isEmpty();

    scheduler.resume("t", "test");
    assertThat(stored("t").state().status()).isEqualTo(TaskStatus.SCHEDULED);
    // Five fire times passed during the pause: by the default policy (run_once) the latest runs
    // at once, the other four are recorded as missed.
    assertThat(due("t")).isEqualTo(clock.instant());
    scheduler.runDue();
    assertThat(recording.runsInOrder()).containsExactly("t");
    assertThat(scheduler.runs("t", 10)).hasSize(5);
    assertThat(due("t")).isEqualTo(clock.instant().plusSeconds(60));
    assertThat(changed).containsExactly("t:paused", "t:scheduled");
  }

  @Test
  void pause_twice_andResumeOfAQueuedTask_changeNothing() {
    scheduler.add(task("t").schedule(Schedule.every(Duration.ofMinutes(1))).build());
    long version = stored("t").version();
    scheduler.resume("t", "test");
    assertThat(stored("t").version()).isEqualTo(version);
    scheduler.pause("t", "test");
    scheduler.pause("t", "test");
    assertThat(changed).containsExactly("t:paused");
  }

  @Test
  void runNow_recurringTask_runsAtOnceThenKeepsItsSchedule() {
    scheduler.add(task("daily").schedule(Schedule.cron("0 3 * * *", UTC)).build());
    Instant natural = due("daily");

    scheduler.runNow("daily", "test");
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("daily");
    assertThat(due("daily")).isEqualTo(natural);
  }

  @Test
  void runNow_onAPausedOrFinishedTask_saysWhatToDo() {
    scheduler.add(task("p").schedule(Schedule.every(Duration.ofMinutes(1))).build());
    scheduler.pause("p", "test");
    assertThatThrownBy(() -> scheduler.runNow("p", "test")).hasMessageContaining("resume it first");

    scheduler.add(task("once").build());
    scheduler.runDue();
    assertThatThrownBy(() -> scheduler.runNow("once", "test"))
        .hasMessageContaining("is completed: add a new task to run it again");
    assertThatThrownBy(() -> scheduler.pause("ghost", "test"))
        .isInstanceOf(NoSuchTaskException.class);
  }

  @Test
  void skipNext_recordsTheSkippedOccurrence_andMakesTheOneAfterDue() {
    scheduler.add(task("daily").schedule(Schedule.cron("0 3 * * *", UTC)).build());
    Instant first = due("daily");

    StoredTask skipped = scheduler.skipNext("daily", "dashboard");

    assertThat(skipped.state().status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(due("daily")).isEqualTo(first.plus(Duration.ofDays(1)));
    assertThat(scheduler.runs("daily", 10))
        .singleElement()
        .satisfies(
            run -> {
              assertThat(run.outcome()).isEqualTo(dev.schedulerd.api.RunOutcome.SKIPPED);
              assertThat(run.scheduledFor()).isEqualTo(first);
              assertThat(run.error()).isEqualTo("skipped by dashboard");
            });
    assertThat(changed).contains("daily:scheduled");

    scheduler.add(task("once").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());
    assertThatThrownBy(() -> scheduler.skipNext("once", "dashboard"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("runs once");
    scheduler.add(
        task("last")
            .schedule(Schedule.cron("0 0 3 1 1 ? 2030", dev.schedulerd.api.CronDialect.QUARTZ, UTC))
            .build());
    assertThatThrownBy(() -> scheduler.skipNext("last", "dashboard"))
        .hasMessageContaining("no occurrence after its next one");
    scheduler.pause("daily", "test");
    assertThatThrownBy(() -> scheduler.skipNext("daily", "dashboard"))
        .hasMessageContaining("is paused: only a scheduled task's next occurrence can be skipped");
  }

  @Test
  void retry_queuesAFailedOneShotTaskAgain_keepingItsHistory_andRefusesOthers() {
    scheduler.add(TaskDefinition.builder("flaky", "fails-first").build());
    scheduler.runDue();
    assertThat(stored("flaky").state().status()).isEqualTo(TaskStatus.FAILED);

    StoredTask again = scheduler.retry("flaky", "dashboard");

    assertThat(again.state().status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(again.state().attempt()).isZero();
    assertThat(again.state().nextDueAt()).isEqualTo(clock.instant());
    scheduler.runDue();
    assertThat(stored("flaky").state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(scheduler.runs("flaky", 10))
        .extracting(run -> run.outcome().wireName() + "#" + run.attempt())
        .containsExactly("success#1", "failed#1");

    assertThatThrownBy(() -> scheduler.retry("flaky", "dashboard"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is completed: only a failed task can be retried");
    scheduler.add(task("later").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());
    assertThatThrownBy(() -> scheduler.retry("later", "dashboard"))
        .hasMessageContaining("has not failed; scheduler_run_task_now runs it now");
    scheduler.pause("later", "test");
    assertThatThrownBy(() -> scheduler.retry("later", "dashboard"))
        .hasMessageContaining("is paused: it has not failed; resume it to queue it again");
    assertThatThrownBy(() -> scheduler.retry("ghost", "dashboard"))
        .isInstanceOf(NoSuchTaskException.class);
  }

  @Test
  void aTaskWaitingOnARetriedDependency_isJudgedWhenItEndsAgain() {
    scheduler.add(TaskDefinition.builder("a", "fails-first").build());
    scheduler.add(task("c").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());
    scheduler.add(
        task("b")
            .dependencies(dev.schedulerd.api.Dependencies.on("a", "c").continuingOnFailure())
            .build());
    scheduler.runDue(); // a fails; b still waits for c
    scheduler.runDue();
    assertThat(stored("a").state().status()).isEqualTo(TaskStatus.FAILED);
    assertThat(stored("b").state().status()).isEqualTo(TaskStatus.WAITING);

    scheduler.retry("a", "test");
    scheduler.pause("a", "test"); // not ended while c ends
    clock.advance(Duration.ofSeconds(60));
    scheduler.runDue(); // c completes; b waits for a again
    scheduler.runDue();
    assertThat(stored("c").state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(stored("b").state().status()).isEqualTo(TaskStatus.WAITING);

    scheduler.resume("a", "test");
    scheduler.runDue(); // a succeeds: b is judged and released
    scheduler.runDue();
    scheduler.runDue();

    assertThat(stored("a").state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(stored("b").state().status()).isEqualTo(TaskStatus.COMPLETED);
  }
}
