package dev.schedulerd.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Leases are measured by the database's clock: nodes whose clocks are off by an hour neither cut
 * each other's leases short nor stretch them.
 */
class PostgresLeaseClockTest {

  /** Blocks each run until released. */
  private static final class Gate implements TaskExecutor {
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String kind() {
      return "gate";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
      started.countDown();
      release.await();
      return ExecutionResult.success();
    }
  }

  @Test
  void nodesWithSkewedClocks_leaseByTheDatabaseClock() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    Gate gate = new Gate();
    Clock hourBehind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
    Clock hourAhead = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
    try (PostgresTaskStore storeA = PostgresTaskStore.open(url);
        PostgresTaskStore storeB = PostgresTaskStore.open(url);
        Scheduler slowClockNode =
            Scheduler.builder()
                .store(storeA)
                .executors(ExecutorRegistry.of(gate))
                .nodeId("behind")
                .clock(hourBehind)
                .leaseDuration(Duration.ofSeconds(30))
                .build();
        Scheduler fastClockNode =
            Scheduler.builder()
                .store(storeB)
                .executors(ExecutorRegistry.of(gate))
                .nodeId("ahead")
                .clock(hourAhead)
                .leaseDuration(Duration.ofSeconds(30))
                .manualTicks()
                .build()) {
      slowClockNode.start();
      slowClockNode.add(TaskDefinition.builder("job", "gate").build());
      assertThat(gate.started.await(30, TimeUnit.SECONDS)).isTrue();
      Instant databaseNow = storeA.sharedClock().orElseThrow().instant();

      // Claimed by a node an hour behind, yet the lease runs 30 s from the database's now.
      Lease lease = Objects.requireNonNull(storeA.find("job").orElseThrow().state().lease());
      assertThat(lease.owner()).isEqualTo("behind");
      assertThat(Duration.between(lease.acquiredAt(), databaseNow).abs())
          .isLessThan(Duration.ofSeconds(10));
      assertThat(lease.expiresAt()).isEqualTo(lease.acquiredAt().plusSeconds(30));

      // A node an hour ahead sweeps for expired leases: by its clock this one expired long ago.
      fastClockNode.start();
      fastClockNode.runDue();
      fastClockNode.runDue();
      StoredTask stillRunning = storeB.find("job").orElseThrow();
      assertThat(stillRunning.state().status()).isEqualTo(TaskStatus.RUNNING);
      assertThat(Objects.requireNonNull(stillRunning.state().lease()).runId())
          .isEqualTo(lease.runId());
      assertThat(storeB.runs("job", 10)).isEmpty();

      // Heartbeats carry the database's time too, so both nodes are listed by either.
      assertThat(fastClockNode.nodes()).extracting(n -> n.nodeId()).contains("ahead", "behind");
      assertThat(slowClockNode.nodes()).extracting(n -> n.nodeId()).contains("ahead", "behind");

      gate.release.countDown();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> storeB.find("job").orElseThrow().state().status() == TaskStatus.COMPLETED);
      assertThat(storeB.runs("job", 10))
          .singleElement()
          .satisfies(
              run -> {
                assertThat(run.outcome()).isEqualTo(RunOutcome.SUCCESS);
                assertThat(run.node()).isEqualTo("behind");
              })
          .extracting(RunRecord::runId)
          .isEqualTo(lease.runId());
    }
  }
}
