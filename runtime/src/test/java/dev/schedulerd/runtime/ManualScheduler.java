package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A started scheduler on a manual clock with no threads of its own: a test moves time and calls
 * {@link #runUntilIdle()}, and every run happens on the test's thread. Replaces the builder chain
 * each scheduler test used to copy (store, executors, clock, no jitter, runs on the caller, no
 * claim-ahead, manual ticks).
 *
 * <pre>{@code
 * try (ManualScheduler manual = ManualScheduler.of(recording)) {
 *   manual.scheduler().add(TaskDefinition.builder("t", "record").build());
 *   manual.runUntilIdle();
 *   manual.task("t").hasStatus(TaskStatus.COMPLETED).ranWith(RunOutcome.SUCCESS);
 * }
 * }</pre>
 */
public final class ManualScheduler implements AutoCloseable {
  /** Rounds after which {@link #runUntilIdle} gives up: something keeps changing the store. */
  private static final int MAX_ROUNDS = 100;

  private final ManualClock clock;
  private final TaskStore store;
  private final Scheduler scheduler;

  private ManualScheduler(ManualClock clock, TaskStore store, Scheduler scheduler) {
    this.clock = clock;
    this.store = store;
    this.scheduler = scheduler;
  }

  /** With {@code executors}, a new in-memory store and the clock at the start of 2026. */
  public static ManualScheduler of(TaskExecutor... executors) {
    return with(new InMemoryTaskStore(), UnaryOperator.identity(), executors);
  }

  /**
   * With {@code executors} on {@code store}, the builder then changed by {@code customize} (a node
   * id, limits, a sleeper). The store stays the caller's.
   */
  public static ManualScheduler with(
      TaskStore store, UnaryOperator<SchedulerBuilder> customize, TaskExecutor... executors) {
    return with(ManualClock.atEpochOf2026(), store, customize, executors);
  }

  /** As {@link #with(TaskStore, UnaryOperator, TaskExecutor...)}, on a clock of the caller's. */
  public static ManualScheduler with(
      ManualClock clock,
      TaskStore store,
      UnaryOperator<SchedulerBuilder> customize,
      TaskExecutor... executors) {
    Scheduler scheduler = customize.apply(builder(clock, store, executors)).build();
    scheduler.start();
    return new ManualScheduler(clock, store, scheduler);
  }

  /**
   * The setup every manual-clock test starts from, not yet built: {@code store}, {@code executors},
   * {@code clock}, no jitter, runs on the caller's thread, no claim-ahead, no ticker thread. For
   * tests that need the scheduler before {@link Scheduler#start()} or beside others.
   */
  public static SchedulerBuilder builder(
      ManualClock clock, TaskStore store, TaskExecutor... executors) {
    return Scheduler.builder()
        .store(store)
        .executors(ExecutorRegistry.of(executors))
        .clock(clock)
        .random(() -> 0.0)
        .runExecutor(Runnable::run)
        .claimAhead(Duration.ZERO)
        .manualTicks();
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  public ManualClock clock() {
    return clock;
  }

  public TaskStore store() {
    return store;
  }

  /** Moves the clock by {@code step}, then runs until idle. */
  public void advance(Duration step) {
    clock.advance(step);
    runUntilIdle();
  }

  /**
   * Runs the scheduler's rounds until one changes nothing in the store: the due runs ran, what they
   * made due (retries due now, released dependents) ran too, the clock unmoved.
   *
   * @throws AssertionError when the store still changes after {@value #MAX_ROUNDS} rounds
   */
  public void runUntilIdle() {
    long cursor = store.changesSince(0).cursor(); // the latest change (test stores are small)
    for (int round = 0; round < MAX_ROUNDS; round++) {
      scheduler.runDue();
      long now = store.changesSince(cursor).cursor();
      if (now == cursor) {
        return;
      }
      cursor = now;
    }
    throw new AssertionError("the scheduler still changes tasks after " + MAX_ROUNDS + " rounds");
  }

  /** Assertions on the stored task {@code taskId}. */
  public TaskAssert task(String taskId) {
    return new TaskAssert(taskId);
  }

  @Override
  public void close() {
    scheduler.close();
  }

  /** Fluent assertions on one stored task, read afresh by each. */
  public final class TaskAssert {
    private final String taskId;

    private TaskAssert(String taskId) {
      this.taskId = taskId;
    }

    private StoredTask stored() {
      return store
          .find(taskId)
          .orElseThrow(() -> new AssertionError("no stored task '" + taskId + "'"));
    }

    public TaskAssert hasStatus(TaskStatus status) {
      assertThat(stored().state().status()).as("status of " + taskId).isEqualTo(status);
      return this;
    }

    public TaskAssert isDueAt(Instant due) {
      assertThat(stored().state().nextDueAt()).as("next due of " + taskId).isEqualTo(due);
      return this;
    }

    /** Its run records, newest first, had these outcomes. */
    public TaskAssert ranWith(RunOutcome... newestFirst) {
      List<RunOutcome> outcomes =
          store.runs(taskId, 1_000).stream().map(RunRecord::outcome).toList();
      assertThat(outcomes).as("runs of " + taskId + ", newest first").containsExactly(newestFirst);
      return this;
    }

    public TaskAssert doesNotExist() {
      assertThat(store.find(taskId)).as("task " + taskId).isEmpty();
      return this;
    }
  }
}
