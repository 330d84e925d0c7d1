package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler driven by a manual clock: no sleeps, no ticker thread, runs on the test thread. */
final class SchedulerTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private Scheduler scheduler = build(b -> {});

  private interface Customizer {
    void customize(SchedulerBuilder builder);
  }

  private Scheduler build(Customizer customizer) {
    // These tests ran with the default claim-ahead before ManualScheduler existed: they keep it.
    SchedulerBuilder builder =
        ManualScheduler.builder(clock, store, recording)
            .nodeId("node-test")
            .claimAhead(SchedulerBuilder.DEFAULT_CLAIM_AHEAD);
    customizer.customize(builder);
    return builder.build();
  }

  @AfterEach
  void stop() {
    scheduler.close();
  }

  private static ObjectNode config(String json) {
    try {
      return (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static TaskDefinition.Builder task(String id) {
    return TaskDefinition.builder(id, "record");
  }

  private StoredTask stored(String id) {
    return store.find(id).orElseThrow();
  }

  @Test
  void add_immediateTask_runsOnNextTickAndCompletes() {
    scheduler.start();
    scheduler.add(task("t1").build());

    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("t1");
    StoredTask done = stored("t1");
    assertThat(done.state().status()).isEqualTo(TaskStatus.COMPLETED);
    RunRecord run = scheduler.runs("t1", 10).get(0);
    assertThat(run.outcome()).isEqualTo(RunOutcome.SUCCESS);
    assertThat(run.result()).isEqualTo("ran t1 #1");
    assertThat(run.node()).isEqualTo("node-test");
    assertThat(run.attempt()).isEqualTo(1);
  }

  @Test
  void dispatch_taskDueLater_runsExactlyAtItsDueInstant() {
    scheduler.start();
    Instant due = clock.instant().plusSeconds(5);
    scheduler.add(task("later").schedule(Schedule.at(due)).build());

    clock.advance(Duration.ofMillis(4_999));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).isEmpty();

    clock.advance(Duration.ofMillis(1));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).containsExactly("later");
    assertThat(scheduler.runs("later", 1).get(0).scheduledFor()).isEqualTo(due);
  }

  @Test
  void cron_longOverdue_runsOneCatchUpRunThenWaitsForTheNextFireTime() {
    scheduler.start();
    // Stored long ago with a due instant days in the past, as after a long downtime.
    Instant longAgo = clock.instant().minus(Duration.ofDays(3));
    TaskDefinition daily =
        task("daily").schedule(Schedule.cron("0 3 * * *", ZoneId.of("UTC"))).build();
    store.insert(daily, TaskState.initial(longAgo, longAgo));
    scheduler.runDue(); // picks it up from the store: its fire times were missed
    scheduler.runDue(); // the one catch-up run (the default missed-fire policy, run_once)

    assertThat(recording.runsInOrder()).containsExactly("daily");
    scheduler.runDue();
    assertThat(recording.runsInOrder()).as("one catch-up run, not one per missed day").hasSize(1);
    Instant next = java.util.Objects.requireNonNull(stored("daily").state().nextDueAt());
    assertThat(next).isAfter(clock.instant());
    assertThat(scheduler.runs("daily", 10))
        .extracting(r -> r.outcome())
        .containsExactly(
            dev.schedulerd.api.RunOutcome.SUCCESS,
            dev.schedulerd.api.RunOutcome.MISSED,
            dev.schedulerd.api.RunOutcome.MISSED,
            dev.schedulerd.api.RunOutcome.MISSED);
  }

  @Test
  void claimAhead_claimsBeforeTheDueInstantAndStartsExactlyOnIt() {
    List<Duration> lateness = new java.util.concurrent.CopyOnWriteArrayList<>();
    scheduler =
        build(
            b ->
                b.claimAhead(Duration.ofMillis(500))
                    .listener(
                        new SchedulerListener() {
                          @Override
                          public void runStarted(StoredTask task, String runId, Duration late) {
                            lateness.add(late);
                          }
                        }));
    scheduler.start();
    Instant due = clock.instant().plusSeconds(5);
    scheduler.add(task("later").schedule(Schedule.at(due)).build());

    clock.advance(Duration.ofMillis(4_400));
    scheduler.runDue();
    assertThat(stored("later").state().status()).isEqualTo(TaskStatus.SCHEDULED);

    clock.advance(Duration.ofMillis(200)); // 400 ms before due: inside the look-ahead
    scheduler.runDue();
    assertThat(stored("later").state().status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(recording.runsInOrder()).as("claimed, not started").isEmpty();

    clock.advance(Duration.ofMillis(400));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).containsExactly("later");
    assertThat(lateness).containsExactly(Duration.ZERO);
    RunRecord run = scheduler.runs("later", 1).get(0);
    assertThat(run.startedAt()).isEqualTo(due);
    assertThat(run.scheduledFor()).isEqualTo(due);
  }

  @Test
  void claimAhead_stopBeforeTheRunStarts_handsTheClaimBack() {
    scheduler = build(b -> b.claimAhead(Duration.ofMillis(500)));
    scheduler.start();
    Instant due = clock.instant().plusSeconds(5);
    scheduler.add(task("later").schedule(Schedule.at(due)).build());
    clock.advance(Duration.ofMillis(4_800));
    scheduler.runDue();
    assertThat(stored("later").state().status()).isEqualTo(TaskStatus.RUNNING);

    scheduler.stop();

    TaskState back = stored("later").state();
    assertThat(back.status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(back.nextDueAt()).isEqualTo(due);
    assertThat(back.attempt()).as("the claim's attempt is not counted").isZero();
    assertThat(back.lease()).isNull();
    assertThat(scheduler.runs("later", 10)).as("nothing ran, nothing recorded").isEmpty();
    assertThat(recording.runsInOrder()).isEmpty();

    scheduler.start();
    clock.advance(Duration.ofMillis(200));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).containsExactly("later");
  }

  @Test
  void claimAhead_notShorterThanHalfTheLease_isRefused() {
    assertThatThrownBy(
            () ->
                Scheduler.builder()
                    .store(store)
                    .leaseDuration(Duration.ofSeconds(1))
                    .claimAhead(Duration.ofMillis(500))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("less than half the lease duration");
  }

  @Test
  void dispatch_moreDueThanSlots_takesHighestPriorityFirst() {
    scheduler = build(b -> b.maxConcurrentRuns(1));
    scheduler.start();
    scheduler.add(task("low").priority(Priority.LOW).build());
    scheduler.add(task("medium").priority(Priority.MEDIUM).build());
    scheduler.add(task("critical").priority(Priority.CRITICAL).build());
    scheduler.add(task("high").priority(Priority.HIGH).build());

    for (int i = 0; i < 4; i++) {
      scheduler.runDue();
    }

    assertThat(recording.runsInOrder()).containsExactly("critical", "high", "medium", "low");
  }

  @Test
  void dispatch_criticalDueLaterThanWaitingLow_stillGoesFirst() {
    scheduler = build(b -> b.maxConcurrentRuns(1));
    scheduler.start();
    scheduler.add(task("low-early").priority(Priority.LOW).build());
    clock.advance(Duration.ofSeconds(10));
    scheduler.add(task("critical-late").priority(Priority.CRITICAL).build());

    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("critical-late");
  }

  @Test
  void dispatch_samePriority_earlierDueFirstThenFifo() {
    scheduler = build(b -> b.maxConcurrentRuns(1));
    scheduler.start();
    Instant base = clock.instant();
    scheduler.add(task("due-later").schedule(Schedule.at(base.plusSeconds(2))).build());
    scheduler.add(task("first-in").schedule(Schedule.at(base.plusSeconds(1))).build());
    scheduler.add(task("second-in").schedule(Schedule.at(base.plusSeconds(1))).build());
    clock.advance(Duration.ofSeconds(3));

    for (int i = 0; i < 3; i++) {
      scheduler.runDue();
    }

    assertThat(recording.runsInOrder()).containsExactly("first-in", "second-in", "due-later");
  }

  @Test
  void dispatch_kindAtItsLimit_letsOtherKindsRun() {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
    scheduler =
        build(
            b ->
                b.executors(ExecutorRegistry.of(recording, blocking))
                    .maxConcurrentRuns("block", 1)
                    .runExecutor(r -> Thread.ofVirtual().start(r)));
    scheduler.start();
    scheduler.add(TaskDefinition.builder("block-1", "block").priority(Priority.CRITICAL).build());
    scheduler.add(TaskDefinition.builder("block-2", "block").priority(Priority.CRITICAL).build());
    scheduler.add(task("record-low").priority(Priority.LOW).build());

    scheduler.runDue();

    org.awaitility.Awaitility.await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> recording.runsInOrder().contains("record-low"));
    assertThat(blocking.started.getCount()).isZero();
    assertThat(stored("block-2").state().status()).isEqualTo(TaskStatus.SCHEDULED);
    blocking.release.countDown();
  }

  @Test
  void retry_failingTask_backsOffExponentiallyThenFails() {
    scheduler.start();
    scheduler.add(
        task("flaky")
            .config(config("{\"fail\": true}"))
            .retryPolicy(new RetryPolicy(3, Duration.ofSeconds(10), 3.0, Duration.ofHours(1), 0.0))
            .build());

    scheduler.runDue();
    TaskState afterFirst = stored("flaky").state();
    assertThat(afterFirst.status()).isEqualTo(TaskStatus.RETRY_WAIT);
    assertThat(afterFirst.nextDueAt()).isEqualTo(clock.instant().plusSeconds(10));

    clock.advance(Duration.ofSeconds(10));
    scheduler.runDue();
    TaskState afterSecond = stored("flaky").state();
    assertThat(afterSecond.status()).isEqualTo(TaskStatus.RETRY_WAIT);
    assertThat(afterSecond.nextDueAt()).isEqualTo(clock.instant().plusSeconds(30));

    clock.advance(Duration.ofSeconds(29));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).hasSize(2);

    clock.advance(Duration.ofSeconds(1));
    scheduler.runDue();
    assertThat(stored("flaky").state().status()).isEqualTo(TaskStatus.FAILED);
    assertThat(scheduler.runs("flaky", 10))
        .extracting(RunRecord::attempt, RunRecord::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(3, RunOutcome.FAILED),
            org.assertj.core.groups.Tuple.tuple(2, RunOutcome.FAILED),
            org.assertj.core.groups.Tuple.tuple(1, RunOutcome.FAILED));
  }

  @Test
  void retry_succeedsOnSecondAttempt_completesWithTwoRunRecords() {
    scheduler.start();
    scheduler.add(task("second-time-lucky").config(config("{\"failAttempts\": 1}")).build());

    scheduler.runDue();
    clock.advance(Duration.ofSeconds(1));
    scheduler.runDue();

    assertThat(stored("second-time-lucky").state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(scheduler.runs("second-time-lucky", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS, RunOutcome.FAILED);
  }

  @Test
  void retry_jitter_shortensDelayWithinItsBound() {
    scheduler = build(b -> b.random(() -> 0.999));
    scheduler.start();
    scheduler.add(
        task("jittery")
            .config(config("{\"fail\": true}"))
            .retryPolicy(new RetryPolicy(2, Duration.ofSeconds(10), 2.0, Duration.ofHours(1), 0.5))
            .build());

    scheduler.runDue();

    Duration delay = Duration.between(clock.instant(), stored("jittery").state().nextDueAt());
    assertThat(delay).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
    assertThat(delay).isLessThan(Duration.ofMillis(5_100));
  }

  @Test
  void retry_permanentFailure_isNotRetried() {
    scheduler.start();
    scheduler.add(task("hopeless").config(config("{\"fail\": true, \"permanent\": true}")).build());

    scheduler.runDue();

    assertThat(stored("hopeless").state().status()).isEqualTo(TaskStatus.FAILED);
    assertThat(recording.runsInOrder()).hasSize(1);
  }

  @Test
  void execute_throwingExecutor_recordsFailureAndSchedulerKeepsGoing() {
    scheduler.start();
    scheduler.add(
        task("bomb")
            .config(config("{\"throw\": true}"))
            .retryPolicy(RetryPolicy.NONE)
            .priority(Priority.CRITICAL)
            .build());
    scheduler.add(task("after-bomb").build());

    scheduler.runDue();

    RunRecord bomb = scheduler.runs("bomb", 1).get(0);
    assertThat(bomb.outcome()).isEqualTo(RunOutcome.FAILED);
    assertThat(bomb.error()).contains("IllegalStateException").contains("exploded on purpose");
    assertThat(stored("after-bomb").state().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void recurring_every_firesAlignedAndStaysScheduled() {
    scheduler.start();
    Instant start = clock.instant();
    scheduler.add(task("tick").schedule(Schedule.every(Duration.ofMinutes(1))).build());

    for (int minute = 1; minute <= 3; minute++) {
      clock.advance(Duration.ofMinutes(1));
      scheduler.runDue();
    }

    assertThat(recording.runsInOrder()).containsExactly("tick", "tick", "tick");
    assertThat(stored("tick").state().status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(stored("tick").state().nextDueAt()).isEqualTo(start.plus(Duration.ofMinutes(4)));
  }

  @Test
  void recurring_cronInZone_firesAtLocalWallTime() {
    scheduler = build(b -> b.defaultZone(ZoneId.of("Europe/Berlin")));
    scheduler.start();
    StoredTask added = scheduler.add(task("nightly").schedule(Schedule.cron("0 3 * * *")).build());

    assertThat(added.definition().schedule())
        .isEqualTo(Schedule.cron("0 3 * * *", ZoneId.of("Europe/Berlin")));
    assertThat(added.state().nextDueAt()).isEqualTo(Instant.parse("2026-01-01T02:00:00Z"));
    clock.set(Instant.parse("2026-01-01T02:00:00Z"));
    scheduler.runDue();
    assertThat(stored("nightly").state().nextDueAt())
        .isEqualTo(Instant.parse("2026-01-02T02:00:00Z"));
  }

  @Test
  void recurring_failureAfterRetries_keepsTheScheduleGoing() {
    scheduler.start();
    scheduler.add(
        task("nightly-fail")
            .schedule(Schedule.cron("0 3 * * *"))
            .config(config("{\"fail\": true}"))
            .retryPolicy(RetryPolicy.NONE)
            .build());
    clock.set(Instant.parse("2026-01-01T03:00:00Z"));

    scheduler.runDue();

    TaskState state = stored("nightly-fail").state();
    assertThat(state.status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(state.nextDueAt()).isEqualTo(Instant.parse("2026-01-02T03:00:00Z"));
    assertThat(state.lastRun()).extracting(RunRecord::outcome).isEqualTo(RunOutcome.FAILED);
  }

  @Test
  void add_unknownExecutor_isRejectedListingTheAvailableOnes() {
    scheduler.start();
    assertThatThrownBy(() -> scheduler.add(TaskDefinition.builder("x", "teleport").build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("teleport")
        .hasMessageContaining("enabled on this daemon: record")
        .extracting(e -> ((InvalidTaskException) e).field())
        .isEqualTo("task_type");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void add_configTheExecutorRefuses_isRejectedWithItsReason() {
    assertThatThrownBy(() -> scheduler.add(task("x").config(config("{\"reject\": 1}")).build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("config: reject: the value 1 is refused");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void add_neverFiringCron_isRejectedAndNothingStored() {
    assertThatThrownBy(
            () -> scheduler.add(task("feb30").schedule(Schedule.cron("0 0 30 2 *")).build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("never fires");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void add_duplicateId_isRefused() {
    scheduler.add(task("dup").build());
    assertThatThrownBy(() -> scheduler.add(task("dup").build()))
        .isInstanceOf(DuplicateTaskException.class);
  }

  @Test
  void remove_queuedTask_neverRuns() {
    scheduler.start();
    scheduler.add(task("doomed").schedule(Schedule.at(clock.instant().plusSeconds(5))).build());

    assertThat(scheduler.remove("doomed", "test")).isTrue();
    clock.advance(Duration.ofSeconds(10));
    scheduler.runDue();

    assertThat(recording.runsInOrder()).isEmpty();
    assertThat(scheduler.remove("doomed", "test")).isFalse();
  }

  @Test
  void status_reportsQueueDepthByStatusAndPriority() {
    scheduler.start();
    scheduler.add(
        task("a").priority(Priority.HIGH).schedule(Schedule.every(Duration.ofHours(1))).build());
    scheduler.add(
        task("b").priority(Priority.HIGH).schedule(Schedule.every(Duration.ofHours(1))).build());
    scheduler.add(
        task("c").priority(Priority.LOW).schedule(Schedule.every(Duration.ofHours(2))).build());

    SchedulerStatus status = scheduler.status();

    assertThat(status.running()).isTrue();
    assertThat(status.queueDepth())
        .isEqualTo(Map.of(TaskStatus.SCHEDULED, Map.of(Priority.HIGH, 2, Priority.LOW, 1)));
    assertThat(status.queued()).isEqualTo(3);
    assertThat(status.nextDueAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(status.executorKinds()).containsExactly("record");
    clock.advance(Duration.ofMinutes(5));
    assertThat(scheduler.status().uptime()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void start_loadsTasksAddedBeforeStart() {
    scheduler.add(task("early-bird").build());
    assertThat(recording.runsInOrder()).isEmpty();

    scheduler.start();
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("early-bird");
  }

  @Test
  void restart_keepsEveryTask() {
    scheduler.start();
    scheduler.add(task("survivor").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());

    scheduler.restart();
    clock.advance(Duration.ofSeconds(60));
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("survivor");
    assertThat(scheduler.lifecycle()).isEqualTo(Scheduler.Lifecycle.RUNNING);
  }

  @Test
  void recovery_runningTaskOfDeadNode_isAbandonedAfterLeaseThenRunAgain() {
    store.insert(task("orphan").build(), TaskState.initial(clock.instant(), clock.instant()));
    Lease deadLease =
        new Lease("dead-node", "run-dead", clock.instant(), clock.instant().plusSeconds(30));
    store.write(TaskWrite.claim("orphan", 1, deadLease));
    scheduler.start();

    scheduler.runDue();
    assertThat(stored("orphan").state().status()).isEqualTo(TaskStatus.RUNNING);

    clock.advance(Duration.ofSeconds(30));
    scheduler.runDue(); // recorded abandoned, and due again at once: its node died, not the task
    RunRecord abandoned = scheduler.runs("orphan", 2).get(1);
    assertThat(abandoned.outcome()).isEqualTo(RunOutcome.ABANDONED);
    assertThat(abandoned.runId()).isEqualTo("run-dead");
    assertThat(abandoned.error()).contains("dead-node").contains("node-test");

    assertThat(recording.runsInOrder()).containsExactly("orphan");
    assertThat(stored("orphan").state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(scheduler.runs("orphan", 10))
        .as("the abandoned attempt did not count")
        .extracting(RunRecord::attempt, RunRecord::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, RunOutcome.SUCCESS),
            org.assertj.core.groups.Tuple.tuple(1, RunOutcome.ABANDONED));
  }

  @Test
  void builder_rejectsNonsenseWithTheValueReceived() {
    assertThatThrownBy(() -> Scheduler.builder().maxConcurrentRuns(0))
        .hasMessageContaining("got 0");
    assertThatThrownBy(() -> Scheduler.builder().leaseDuration(Duration.ofMillis(5)))
        .hasMessageContaining("PT0.005S");
    assertThatThrownBy(() -> Scheduler.builder().stopGrace(Duration.ofSeconds(-1)))
        .hasMessageContaining("must not be negative");
  }

  @Test
  void runDue_beforeStart_isRefused() {
    assertThatThrownBy(() -> scheduler.runDue())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("NEW");
  }

  @Test
  void listener_thatThrows_doesNotBreakRuns() {
    scheduler =
        build(
            b ->
                b.listener(
                    new SchedulerListener() {
                      @Override
                      public void runFinished(StoredTask task, RunRecord run) {
                        throw new IllegalStateException("listener bug");
                      }
                    }));
    scheduler.start();
    scheduler.add(task("t").build());
    scheduler.add(task("u").build());

    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactlyInAnyOrder("t", "u");
    assertThat(List.of(stored("t"), stored("u")))
        .allMatch(t -> t.state().status() == TaskStatus.COMPLETED);
  }
}
