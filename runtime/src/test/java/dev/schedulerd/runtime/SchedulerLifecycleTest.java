package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Timeouts and stopping with runs in flight. Runs execute on real virtual threads (they block), but
 * time is still the manual clock's: the tests wait only for threads to meet, never for time.
 */
final class SchedulerLifecycleTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private @org.jspecify.annotations.Nullable Scheduler scheduler;

  private Scheduler build(TestExecutors.Blocking blocking, Duration stopGrace) {
    return Scheduler.builder()
        .store(store)
        .executors(ExecutorRegistry.of(blocking, new TestExecutors.Recording()))
        .clock(clock)
        .nodeId("node-test")
        .random(() -> 0.0)
        .stopGrace(stopGrace)
        .manualTicks()
        .build();
  }

  @AfterEach
  void close() {
    Scheduler current = scheduler;
    if (current != null) {
      current.close();
    }
  }

  private StoredTask stored(String id) {
    return store.find(id).orElseThrow();
  }

  private static TaskDefinition blockingTask(String id, Duration timeout, RetryPolicy retry) {
    return TaskDefinition.builder(id, "block").timeout(timeout).retryPolicy(retry).build();
  }

  @Test
  void timeout_runPastItsDeadline_isInterruptedAndRecordedTimedOut() throws Exception {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
    Scheduler scheduler = this.scheduler = build(blocking, Duration.ofSeconds(2));
    scheduler.start();
    scheduler.add(blockingTask("slow", Duration.ofSeconds(5), RetryPolicy.NONE));
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    clock.advance(Duration.ofMillis(4_999));
    scheduler.runDue();
    assertThat(stored("slow").state().status()).isEqualTo(TaskStatus.RUNNING);

    clock.advance(Duration.ofMillis(1));
    scheduler.runDue();

    assertThat(blocking.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    RunRecord run = scheduler.runs("slow", 1).get(0);
    assertThat(run.outcome()).isEqualTo(RunOutcome.TIMED_OUT);
    assertThat(run.error()).contains("timeout of PT5S");
    assertThat(stored("slow").state().status()).isEqualTo(TaskStatus.FAILED);
    assertThat(scheduler.status().inFlight()).isZero();
  }

  @Test
  void timeout_withRetriesLeft_isRetried() throws Exception {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
    Scheduler scheduler = this.scheduler = build(blocking, Duration.ofSeconds(2));
    scheduler.start();
    scheduler.add(blockingTask("slow", Duration.ofSeconds(5), RetryPolicy.maxAttempts(2)));
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    clock.advance(Duration.ofSeconds(5));
    scheduler.runDue();

    assertThat(stored("slow").state().status()).isEqualTo(TaskStatus.RETRY_WAIT);
  }

  @Test
  void timeout_executorIgnoringInterrupts_doesNotBlockTheScheduler() throws Exception {
    TestExecutors.Blocking stubborn = new TestExecutors.Blocking(1, true);
    Scheduler scheduler = this.scheduler = build(stubborn, Duration.ofSeconds(2));
    scheduler.start();
    scheduler.add(blockingTask("stubborn", Duration.ofSeconds(1), RetryPolicy.NONE));
    scheduler.runDue();
    assertThat(stubborn.started.await(10, TimeUnit.SECONDS)).isTrue();

    clock.advance(Duration.ofSeconds(1));
    scheduler.runDue();
    scheduler.add(TaskDefinition.builder("next", "record").build());
    scheduler.runDue();

    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> stored("next").state().status() == TaskStatus.COMPLETED);
    assertThat(scheduler.runs("stubborn", 1).get(0).outcome()).isEqualTo(RunOutcome.TIMED_OUT);
    stubborn.release.countDown();
  }

  @Test
  void stop_runFinishingWithinGrace_isRecordedAsSuccess() throws Exception {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
    Scheduler scheduler = this.scheduler = build(blocking, Duration.ofSeconds(30));
    scheduler.start();
    scheduler.add(blockingTask("graceful", Duration.ofMinutes(1), RetryPolicy.NONE));
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    Thread stopper = Thread.ofVirtual().start(scheduler::stop);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> scheduler.lifecycle() == Scheduler.Lifecycle.STOPPING);
    blocking.release.countDown();
    stopper.join(TimeUnit.SECONDS.toMillis(10));

    assertThat(scheduler.lifecycle()).isEqualTo(Scheduler.Lifecycle.STOPPED);
    assertThat(scheduler.runs("graceful", 1).get(0).outcome()).isEqualTo(RunOutcome.SUCCESS);
    assertThat(stored("graceful").state().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void stop_runOutlastingGrace_isInterruptedAndRunsAgainAfterStart() throws Exception {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
    Scheduler scheduler = this.scheduler = build(blocking, Duration.ofMillis(50));
    scheduler.start();
    scheduler.add(blockingTask("long", Duration.ofMinutes(1), RetryPolicy.NONE));
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    scheduler.stop();

    assertThat(blocking.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    RunRecord interrupted = scheduler.runs("long", 1).get(0);
    assertThat(interrupted.outcome()).isEqualTo(RunOutcome.INTERRUPTED);
    assertThat(stored("long").state().status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(stored("long").state().attempt()).isZero();

    blocking.release.countDown();
    scheduler.start();
    scheduler.runDue();

    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> stored("long").state().status() == TaskStatus.COMPLETED);
    RunRecord rerun = scheduler.runs("long", 1).get(0);
    assertThat(rerun.outcome()).isEqualTo(RunOutcome.SUCCESS);
    assertThat(rerun.attempt()).as("an interrupted run does not use up an attempt").isEqualTo(1);
  }

  @Test
  void remove_runningTask_interruptsItWithoutRecording() throws Exception {
    TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
    Scheduler scheduler = this.scheduler = build(blocking, Duration.ofSeconds(2));
    scheduler.start();
    scheduler.add(blockingTask("cancel-me", Duration.ofMinutes(1), RetryPolicy.NONE));
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(scheduler.remove("cancel-me", "test")).isTrue();

    assertThat(blocking.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(store.find("cancel-me")).isEmpty();
    assertThat(scheduler.status().inFlight()).isZero();
  }

  @Test
  void start_whileTheStoreLoads_isStarting_andTasksCanBeAdded() throws Exception {
    java.util.concurrent.CountDownLatch loading = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    dev.schedulerd.api.store.TaskStore slow = org.mockito.Mockito.spy(store);
    org.mockito.Mockito.doAnswer(
            call -> {
              loading.countDown();
              assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
              return call.callRealMethod();
            })
        .when(slow)
        .changesSince(org.mockito.ArgumentMatchers.eq(0L), org.mockito.ArgumentMatchers.anyInt());
    Scheduler scheduler =
        this.scheduler =
            Scheduler.builder()
                .store(slow)
                .executors(ExecutorRegistry.of(new TestExecutors.Recording()))
                .clock(clock)
                .manualTicks()
                .build();
    Thread starter = Thread.ofVirtual().start(scheduler::start);
    assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(scheduler.lifecycle()).isEqualTo(Scheduler.Lifecycle.STARTING);
    assertThat(scheduler.status().running()).isFalse();
    scheduler.add(TaskDefinition.builder("early", "record").build()); // a client does not wait

    release.countDown();
    starter.join(10_000);
    assertThat(scheduler.lifecycle()).isEqualTo(Scheduler.Lifecycle.RUNNING);
    assertThat(scheduler.status().queued()).isEqualTo(1);
  }

  @Test
  void start_whenTheStoreFails_leavesTheSchedulerAsItWas() {
    dev.schedulerd.api.store.TaskStore failing = org.mockito.Mockito.spy(store);
    org.mockito.Mockito.doThrow(new dev.schedulerd.api.store.StoreException("disk gone"))
        .when(failing)
        .changesSince(org.mockito.ArgumentMatchers.eq(0L), org.mockito.ArgumentMatchers.anyInt());
    Scheduler scheduler =
        this.scheduler =
            Scheduler.builder()
                .store(failing)
                .executors(ExecutorRegistry.of(new TestExecutors.Recording()))
                .clock(clock)
                .manualTicks()
                .build();

    org.assertj.core.api.Assertions.assertThatThrownBy(scheduler::start)
        .hasMessageContaining("disk gone");
    assertThat(scheduler.lifecycle()).isEqualTo(Scheduler.Lifecycle.NEW);
  }
}
