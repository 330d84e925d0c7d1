package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that cannot renew a run's lease stops the run before the lease ends, so that no other
 * node's takeover finds it still running: each run on one node at a time.
 */
final class SelfFencingTest {
  private final LeaseFailingStore store = new LeaseFailingStore(new InMemoryTaskStore());
  private final TestExecutors.Blocking blocking = new TestExecutors.Blocking(1, false);
  private final TestExecutors.Blocking fiveBlocking = new TestExecutors.Blocking(5, false);
  private final ManualClock clock = ManualClock.atEpochOf2026();

  /** Runs started while {@link #holdStarts} is set wait here: the node froze as it started them. */
  private final java.util.concurrent.BlockingQueue<Runnable> heldStarts =
      new java.util.concurrent.LinkedBlockingQueue<>();

  private volatile boolean holdStarts;
  private final CountDownLatch failNow = new CountDownLatch(1);
  private final java.util.concurrent.atomic.AtomicInteger failingCalls = new AtomicInteger();

  /** Waits for {@link #failNow}, then fails: a run killed by its watchdog as its lease ran out. */
  private final dev.schedulerd.api.executor.TaskExecutor killedByWatchdog =
      new dev.schedulerd.api.executor.TaskExecutor() {
        @Override
        public String kind() {
          return "killed";
        }

        @Override
        public dev.schedulerd.api.executor.ExecutionResult execute(
            dev.schedulerd.api.executor.ExecutionContext context) throws InterruptedException {
          failingCalls.incrementAndGet();
          if (!failNow.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not released");
          }
          return dev.schedulerd.api.executor.ExecutionResult.failure("killed (exit code 137)");
        }
      };

  private final Scheduler scheduler =
      ManualScheduler.builder(
              clock, store, blocking, new Renamed("block5", fiveBlocking), killedByWatchdog)
          .leaseDuration(Duration.ofSeconds(30))
          .runExecutor(
              r -> {
                if (holdStarts) {
                  heldStarts.add(r);
                } else {
                  Thread.ofVirtual().start(r);
                }
              })
          .build();

  @AfterEach
  void stop() {
    blocking.release.countDown();
    fiveBlocking.release.countDown();
    store.answer.countDown();
    failNow.countDown();
    scheduler.close();
  }

  @Test
  void aRunWhoseLeaseCannotBeRenewed_isStoppedBeforeTheLeaseEnds_thenRunsAgain() throws Exception {
    scheduler.start();
    scheduler.add(TaskDefinition.builder("long", "block").build());
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();
    store.failRenewals = true; // the store unreachable for renewals from here

    clock.advance(Duration.ofSeconds(15)); // the renewal at half the lease fails
    scheduler.runDue();
    clock.advance(Duration.ofSeconds(9)); // 24 s: still inside lease less margin (25 s)
    scheduler.runDue();
    assertThat(blocking.interrupted.getCount()).as("not stopped before its time").isOne();

    clock.advance(Duration.ofSeconds(1)); // 25 s: 5 s before the lease ends
    scheduler.runDue();
    assertThat(blocking.interrupted.await(10, TimeUnit.SECONDS)).as("stopped").isTrue();
    assertThat(store.find("long").orElseThrow().state().status())
        .as("nothing recorded by the stopped run")
        .isEqualTo(TaskStatus.RUNNING);

    store.failRenewals = false;
    clock.advance(Duration.ofSeconds(6)); // 31 s: the lease has ended
    scheduler.runDue();
    List<RunRecord> runs = scheduler.runs("long", 10);
    assertThat(runs).extracting(RunRecord::outcome).containsExactly(RunOutcome.ABANDONED);
  }

  @Test
  void aRenewalTheStoreDoesNotAnswer_stopsTheRunBeforeTheLeaseEnds() throws Exception {
    scheduler.start();
    scheduler.add(TaskDefinition.builder("long", "block").build());
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();
    store.holdRenewals = true; // a partition: the renewal's statement waits, nothing is thrown

    clock.advance(Duration.ofSeconds(15));
    Thread hung = Thread.ofVirtual().start(scheduler::runDue); // the round waits in the store
    assertThat(store.renewalsWaiting.await(10, TimeUnit.SECONDS)).isTrue();
    clock.advance(Duration.ofSeconds(9));
    scheduler.runDue();
    assertThat(blocking.interrupted.getCount()).as("not stopped before its time").isOne();

    clock.advance(Duration.ofSeconds(1)); // 25 s: 5 s before the lease ends, still no answer
    scheduler.runDue();
    assertThat(blocking.interrupted.await(10, TimeUnit.SECONDS)).as("stopped").isTrue();
    assertThat(store.renewalCalls).as("no second round while the first waits").hasValue(1);

    store.answer.countDown();
    hung.join(Duration.ofSeconds(10));
    assertThat(store.find("long").orElseThrow().state().status()).isEqualTo(TaskStatus.RUNNING);
  }

  @Test
  void theLeasesOfManyRuns_areRenewedInOneBatchPerRound() throws Exception {
    scheduler.start();
    for (int i = 0; i < 5; i++) {
      scheduler.add(TaskDefinition.builder("t" + i, "block5").build());
    }
    scheduler.runDue();
    assertThat(fiveBlocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    clock.advance(Duration.ofSeconds(15));
    scheduler.runDue();
    assertThat(store.renewalCalls).as("one batch").hasValue(1);
    assertThat(store.renewalsInLastCall).hasValue(5);
    clock.advance(Duration.ofSeconds(15));
    scheduler.runDue();
    clock.advance(Duration.ofSeconds(15)); // 45 s: past the first lease, renewed twice
    scheduler.runDue();
    assertThat(store.renewalCalls).hasValue(3);
    assertThat(fiveBlocking.interrupted.getCount()).as("none stopped").isEqualTo(5);
    assertThat(store.list())
        .allSatisfy(t -> assertThat(t.state().status()).isEqualTo(TaskStatus.RUNNING));
  }

  @Test
  void aRenewalDueWhileTheNodeWasSuspended_isAskedFirst_andTheRunGoesOn() throws Exception {
    scheduler.start();
    scheduler.add(TaskDefinition.builder("long", "block").build());
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();

    clock.advance(Duration.ofSeconds(27)); // past the fence instant before anyone looked
    scheduler.runDue();
    assertThat(blocking.interrupted.getCount()).as("renewed, not stopped").isOne();
    clock.advance(Duration.ofSeconds(10)); // 37 s: past the first lease, under the renewed one
    scheduler.runDue();
    assertThat(blocking.interrupted.getCount()).isOne();
    assertThat(store.find("long").orElseThrow().state().status()).isEqualTo(TaskStatus.RUNNING);
  }

  @Test
  void aRunClaimedBeforeTheNodeStoodStill_doesNotStartOnceItsLeaseIsInDoubt() throws Exception {
    scheduler.start();
    holdStarts = true;
    scheduler.add(TaskDefinition.builder("late", "block").build());
    scheduler.runDue(); // claimed, its start waits: the node froze here
    Runnable start = heldStarts.poll(10, TimeUnit.SECONDS);
    assertThat(start).isNotNull();

    clock.advance(Duration.ofSeconds(26)); // thawed with 4 s of its lease left, less than 5
    start.run();
    assertThat(blocking.started.getCount()).as("the executor never called").isOne();
    assertThat(scheduler.runs("late", 10)).as("nothing recorded").isEmpty();

    clock.advance(Duration.ofSeconds(5)); // the lease has ended: taken back, run again
    holdStarts = false;
    scheduler.runDue();
    assertThat(scheduler.runs("late", 10))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.ABANDONED);
  }

  @Test
  void aFailureAsTheLeaseRunsOut_isTheFencesNotTheTasks() throws Exception {
    scheduler.start();
    scheduler.add(TaskDefinition.builder("k", "killed").build());
    scheduler.runDue();
    org.awaitility.Awaitility.await().until(() -> failingCalls.get() == 1);
    store.failRenewals = true;
    clock.advance(Duration.ofSeconds(15));
    scheduler.runDue(); // the renewal fails

    clock.advance(Duration.ofMillis(10_250)); // its watchdog strikes before the node looks
    failNow.countDown();
    org.awaitility.Awaitility.await().until(() -> scheduler.status().inFlight() == 0);
    assertThat(scheduler.runs("k", 10)).as("no failure recorded").isEmpty();
    assertThat(store.find("k").orElseThrow().state().status()).isEqualTo(TaskStatus.RUNNING);
  }

  @Test
  void aRenewalAskedLateThatHangs_stopsTheRunByTheLeasesEnd_notAMarginAfter() throws Exception {
    scheduler.start();
    scheduler.add(TaskDefinition.builder("long", "block").build());
    scheduler.runDue();
    assertThat(blocking.started.await(10, TimeUnit.SECONDS)).isTrue();
    store.holdRenewals = true;

    clock.advance(Duration.ofSeconds(27)); // woke past the fence instant; the renewal hangs
    Thread hung = Thread.ofVirtual().start(scheduler::runDue);
    assertThat(store.renewalsWaiting.await(10, TimeUnit.SECONDS)).isTrue();
    clock.advance(Duration.ofSeconds(3)); // 30 s: the lease's end, 2 s short of 27 + 5
    scheduler.runDue();
    assertThat(blocking.interrupted.await(10, TimeUnit.SECONDS)).as("stopped").isTrue();
    store.answer.countDown();
    hung.join(Duration.ofSeconds(10));
  }

  /** An executor under another kind, for a second set of blocking runs. */
  private record Renamed(String kind, dev.schedulerd.api.executor.TaskExecutor delegate)
      implements dev.schedulerd.api.executor.TaskExecutor {
    @Override
    public dev.schedulerd.api.executor.ExecutionResult execute(
        dev.schedulerd.api.executor.ExecutionContext context) throws Exception {
      return delegate.execute(context);
    }
  }

  /** The in-memory store, whose lease renewals fail while {@link #failRenewals} is set. */
  static final class LeaseFailingStore implements TaskStore {
    private final InMemoryTaskStore delegate;
    volatile boolean failRenewals;
    volatile boolean holdRenewals;
    volatile boolean failReads;
    final CountDownLatch renewalsWaiting = new CountDownLatch(1);
    final CountDownLatch answer = new CountDownLatch(1);
    final AtomicInteger renewalCalls = new AtomicInteger();
    final AtomicInteger renewalsInLastCall = new AtomicInteger();

    LeaseFailingStore(InMemoryTaskStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<StoredTask> write(TaskWrite write) {
      if (write.change() instanceof TaskWrite.Change.LeaseRenewed) {
        renewing(1);
      }
      return delegate.write(write);
    }

    @Override
    public List<StoredTask> writeAll(List<TaskWrite> writes) {
      long renewals =
          writes.stream().filter(w -> w.change() instanceof TaskWrite.Change.LeaseRenewed).count();
      if (renewals > 0) {
        renewing((int) renewals);
      }
      return delegate.writeAll(writes);
    }

    private void renewing(int count) {
      renewalCalls.incrementAndGet();
      renewalsInLastCall.set(count);
      if (failRenewals) {
        throw new StoreException("renewal refused by the test");
      }
      if (holdRenewals) {
        renewalsWaiting.countDown();
        try {
          if (!answer.await(10, TimeUnit.SECONDS)) { // bounded: a test never hangs
            throw new StoreException("no answer within 10 s");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new StoreException("the store answered too late");
      }
    }

    @Override
    public List<StoredTask> insertAll(List<StoredTask> tasks) {
      return delegate.insertAll(tasks);
    }

    @Override
    public Optional<StoredTask> find(String taskId) {
      return delegate.find(taskId);
    }

    @Override
    public List<StoredTask> list() {
      return delegate.list();
    }

    @Override
    public boolean delete(String taskId) {
      return delegate.delete(taskId);
    }

    @Override
    public boolean delete(String taskId, long version) {
      return delegate.delete(taskId, version);
    }

    @Override
    public List<StoredTask> findExpiredLeases(Instant now, int limit) {
      return delegate.findExpiredLeases(now, limit);
    }

    @Override
    public List<RunRecord> runs(String taskId, int limit) {
      return delegate.runs(taskId, limit);
    }

    @Override
    public RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor) {
      return delegate.runPage(taskId, limit, cursor);
    }

    @Override
    public ChangeSet changesSince(long cursor, int limit) {
      if (failReads) {
        throw new StoreException("the database is away (the test)");
      }
      return delegate.changesSince(cursor, limit);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
