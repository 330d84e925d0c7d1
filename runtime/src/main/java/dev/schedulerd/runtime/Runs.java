package dev.schedulerd.runtime;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.EnvReferenceException;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.RunSecrets;
import dev.schedulerd.api.executor.SecretMask;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs claimed tasks: starts each on its own thread, guards the executor (a plug-in must not take
 * the scheduler down), masks what it reports, and records how it ended, writing again while the
 * store is unreachable. A run leaves the in-flight map and frees its queue slot once, here.
 */
final class Runs {
  private static final Logger log = LoggerFactory.getLogger(Runs.class);

  private final TaskStore store;
  private final RunCompletions completions;
  private final InstantSource clock;
  private final String nodeId;
  private final NextStates nextStates;
  private final TaskFeed feed;
  private final SchedulerEvents events;
  private final DispatchQueue queue;
  private final ConcurrentHashMap<String, InFlight> inFlight;
  private final Executor runExecutor;
  private final Function<String, EnvPolicy> envPolicies;
  private final Map<String, String> environment;
  private final SecretMask secretMask;
  private final Sleeper sleeper;
  private final Duration defaultTimeout;
  private final LeaseRecovery recovery;
  private final AtomicLong started = new AtomicLong();

  /**
   * @param inFlight the runs this node holds, by run id: a run leaves it here when it ends
   * @param envPolicies the variables each executor kind may reference
   * @param sleeper waits between writes to an unreachable store
   * @param recovery how many of a task's runs in a row were abandoned
   */
  Runs(
      TaskStore store,
      InstantSource clock,
      String nodeId,
      NextStates nextStates,
      TaskFeed feed,
      SchedulerEvents events,
      DispatchQueue queue,
      ConcurrentHashMap<String, InFlight> inFlight,
      Executor runExecutor,
      Function<String, EnvPolicy> envPolicies,
      Map<String, String> environment,
      SecretMask secretMask,
      Sleeper sleeper,
      Duration defaultTimeout,
      LeaseRecovery recovery) {
    this.store = store;
    this.completions = new RunCompletions(store);
    this.clock = clock;
    this.nodeId = nodeId;
    this.nextStates = nextStates;
    this.feed = feed;
    this.events = events;
    this.queue = queue;
    this.inFlight = inFlight;
    this.runExecutor = runExecutor;
    this.envPolicies = envPolicies;
    this.environment = environment;
    this.secretMask = secretMask;
    this.sleeper = sleeper;
    this.defaultTimeout = defaultTimeout;
    this.recovery = recovery;
  }

  /** The run leaves this node: off the in-flight map, its queue slot free. Once per run. */
  void drop(InFlight run) {
    if (inFlight.remove(run.runId) != null) {
      queue.release(run.executorKind(), run.resources());
    }
  }

  /**
   * Stops a run whose lease could not be renewed in time, before another node may take it over, and
   * records nothing: the task runs again once the lease has ended. Only by who settled it.
   */
  void fence(InFlight run) {
    log.error(
        "Run {} of task {}: its lease could not be renewed (the store {}) and ends at {};"
            + " stopping it now, before another node may take it over, and recording"
            + " nothing (the task runs again once the lease has ended)",
        run.runId,
        run.taskId(),
        run.renewalFailing ? "failed" : "did not answer in time",
        run.leaseUntil);
    run.cancel();
    drop(run);
  }

  /** Runs started since the count was last reset (at start). */
  long started() {
    return started.get();
  }

  void resetCount() {
    started.set(0);
  }

  /** A finished run's record is written again after these waits while the store is unreachable. */
  private static final Duration FIRST_RECORD_RETRY = Duration.ofMillis(100);

  private static final Duration MAX_RECORD_RETRY = Duration.ofSeconds(2);

  /** How long a finished run's record is written again at most: a database restart, not more. */
  private static final Duration MAX_RECORD_RETRYING = Duration.ofMinutes(5);

  /** Starts a claimed run now, on its own thread; it must end by its timeout. */
  void begin(InFlight run, Instant now) {
    Duration timeout = run.claimed.definition().timeout();
    run.begin(now, now.plus(timeout != null ? timeout : defaultTimeout));
    started.incrementAndGet();
    Duration lateness = Duration.between(run.scheduledFor, now);
    StoredTask task = run.claimed;
    events.runStarted(task, run.runId, lateness);
    try {
      runExecutor.execute(() -> execute(run));
    } catch (RejectedExecutionException e) {
      if (run.settle()) {
        finish(run, RunOutcome.INTERRUPTED, null, "could not start the run: " + e, true);
      }
    }
  }

  /** Executes one run; called on its own virtual thread. */
  private void execute(InFlight run) {
    run.bindThread(Thread.currentThread());
    if (run.leaseInDoubt(clock.instant())) {
      // Claimed, then this node stood still (paused, frozen) until its lease was nearly over:
      // another node may take the run over any moment, so it does not start here.
      if (run.settle()) {
        fence(run);
      }
      return;
    }
    ExecutionResult result;
    try {
      result =
          run.executor.execute(
              new RunContext(run, envPolicies.apply(run.executorKind()), environment, secretMask));
      if (result == null) {
        result = ExecutionResult.failure("the executor returned no result");
      }
    } catch (InterruptedException e) {
      result = ExecutionResult.failure("interrupted");
    } catch (EnvReferenceException e) {
      result = ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
    } catch (Throwable e) { // a plug-in must not take the scheduler down
      result =
          ExecutionResult.failure(
              "executor '"
                  + run.executorKind()
                  + "' threw "
                  + e.getClass().getName()
                  + ": "
                  + e.getMessage());
      if (e instanceof Error && !(e instanceof LinkageError) && !(e instanceof AssertionError)) {
        if (!secretMask.isEmpty()) { // its messages may hold a value: log them masked, no trace
          log.error(
              "Executor {} threw an Error in run {}: {}",
              run.executorKind(),
              run.runId,
              secretMask.mask(RunSecrets.describe(e)));
        } else {
          log.error("Executor {} threw an Error in run {}", run.executorKind(), run.runId, e);
        }
      }
    }
    // Every value tasks may use, hidden: this run's, and those another run may have sent
    // somewhere this one read them back from.
    result = secretMask.mask(result);
    if (result instanceof ExecutionResult.Failure && run.leaseInDoubt(clock.instant())) {
      // Failed as its lease came in doubt: likely stopped by its own watchdog as the node would
      // have been; the failure is the fence's, not the task's.
      if (run.settle()) {
        fence(run);
      }
      return;
    }
    if (!run.settle()) {
      return; // timed out, stopped or removed meanwhile: the result is not ours to record
    }
    Thread.interrupted();
    switch (result) {
      case ExecutionResult.Success success ->
          finish(run, RunOutcome.SUCCESS, success.output(), null, false);
      case ExecutionResult.Failure failure ->
          finish(run, RunOutcome.FAILED, null, failure.error(), failure.retryable());
    }
  }

  /** Records how a run ended and queues what follows. Called once per run, by who settled it. */
  void finish(
      InFlight run,
      RunOutcome outcome,
      @Nullable String result,
      @Nullable String error,
      boolean retryable) {
    Instant now = clock.instant();
    RunRecord record =
        new RunRecord(
            run.runId,
            run.taskId(),
            run.claimed.state().attempt(),
            run.recordedFor(),
            run.startedAt,
            now.isBefore(run.startedAt) ? run.startedAt : now,
            outcome,
            truncate(result),
            truncate(error),
            nodeId);
    try {
      Optional<Recorded> recorded = recordFinished(run, record, retryable);
      if (recorded.isPresent()) {
        StoredTask stored = recorded.get().task();
        feed.offer(stored);
        events.notRun(stored, recorded.get().notRun());
        events.runFinished(stored, record);
      } else {
        log.warn(
            "Run {} of task {} ended ({}) after its lease was lost; its result is dropped",
            run.runId,
            run.taskId(),
            outcome);
      }
    } catch (RuntimeException e) {
      log.error(
          "Could not record run {} of task {} ({}) in {}; it will be recovered as abandoned and"
              + " run again",
          run.runId,
          run.taskId(),
          outcome,
          MAX_RECORD_RETRYING,
          e);
    } finally {
      drop(run);
    }
  }

  /**
   * Writes a finished run, trying again with growing waits while the store is unreachable (the
   * ticker keeps renewing its lease meanwhile), for up to {@link #MAX_RECORD_RETRYING}: a run that
   * ended while the database restarted or was away is still recorded as it ended, not later as
   * abandoned and run twice.
   *
   * @return the task as written; empty when the lease was lost (another node took the run over)
   * @throws RuntimeException the store's last error, once the time to retry ran out
   */
  private Optional<Recorded> recordFinished(InFlight run, RunRecord record, boolean retryable) {
    Duration wait = FIRST_RECORD_RETRY;
    // However long renewals keep the lease: a store that answers renewals but refuses this write
    // for good (a bug, a constraint) must not hold the run's slot forever.
    Instant giveUpAt = clock.instant().plus(MAX_RECORD_RETRYING);
    while (true) {
      try {
        // First as claimed, written only if nothing wrote the task since this node did (one
        // write, batched with other runs that ended); a client that changed it while it ran
        // made that fail: then read it, so that what follows the run follows the change.
        long lastWritten = run.version;
        NextStates.Next next = next(run.claimed, run, record, retryable);
        Optional<StoredTask> written =
            completions.write(
                TaskWrite.completeAsLastWritten(
                    run.taskId(), run.runId, lastWritten, next.state(), record, next.notRun()));
        if (written.isEmpty()) {
          Optional<StoredTask> current = store.find(run.taskId());
          if (current.isEmpty()) {
            return Optional.empty(); // removed while it ran
          }
          next =
              next(
                  new StoredTask(current.get().definition(), run.claimed.state()),
                  run,
                  record,
                  retryable);
          written =
              store.write(
                  TaskWrite.complete(run.taskId(), run.runId, next.state(), record, next.notRun()));
        }
        NextStates.Next recorded = next;
        return written.map(task -> new Recorded(task, recorded.notRun()));
      } catch (RuntimeException e) {
        // Past the lease too: the write is fenced by it (it fails if another node took the run
        // over), and nodes that lost the store with this one leave its lease to it for a while.
        if (!clock.instant().plus(wait).isBefore(giveUpAt)) {
          throw e;
        }
        // Said once per run; while the database is away every finished run retries for minutes.
        log.atLevel(wait.equals(FIRST_RECORD_RETRY) ? Level.WARN : Level.DEBUG)
            .log(
                "Could not record run {} of task {} yet; trying again with growing waits up to"
                    + " {} s, for up to {} min: {}",
                run.runId,
                run.taskId(),
                MAX_RECORD_RETRY.toSeconds(),
                MAX_RECORD_RETRYING.toMinutes(),
                String.valueOf(e.getMessage()));
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        wait =
            wait.multipliedBy(2).compareTo(MAX_RECORD_RETRY) > 0
                ? MAX_RECORD_RETRY
                : wait.multipliedBy(2);
      }
    }
  }

  /** What follows {@code run} of {@code task} (its definition, the state it was claimed in). */
  private NextStates.Next next(StoredTask task, InFlight run, RunRecord record, boolean retryable) {
    StoredTask claimed = new StoredTask(task.definition(), run.claimed.state());
    return nextStates.after(
        claimed, record, retryable, clock.instant(), () -> recovery.abandonedInARow(claimed));
  }

  /** A finished run's task as written, and the fire times recorded as not run with it. */
  private record Recorded(StoredTask task, List<RunRecord> notRun) {}

  private static @Nullable String truncate(@Nullable String text) {
    if (text == null || text.length() <= Scheduler.MAX_TEXT) {
      return text;
    }
    int dropped = text.length() - Scheduler.MAX_TEXT;
    return "[" + dropped + " characters dropped] " + text.substring(dropped);
  }

  /** Waits {@code wait} on a condition nobody signals: a bounded, interruptible pause. */
  static void awaitRetry(Duration wait) throws InterruptedException {
    ReentrantLock lock = new ReentrantLock();
    Condition never = lock.newCondition();
    lock.lock();
    try {
      long nanos = wait.toNanos();
      while (nanos > 0) {
        nanos = never.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }
}
