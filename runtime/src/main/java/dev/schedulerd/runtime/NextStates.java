package dev.schedulerd.runtime;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * What follows for a task: its first state, its state after a run (retry, next fire time, done),
 * and the records of fire times passed over. Pure: no store, no threads, time passed in, so every
 * rule can be tested on its own.
 */
final class NextStates {
  /** The third abandoned run in a row counts as a failed attempt; earlier ones do not. */
  static final int MAX_ABANDONED_IN_A_ROW = 3;

  private final FireTimes fireTimes;
  private final FirePlanner firePlanner;
  private final DoubleSupplier random;
  private final String nodeId;

  /**
   * @param random draws in [0, 1) for retry backoff and jitter
   * @param nodeId the node named in the records of fire times passed over
   */
  NextStates(FireTimes fireTimes, FirePlanner firePlanner, DoubleSupplier random, String nodeId) {
    this.fireTimes = fireTimes;
    this.firePlanner = firePlanner;
    this.random = random;
    this.nodeId = nodeId;
  }

  /** A task's state after a run, and the records of fire times passed over meanwhile. */
  record Next(TaskState state, List<RunRecord> notRun) {
    Next(TaskState state) {
      this(state, List.of());
    }
  }

  /**
   * The task's state after {@code record}: retry, next fire time, or done.
   *
   * @param abandonedInARow how many of the task's latest runs were abandoned (read only for an
   *     abandoned run)
   */
  Next after(
      StoredTask task,
      RunRecord record,
      boolean retryable,
      Instant now,
      IntSupplier abandonedInARow) {
    TaskDefinition definition = task.definition();
    TaskState state = task.state();
    Instant fireTime = state.fireTime() != null ? state.fireTime() : record.scheduledFor();
    switch (record.outcome()) {
      case SUCCESS, CANCELLED -> {
        return afterLastAttempt(task, fireTime, record, now, TaskStatus.COMPLETED);
      }
      case INTERRUPTED -> {
        // Not the task's fault: the attempt does not count, and it is due again at once.
        return new Next(
            state.scheduled(fireTime, record.scheduledFor(), record.attempt() - 1, record, now));
      }
      case ABANDONED -> {
        // Its node died or lost the store, not the task: the attempt does not count, unless its
        // runs keep ending this way (the task may be what brings its node down).
        if (abandonedInARow.getAsInt() + 1 < MAX_ABANDONED_IN_A_ROW) {
          return new Next(
              state.scheduled(fireTime, record.scheduledFor(), record.attempt() - 1, record, now));
        }
        return failedAttempt(task, fireTime, record, retryable, now);
      }
      case FAILED, TIMED_OUT -> {
        return failedAttempt(task, fireTime, record, retryable, now);
      }
      case MISSED, SKIPPED ->
          throw new IllegalArgumentException("a " + record.outcome() + " fire time did not run");
    }
    throw new AssertionError(record.outcome());
  }

  /** A failed attempt: retried after its backoff while attempts are left. */
  private Next failedAttempt(
      StoredTask task, Instant fireTime, RunRecord record, boolean retryable, Instant now) {
    RetryPolicy retries = task.definition().retryPolicy();
    if (retryable && record.attempt() < retries.maxAttempts()) {
      Duration delay = retries.delayAfter(record.attempt(), random.getAsDouble());
      return new Next(task.state().retryWait(now.plus(delay), record, now));
    }
    return afterLastAttempt(task, fireTime, record, now, TaskStatus.FAILED);
  }

  /**
   * A recurring task moves to its next fire time, passing over those that came while the run ran by
   * its overlap policy (or going on with a run_all catch-up); a one-shot task ends in {@code
   * terminal}.
   */
  private Next afterLastAttempt(
      StoredTask task, Instant fireTime, RunRecord record, Instant now, TaskStatus terminal) {
    TaskDefinition definition = task.definition();
    TaskState state = task.state();
    if (!definition.schedule().recurring()) {
      return new Next(state.finished(terminal, record, now));
    }
    // Under run_all a run is one of several catch-ups when its next fire time had passed before
    // it started: that one was missed too and runs next. Otherwise fire times that came while it
    // ran follow the overlap policy.
    boolean catchingUp =
        definition.firePolicy().missed().mode() == FirePolicy.MissedFires.Mode.RUN_ALL
            && fireTimes
                .next(definition.schedule(), fireTime)
                .filter(following -> !following.isAfter(record.startedAt()))
                .isPresent();
    FirePlanner.Plan plan =
        catchingUp
            ? firePlanner.nextCatchUp(definition, fireTime, now)
            : firePlanner.overlapped(definition, fireTime, now);
    List<RunRecord> notRun = notRunRecords(task, plan, now);
    if (plan.next().isEmpty()) {
      return new Next(state.finished(TaskStatus.COMPLETED, record, now), notRun);
    }
    Instant next = plan.next().get();
    return new Next(state.scheduled(next, dueOf(definition, plan, now), 0, record, now), notRun);
  }

  List<RunRecord> notRunRecords(StoredTask task, FirePlanner.Plan plan, Instant now) {
    List<RunRecord> records = new ArrayList<>(plan.notRun().size());
    for (FirePlanner.NotRun n : plan.notRun()) {
      Instant at = now.isBefore(n.fireTime()) ? n.fireTime() : now;
      records.add(
          new RunRecord(
              n.outcome().wireName() + "-" + UUID.randomUUID(),
              task.id(),
              0,
              n.fireTime(),
              at,
              at,
              n.outcome(),
              null,
              n.reason(),
              nodeId));
    }
    return records;
  }

  /** When a plan's next fire time is due: now for a catch-up or queued run, else with jitter. */
  Instant dueOf(TaskDefinition definition, FirePlanner.Plan plan, Instant now) {
    Instant next = plan.next().orElseThrow();
    if (plan.dueNow()) {
      return next.isAfter(now) ? next : now;
    }
    return jittered(definition, next);
  }

  /** {@code fire} plus a random share of the task's jitter. */
  Instant jittered(TaskDefinition definition, Instant fire) {
    Duration jitter = definition.firePolicy().jitter();
    if (jitter.isZero()) {
      return fire;
    }
    return fire.plusNanos((long) (jitter.toNanos() * random.getAsDouble()));
  }

  /** A new task's first state: waiting for its dependencies, or due at its first fire time. */
  TaskState initial(TaskDefinition definition, Instant now) {
    if (!definition.dependencies().isEmpty()) {
      return TaskState.waiting(now);
    }
    Instant firstFire = fireTimes.first(definition.schedule(), now);
    TaskState initial = TaskState.initial(firstFire, now);
    if (definition.schedule().recurring()) {
      initial = initial.rescheduled(firstFire, jittered(definition, firstFire), now);
    }
    return initial;
  }
}
