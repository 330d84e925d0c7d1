package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.FirePolicy.MissedFires;
import dev.schedulerd.api.FirePolicy.Overlap;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Missed fire times, overlapping runs and jitter, each policy driven by a manual clock. */
final class FirePolicyTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private final TestExecutors.Blocking blocking = new TestExecutors.Blocking(2, false);
  private final List<Scheduler> schedulers = new ArrayList<>();
  private final Instant t0 = clock.instant();

  /** Runs on the calling thread: a run ends within runDue. */
  private Scheduler synchronous() {
    return synchronous("node-a");
  }

  private Scheduler synchronous(String nodeId) {
    Scheduler scheduler =
        ManualScheduler.with(clock, store, b -> b.nodeId(nodeId).random(() -> 0.5), recording)
            .scheduler();
    schedulers.add(scheduler);
    return scheduler;
  }

  /** Runs on their own threads: time can move while a run runs. */
  private Scheduler threaded() {
    return started(
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(blocking))
            .clock(clock)
            .random(() -> 0.5)
            .claimAhead(Duration.ZERO)
            .manualTicks());
  }

  private Scheduler started(SchedulerBuilder builder) {
    Scheduler scheduler = builder.build();
    schedulers.add(scheduler);
    scheduler.start();
    return scheduler;
  }

  @AfterEach
  void close() {
    schedulers.forEach(Scheduler::close);
  }

  private static TaskDefinition hourly(String id, FirePolicy policy) {
    return TaskDefinition.builder(id, "record")
        .schedule(Schedule.every(Duration.ofHours(1)))
        .firePolicy(policy)
        .build();
  }

  private static FirePolicy missed(MissedFires.Mode mode) {
    return FirePolicy.DEFAULT.withMissed(
        new MissedFires(mode, Duration.ofDays(1), 3, Duration.ofSeconds(60)));
  }

  private StoredTask stored(String id) {
    return store.find(id).orElseThrow();
  }

  private List<RunRecord> oldestFirst(String id) {
    List<RunRecord> runs = new ArrayList<>(store.runs(id, 100));
    java.util.Collections.reverse(runs);
    return runs;
  }

  /** Added, then the daemon is down for 5 h 30 min, then it starts again on the same store. */
  private Scheduler restartedAfterDowntime(TaskDefinition definition) {
    Scheduler first = synchronous();
    first.add(definition);
    first.close();
    clock.advance(Duration.ofMinutes(330));
    Scheduler second = synchronous();
    second.runDue(); // notices the missed fire times
    return second;
  }

  @Test
  void missedSkip_afterDowntime_recordsEachMissedFireTimeAndRunsNone() {
    Scheduler scheduler = restartedAfterDowntime(hourly("h", missed(MissedFires.Mode.SKIP)));
    scheduler.runDue();

    assertThat(recording.runsInOrder()).isEmpty();
    List<RunRecord> runs = oldestFirst("h");
    assertThat(runs).extracting(RunRecord::outcome).containsOnly(RunOutcome.MISSED).hasSize(5);
    assertThat(runs)
        .extracting(RunRecord::scheduledFor)
        .containsExactly(
            t0.plusSeconds(3600),
            t0.plusSeconds(7200),
            t0.plusSeconds(10800),
            t0.plusSeconds(14400),
            t0.plusSeconds(18000));
    assertThat(runs.get(0).error())
        .contains("schedulerd was not running")
        .contains("missed_fire_policy=skip");
    assertThat(runs).allSatisfy(r -> assertThat(r.attempt()).isZero());
    assertThat(stored("h").state().nextDueAt()).isEqualTo(t0.plusSeconds(21600));
  }

  @Test
  void missedRunOnce_afterDowntime_runsTheLatestOnceAndRecordsTheRest() {
    Scheduler scheduler = restartedAfterDowntime(hourly("h", missed(MissedFires.Mode.RUN_ONCE)));
    scheduler.runDue();
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("h");
    List<RunRecord> runs = oldestFirst("h");
    assertThat(runs)
        .extracting(RunRecord::outcome)
        .containsExactly(
            RunOutcome.MISSED,
            RunOutcome.MISSED,
            RunOutcome.MISSED,
            RunOutcome.MISSED,
            RunOutcome.SUCCESS);
    assertThat(runs.get(4).scheduledFor())
        .as("the fire time it ran for")
        .isEqualTo(t0.plusSeconds(18000));
    assertThat(runs.get(0).error()).contains("one catch-up run for " + t0.plusSeconds(18000));
    assertThat(stored("h").state().nextDueAt()).isEqualTo(t0.plusSeconds(21600));
  }

  @Test
  void missedRunAll_afterDowntime_runsTheLatestMaxInOrderThenGoesOn() {
    Scheduler scheduler = restartedAfterDowntime(hourly("h", missed(MissedFires.Mode.RUN_ALL)));
    for (int i = 0; i < 5; i++) {
      scheduler.runDue();
    }

    assertThat(recording.runsInOrder()).containsExactly("h", "h", "h");
    List<RunRecord> runs = oldestFirst("h");
    assertThat(runs)
        .extracting(RunRecord::outcome)
        .containsExactly(
            RunOutcome.MISSED,
            RunOutcome.MISSED,
            RunOutcome.SUCCESS,
            RunOutcome.SUCCESS,
            RunOutcome.SUCCESS);
    assertThat(runs)
        .filteredOn(r -> r.outcome() == RunOutcome.SUCCESS)
        .extracting(RunRecord::scheduledFor)
        .containsExactly(t0.plusSeconds(10800), t0.plusSeconds(14400), t0.plusSeconds(18000));
    assertThat(runs.get(0).error()).contains("max_catch_up=3");
    assertThat(stored("h").state().nextDueAt()).isEqualTo(t0.plusSeconds(21600));
  }

  @Test
  void missedRunAll_withOverlapAllow_catchesUpEachFireTimeAsItsOwnTask() {
    FirePolicy policy = missed(MissedFires.Mode.RUN_ALL).withOverlap(Overlap.ALLOW);
    Scheduler scheduler = restartedAfterDowntime(hourly("h", policy));
    for (int i = 0; i < 8; i++) {
      scheduler.runDue();
    }

    assertThat(recording.runsInOrder())
        .containsExactly(
            "h:" + t0.plusSeconds(10800),
            "h:" + t0.plusSeconds(14400),
            "h:" + t0.plusSeconds(18000));
    assertThat(oldestFirst("h"))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.MISSED, RunOutcome.MISSED);
    assertThat(stored("h").state().nextDueAt()).isEqualTo(t0.plusSeconds(21600));
  }

  @Test
  void missedRunOnce_outsideTheCatchUpWindow_runsNothing() {
    FirePolicy policy =
        FirePolicy.DEFAULT.withMissed(
            new MissedFires(
                MissedFires.Mode.RUN_ONCE, Duration.ofMinutes(20), 10, Duration.ofSeconds(60)));
    Scheduler scheduler = restartedAfterDowntime(hourly("h", policy));
    scheduler.runDue();

    assertThat(recording.runsInOrder()).as("the latest fire time is 30 min old").isEmpty();
    assertThat(oldestFirst("h"))
        .hasSize(5)
        .allSatisfy(r -> assertThat(r.error()).contains("older than the catch-up window of"));
  }

  private static TaskDefinition everyTenSeconds(String id, MissedFires.Mode mode) {
    return TaskDefinition.builder(id, "record")
        .schedule(Schedule.every(Duration.ofSeconds(10)))
        .firePolicy(
            FirePolicy.DEFAULT.withMissed(
                new MissedFires(mode, Duration.ofDays(1), 10, Duration.ofSeconds(60))))
        .build();
  }

  /** Every 10 s, the daemon down for 45 s: four fire times pass, each less than 60 s late. */
  private Scheduler restartedAfterShortDowntime(TaskDefinition definition) {
    Scheduler first = synchronous();
    first.add(definition);
    first.close();
    clock.advance(Duration.ofSeconds(45));
    Scheduler second = synchronous();
    for (int i = 0; i < 8; i++) {
      second.runDue();
    }
    return second;
  }

  @Test
  void shortDowntime_theFireTimesOfTheGapAreMissed_notSkippedAsOverlaps() {
    restartedAfterShortDowntime(everyTenSeconds("t", MissedFires.Mode.SKIP));

    assertThat(recording.runsInOrder()).isEmpty();
    List<RunRecord> runs = oldestFirst("t");
    assertThat(runs).extracting(RunRecord::outcome).containsOnly(RunOutcome.MISSED).hasSize(4);
    assertThat(runs)
        .allSatisfy(
            r ->
                assertThat(r.error())
                    .contains("schedulerd was not running at its fire time")
                    .doesNotContain("still running"));
    assertThat(stored("t").state().nextDueAt()).isEqualTo(t0.plusSeconds(50));
  }

  @Test
  void shortDowntime_runAll_runsEveryFireTimeOfTheGap() {
    restartedAfterShortDowntime(everyTenSeconds("t", MissedFires.Mode.RUN_ALL));

    List<RunRecord> runs = oldestFirst("t");
    assertThat(runs)
        .extracting(RunRecord::outcome)
        .containsOnly(RunOutcome.SUCCESS)
        .as("fire times 10, 20, 30 and 40 s after the add")
        .hasSize(4);
    assertThat(runs)
        .extracting(RunRecord::scheduledFor)
        .containsExactly(
            t0.plusSeconds(10), t0.plusSeconds(20), t0.plusSeconds(30), t0.plusSeconds(40));
    assertThat(stored("t").state().nextDueAt()).isEqualTo(t0.plusSeconds(50));
  }

  @Test
  void aNodeStartingWhileAnotherIsUp_runsALateFireTime_insteadOfCallingItMissed() {
    Scheduler first = synchronous(); // up, but does not get to the fire time in time
    first.add(everyTenSeconds("t", MissedFires.Mode.SKIP));
    clock.advance(Duration.ofSeconds(15));
    Scheduler second = synchronous("node-b"); // sees the first one's heartbeat
    second.runDue();
    clock.advance(WorkShares.STEAL_AFTER); // t is the first node's share: left to it that long
    second.runDue();

    assertThat(oldestFirst("t"))
        .extracting(RunRecord::outcome)
        .as("5 s late, with a node up: not missed")
        .containsExactly(RunOutcome.SUCCESS);
  }

  @Test
  void shortDaemonPause_theFireTimesOfThePauseAreMissed() {
    Scheduler scheduler = synchronous();
    scheduler.add(everyTenSeconds("t", MissedFires.Mode.SKIP));
    scheduler.pauseDispatch();
    clock.advance(Duration.ofSeconds(25));
    scheduler.runDue();
    scheduler.resumeDispatch();
    scheduler.runDue();

    assertThat(recording.runsInOrder()).isEmpty();
    assertThat(oldestFirst("t"))
        .extracting(RunRecord::scheduledFor)
        .containsExactly(t0.plusSeconds(10), t0.plusSeconds(20));
    assertThat(oldestFirst("t"))
        .allSatisfy(
            r ->
                assertThat(r.error())
                    .contains("was paused from " + t0)
                    .contains("missed_fire_policy=skip"));
    assertThat(stored("t").state().nextDueAt()).isEqualTo(t0.plusSeconds(30));
  }

  @Test
  void lateByLessThanMissedAfter_isNotMissed() {
    Scheduler scheduler = synchronous();
    scheduler.add(hourly("h", missed(MissedFires.Mode.SKIP)));
    clock.advance(Duration.ofMinutes(60).plusSeconds(59));
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("h");
    assertThat(oldestFirst("h")).extracting(RunRecord::outcome).containsExactly(RunOutcome.SUCCESS);
  }

  @Test
  void resumeAfterAPause_followsTheMissedFirePolicy() {
    Scheduler scheduler = synchronous();
    scheduler.add(hourly("skip", missed(MissedFires.Mode.SKIP)));
    scheduler.add(hourly("once", missed(MissedFires.Mode.RUN_ONCE)));
    scheduler.pause("skip", "test");
    scheduler.pause("once", "test");
    clock.advance(Duration.ofMinutes(150));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).isEmpty();

    scheduler.resume("skip", "test");
    scheduler.resume("once", "test");
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("once");
    assertThat(oldestFirst("skip"))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.MISSED, RunOutcome.MISSED);
    assertThat(oldestFirst("skip").get(0).error()).contains("the task was paused");
    assertThat(stored("skip").state().nextDueAt()).isEqualTo(t0.plusSeconds(10800));
    assertThat(oldestFirst("once"))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.MISSED, RunOutcome.SUCCESS);
  }

  @Test
  void daemonPause_holdsEveryTask_andResumeAppliesTheMissedFirePolicy() {
    Scheduler scheduler = synchronous();
    scheduler.add(hourly("h", missed(MissedFires.Mode.SKIP)));
    scheduler.pauseDispatch();
    scheduler.add(TaskDefinition.builder("now", "record").build()); // due at once
    scheduler.runDue();
    assertThat(recording.runsInOrder()).as("nothing starts while paused").isEmpty();
    assertThat(scheduler.dispatchPausedSince()).contains(t0);

    clock.advance(Duration.ofMinutes(150));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).isEmpty();

    scheduler.resumeDispatch();
    scheduler.runDue();
    assertThat(recording.runsInOrder()).containsExactly("now");
    assertThat(scheduler.dispatchPausedSince()).isEmpty();
    assertThat(oldestFirst("h"))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.MISSED, RunOutcome.MISSED);
    assertThat(oldestFirst("h").get(0).error())
        .contains("dispatch on node " + scheduler.nodeId() + " was paused from " + t0);
    assertThat(stored("h").state().nextDueAt()).isEqualTo(t0.plusSeconds(10800));
  }

  @Test
  void jitter_delaysEachRunByARandomShareOfIt() {
    Scheduler scheduler = synchronous(); // random() is 0.5
    scheduler.add(hourly("j", FirePolicy.DEFAULT.withJitter(Duration.ofMinutes(10))));
    assertThat(stored("j").state().fireTime()).isEqualTo(t0.plusSeconds(3600));
    assertThat(stored("j").state().nextDueAt()).isEqualTo(t0.plusSeconds(3600 + 300));

    clock.advance(Duration.ofSeconds(3600 + 299));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    scheduler.runDue();
    assertThat(recording.runsInOrder()).containsExactly("j");
    assertThat(stored("j").state().fireTime())
        .as("fire times stay on the schedule")
        .isEqualTo(t0.plusSeconds(7200));
    assertThat(stored("j").state().nextDueAt()).isEqualTo(t0.plusSeconds(7200 + 300));
  }

  // ---------------------------------------------------------------- overlap

  private TaskDefinition everyMinuteBlocking(String id, Overlap overlap) {
    return TaskDefinition.builder(id, "block")
        .schedule(Schedule.every(Duration.ofMinutes(1)))
        .firePolicy(FirePolicy.DEFAULT.withOverlap(overlap))
        .timeout(Duration.ofHours(1))
        .build();
  }

  /** Starts the first run at t0 + 1 min and lets 3 more fire times pass while it runs. */
  private void runOutlastingThreeFireTimes(Scheduler scheduler) throws Exception {
    clock.advance(Duration.ofMinutes(1));
    scheduler.runDue();
    await().atMost(Duration.ofSeconds(10)).until(() -> blocking.started.getCount() == 1);
    clock.advance(Duration.ofMinutes(3).plusSeconds(30));
    scheduler.runDue();
    blocking.release.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stored("o").state().status() == TaskStatus.SCHEDULED);
  }

  @Test
  void overlapSkip_recordsTheFireTimesThatCameDuringTheRun() throws Exception {
    Scheduler scheduler = threaded();
    scheduler.add(everyMinuteBlocking("o", Overlap.SKIP));
    runOutlastingThreeFireTimes(scheduler);

    List<RunRecord> runs = oldestFirst("o");
    assertThat(runs)
        .extracting(RunRecord::outcome)
        .containsExactly(
            RunOutcome.SKIPPED, RunOutcome.SKIPPED, RunOutcome.SKIPPED, RunOutcome.SUCCESS);
    assertThat(runs.get(0).error())
        .isEqualTo(
            "skipped: the run for " + t0.plusSeconds(60) + " was still running (overlap=skip)");
    assertThat(stored("o").state().nextDueAt()).isEqualTo(t0.plusSeconds(300));
  }

  @Test
  void overlapQueueOne_runsTheLatestRightAfterAndSkipsTheOthers() throws Exception {
    Scheduler scheduler = threaded();
    scheduler.add(everyMinuteBlocking("o", Overlap.QUEUE_ONE));
    runOutlastingThreeFireTimes(scheduler);

    assertThat(oldestFirst("o"))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SKIPPED, RunOutcome.SKIPPED, RunOutcome.SUCCESS);
    StoredTask task = stored("o");
    assertThat(task.state().fireTime()).isEqualTo(t0.plusSeconds(240));
    assertThat(task.state().nextDueAt()).as("due at once").isEqualTo(clock.instant());
  }

  @Test
  void overlapAllow_runsEachFireTimeAsItsOwnTask_soRunsOverlap() {
    Scheduler scheduler = threaded();
    scheduler.add(everyMinuteBlocking("o", Overlap.ALLOW));
    clock.advance(Duration.ofMinutes(1));
    scheduler.runDue(); // the fire time becomes task o:<t0+1min>
    scheduler.runDue(); // which runs
    await().atMost(Duration.ofSeconds(10)).until(() -> blocking.started.getCount() == 1);

    clock.advance(Duration.ofMinutes(1));
    scheduler.runDue();
    scheduler.runDue();
    await().atMost(Duration.ofSeconds(10)).until(() -> blocking.started.getCount() == 0);

    String first = "o:" + t0.plusSeconds(60);
    String second = "o:" + t0.plusSeconds(120);
    assertThat(stored(first).state().status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(stored(second).state().status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(stored(second).definition().labels()).containsEntry("schedulerd.parent", "o");
    assertThat(stored(second).definition().schedule().recurring()).isFalse();
    assertThat(stored("o").state().nextDueAt()).isEqualTo(t0.plusSeconds(180));

    blocking.release.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                stored(first).state().status() == TaskStatus.COMPLETED
                    && stored(second).state().status() == TaskStatus.COMPLETED);
    assertThat(store.runs(first, 5))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS);
  }

  @Test
  void overlapAllow_spawnsNoRunTaskBeyondMaxTasks() {
    Scheduler scheduler =
        started(
            Scheduler.builder()
                .store(store)
                .executors(ExecutorRegistry.of(blocking))
                .clock(clock)
                .random(() -> 0.5)
                .claimAhead(Duration.ZERO)
                // minutes pass between ticks here: a run started on its own thread after such a
                // jump would find its lease in doubt and not start
                .leaseDuration(Duration.ofMinutes(10))
                .maxQueuedTasks(2)
                .manualTicks());
    scheduler.add(everyMinuteBlocking("o", Overlap.ALLOW));
    for (int minute = 1; minute <= 4; minute++) {
      clock.advance(Duration.ofMinutes(1));
      scheduler.runDue();
      scheduler.runDue();
    }
    // o and one run task fill the limit of 2: later fire times start no task of their own.
    assertThat(store.list())
        .extracting(t -> t.id())
        .containsExactlyInAnyOrder("o", "o:" + t0.plusSeconds(60));
    assertThat(stored("o").state().nextDueAt()).isEqualTo(t0.plusSeconds(300));
    blocking.release.countDown();
  }

  @Test
  void overlapCancelPrevious_interruptsTheRunAtTheNextFireTime() throws Exception {
    Scheduler scheduler = threaded();
    scheduler.add(everyMinuteBlocking("o", Overlap.CANCEL_PREVIOUS));
    clock.advance(Duration.ofMinutes(1));
    scheduler.runDue();
    await().atMost(Duration.ofSeconds(10)).until(() -> blocking.started.getCount() == 1);

    clock.advance(Duration.ofMinutes(1));
    scheduler.runDue(); // the next fire time: the first run is cancelled, the next one starts
    scheduler.runDue();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> blocking.interrupted.getCount() == 1 && blocking.started.getCount() == 0);
    RunRecord cancelled = oldestFirst("o").get(0);
    assertThat(cancelled.outcome()).isEqualTo(RunOutcome.CANCELLED);
    assertThat(cancelled.error())
        .isEqualTo(
            "cancelled: its next fire time "
                + t0.plusSeconds(120)
                + " came while it still ran (overlap=cancel_previous)");
    StoredTask task = stored("o");
    assertThat(task.state().status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(task.state().fireTime()).isEqualTo(t0.plusSeconds(120));
    assertThat(Objects.requireNonNull(task.state().lease())).isNotNull();
  }
}
