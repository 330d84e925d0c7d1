package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.argThat;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/**
 * A finished run is recorded as it ended even when the store is briefly unreachable, and a run its
 * node never reported (abandoned) does not use up an attempt.
 */
final class RunRecordingTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = Mockito.spy(new InMemoryTaskStore());
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private final AtomicBoolean storeDown = new AtomicBoolean();
  private final List<Duration> waits = new ArrayList<>();
  private final List<Runnable> duringWaits = new ArrayList<>();
  private final Scheduler scheduler =
      ManualScheduler.builder(clock, store, recording)
          .nodeId("node-test")
          .claimAhead(SchedulerBuilder.DEFAULT_CLAIM_AHEAD) // as before ManualScheduler
          .leaseDuration(Duration.ofSeconds(10))
          .sleeper(
              wait -> {
                waits.add(wait);
                clock.advance(wait);
                duringWaits.forEach(Runnable::run);
              })
          .build();

  RunRecordingTest() {
    // Only the write of a finished run fails: the run itself starts and ends normally.
    Mockito.doAnswer(
            call -> {
              if (storeDown.get()) {
                throw new StoreException("connection refused: the database is restarting");
              }
              return call.callRealMethod();
            })
        .when(store)
        .write(argThat(write -> write.kind().equals("complete")));
  }

  @AfterEach
  void close() {
    scheduler.close();
  }

  private static TaskDefinition oneAttempt(String id) {
    return TaskDefinition.builder(id, "record").retryPolicy(RetryPolicy.maxAttempts(1)).build();
  }

  @Test
  void aRunEndingWhileTheStoreIsDown_isRecordedAsItEndedOnceTheStoreAnswers() {
    scheduler.start();
    scheduler.add(oneAttempt("once"));
    Mockito.doThrow(new StoreException("connection refused"))
        .doThrow(new StoreException("connection refused"))
        .doCallRealMethod()
        .when(store)
        .write(argThat(write -> write.kind().equals("complete")));

    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("once");
    assertThat(store.find("once").orElseThrow().state().status()).isEqualTo(TaskStatus.COMPLETED);
    assertThat(store.runs("once", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS);
    assertThat(waits).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void aStoreDownPastTheLease_stillRecordsTheRunAsItEnded_notAbandonedAndRunTwice() {
    scheduler.start();
    scheduler.add(oneAttempt("once"));
    storeDown.set(true);
    // The database comes back 25 s later, long after the 10 s lease: no other node took the run
    // over meanwhile (they lost the database too), so its result is still this node's to record.
    Instant back = clock.instant().plusSeconds(25);
    duringWaits.add(() -> storeDown.set(clock.instant().isBefore(back)));

    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("once");
    assertThat(store.runs("once", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS);
    assertThat(store.find("once").orElseThrow().state().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void aStoreDownPastEveryRetry_leavesTheRunToRecovery_whichDoesNotCountTheAttempt() {
    scheduler.start();
    scheduler.add(oneAttempt("once"));
    storeDown.set(true);

    scheduler.runDue();

    assertThat(waits.stream().reduce(Duration.ZERO, Duration::plus))
        .as("bounded: five minutes of retries")
        .isLessThanOrEqualTo(Duration.ofMinutes(5));
    assertThat(store.find("once").orElseThrow().state().status()).isEqualTo(TaskStatus.RUNNING);

    storeDown.set(false);
    clock.advance(Duration.ofSeconds(10));
    scheduler.runDue(); // the lease expired: recorded abandoned, due again at once
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("once", "once");
    assertThat(store.find("once").orElseThrow().state().status())
        .as("with max_retries 1, the abandoned attempt did not use up the only one")
        .isEqualTo(TaskStatus.COMPLETED);
    assertThat(store.runs("once", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS, RunOutcome.ABANDONED);
  }

  @Test
  void theThirdAbandonedRunInARow_countsAsAFailedAttempt() {
    // Of a kind this node lacks, so that only the dead nodes "run" it.
    store.insert(
        TaskDefinition.builder("crasher", "elsewhere")
            .retryPolicy(RetryPolicy.maxAttempts(1))
            .build(),
        TaskState.initial(clock.instant(), clock.instant()));
    scheduler.start();
    for (int i = 1; i <= 3; i++) {
      long version = store.find("crasher").orElseThrow().version();
      Lease dead =
          new Lease("dead-node", "run-" + i, clock.instant(), clock.instant().plusSeconds(30));
      assertThat(store.write(TaskWrite.claim("crasher", version, dead))).isPresent();
      clock.advance(Duration.ofSeconds(30));
      scheduler.runDue(); // recovers the expired lease
    }

    assertThat(recording.runsInOrder()).isEmpty();
    assertThat(store.runs("crasher", 10))
        .extracting(RunRecord::outcome)
        .containsOnly(RunOutcome.ABANDONED)
        .hasSize(3);
    assertThat(store.find("crasher").orElseThrow().state().status())
        .as("its runs keep taking their node down: the third counts, and no attempt is left")
        .isEqualTo(TaskStatus.FAILED);
  }

  @Test
  void whileTheWriteIsRetried_theLeaseIsRenewed_evenPastTheRunsTimeout() {
    scheduler.start();
    scheduler.add(
        TaskDefinition.builder("timed", "record")
            .retryPolicy(RetryPolicy.maxAttempts(1))
            .timeout(Duration.ofSeconds(2))
            .build());
    java.time.Instant storeBackAt = clock.instant().plusSeconds(14); // past the 10 s lease
    storeDown.set(true);
    duringWaits.add(
        () -> {
          if (!clock.instant().isBefore(storeBackAt)) {
            storeDown.set(false);
          }
          scheduler.runDue(); // the ticker's round: renewals are due every 5 s
        });

    scheduler.runDue();

    assertThat(store.runs("timed", 10))
        .extracting(RunRecord::outcome)
        .as("recorded as it ended, 14 s later, its lease renewed meanwhile")
        .containsExactly(RunOutcome.SUCCESS);
    assertThat(store.find("timed").orElseThrow().state().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void aRecurringRunInterruptedByACrash_runsAgain_evenUnderMissedFirePolicySkip() {
    TaskDefinition hourly =
        TaskDefinition.builder("hourly", "record")
            .schedule(dev.schedulerd.api.Schedule.every(Duration.ofHours(1)))
            .firePolicy(
                dev.schedulerd.api.FirePolicy.DEFAULT.withMissed(
                    new dev.schedulerd.api.FirePolicy.MissedFires(
                        dev.schedulerd.api.FirePolicy.MissedFires.Mode.SKIP,
                        Duration.ofDays(1),
                        10,
                        Duration.ofSeconds(60))))
            .build();
    store.insert(hourly, TaskState.initial(clock.instant(), clock.instant()));
    long version = store.find("hourly").orElseThrow().version();
    // This node ran it, then the process was killed; it starts again ten minutes later.
    Lease held =
        new Lease("node-test", "run-0", clock.instant(), clock.instant().plusSeconds(3600));
    assertThat(store.write(TaskWrite.claim("hourly", version, held))).isPresent();
    clock.advance(Duration.ofMinutes(10));

    scheduler.start();
    scheduler.runDue();

    assertThat(recording.runsInOrder()).containsExactly("hourly");
    assertThat(store.runs("hourly", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS, RunOutcome.INTERRUPTED);
  }
}
