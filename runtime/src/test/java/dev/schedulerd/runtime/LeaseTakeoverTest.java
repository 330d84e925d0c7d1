package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that lost the store leaves other nodes' leases that expired meanwhile to them for a lease
 * after it answers again (they may hold results they could not record yet); a lease that expired
 * before the store was lost is taken over as usual.
 */
final class LeaseTakeoverTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore shared = new InMemoryTaskStore();
  private final SelfFencingTest.LeaseFailingStore storeOfB =
      new SelfFencingTest.LeaseFailingStore(shared);
  private final TestExecutors.Blocking onA = new TestExecutors.Blocking(1, false);
  private final TestExecutors.Blocking onB = new TestExecutors.Blocking(1, false);
  private final Scheduler a =
      ManualScheduler.builder(clock, shared, onA)
          .nodeId("a")
          .leaseDuration(Duration.ofSeconds(30))
          .runExecutor(r -> Thread.ofVirtual().start(r))
          .build();
  private final Scheduler b =
      ManualScheduler.builder(clock, storeOfB, onB)
          .nodeId("b")
          .leaseDuration(Duration.ofSeconds(30))
          .runExecutor(r -> Thread.ofVirtual().start(r))
          .build();

  @AfterEach
  void stop() {
    onA.release.countDown();
    onB.release.countDown();
    a.close();
    b.close();
  }

  /** Node a claims and starts the task, then stands still (nothing of it is called again). */
  private void aRunsTheTaskThenStandsStill() throws InterruptedException {
    a.start();
    b.start();
    a.add(TaskDefinition.builder("job", "block").build());
    a.runDue();
    assertThat(onA.started.await(10, TimeUnit.SECONDS)).isTrue();
  }

  private void bLosesTheStoreFor(Duration outage) {
    storeOfB.failReads = true;
    assertThatThrownBy(b::runDue).isInstanceOf(StoreException.class);
    clock.advance(outage);
    storeOfB.failReads = false;
  }

  @Test
  void aLeaseThatExpiredWhileTheStoreWasAway_isLeftToItsNodeForALease() throws Exception {
    aRunsTheTaskThenStandsStill();
    clock.advance(Duration.ofSeconds(20));
    bLosesTheStoreFor(Duration.ofSeconds(15)); // 20 s … 35 s; a's lease ended at 30 s
    b.runDue();
    clock.advance(Duration.ofSeconds(19)); // 54 s: within 20 + 30 + 5
    b.runDue();
    assertThat(shared.find("job").orElseThrow().state().status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(shared.runs("job", 10)).isEmpty();

    clock.advance(Duration.ofSeconds(2)); // 56 s: a had a lease's time to come back
    b.runDue();
    assertThat(shared.runs("job", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.ABANDONED);
  }

  @Test
  void aLeaseThatExpiredBeforeTheStoreWasLost_isTakenOverAsUsual() throws Exception {
    aRunsTheTaskThenStandsStill();
    clock.advance(Duration.ofSeconds(70)); // a's lease ended at 30 s, long before
    bLosesTheStoreFor(Duration.ofSeconds(2));
    b.runDue();
    assertThat(shared.runs("job", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.ABANDONED);
  }
}
