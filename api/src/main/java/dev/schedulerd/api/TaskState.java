package dev.schedulerd.api;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The mutable side of a task, as an immutable value: each change makes a new state through one of
 * the transition methods, which check {@link TaskStatus#allowedNext()}. Stores assign {@code
 * version}: it grows by one with every write, so a writer can detect that someone else wrote in
 * between.
 *
 * @param attempt the attempt number of the current or last run for the current fire time (0 before
 *     the first run)
 * @param fireTime the fire time the current attempts belong to; retries keep it, so a recurring
 *     task's next fire time is computed from it and not from when a run happened to end
 * @param nextDueAt when the task is next due; set exactly when the status is queued
 * @param lease the claim of the node running it; set exactly when the status is RUNNING
 * @param lastRun the last finished run, if any
 */
public record TaskState(
    TaskStatus status,
    int attempt,
    @Nullable Instant fireTime,
    @Nullable Instant nextDueAt,
    @Nullable Lease lease,
    @Nullable RunRecord lastRun,
    Instant createdAt,
    Instant updatedAt,
    long version) {

  public TaskState {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must not be negative, got " + attempt);
    }
    if (status.isQueued() != (nextDueAt != null)) {
      throw new IllegalArgumentException(
          "a " + status + " task " + (status.isQueued() ? "needs" : "has no") + " due instant");
    }
    if ((status == TaskStatus.RUNNING) != (lease != null)) {
      throw new IllegalArgumentException(
          "a "
              + status
              + " task "
              + (status == TaskStatus.RUNNING ? "needs" : "has no")
              + " lease");
    }
  }

  /** The state of a task just added, first due at {@code dueAt}. */
  public static TaskState initial(Instant dueAt, Instant now) {
    return new TaskState(TaskStatus.SCHEDULED, 0, dueAt, dueAt, null, null, now, now, 0);
  }

  /** The state of a task just added that waits for its dependencies. */
  public static TaskState waiting(Instant now) {
    return new TaskState(TaskStatus.WAITING, 0, null, null, null, null, now, now, 0);
  }

  /** Its dependencies are done (or a paused task still has some to wait for): queued or waiting. */
  public TaskState released(Instant fireTime, Instant dueAt, Instant now) {
    status.checkTransitionTo(TaskStatus.SCHEDULED);
    return new TaskState(
        TaskStatus.SCHEDULED, 0, fireTime, dueAt, null, lastRun, createdAt, now, version);
  }

  /** A paused task whose dependencies have not all ended yet, resumed: it waits again. */
  public TaskState waitingAgain(Instant now) {
    status.checkTransitionTo(TaskStatus.WAITING);
    return new TaskState(TaskStatus.WAITING, 0, null, null, null, lastRun, createdAt, now, version);
  }

  /** This state as written by a store at {@code newVersion}. */
  public TaskState withVersion(long newVersion) {
    return new TaskState(
        status, attempt, fireTime, nextDueAt, lease, lastRun, createdAt, updatedAt, newVersion);
  }

  /** Claimed by {@code lease} for the next attempt. */
  public TaskState running(Lease lease, Instant now) {
    status.checkTransitionTo(TaskStatus.RUNNING);
    return new TaskState(
        TaskStatus.RUNNING, attempt + 1, fireTime, null, lease, lastRun, createdAt, now, version);
  }

  /**
   * A claim given back before its run started (the scheduler stopped first): queued again in {@code
   * queuedStatus} at {@code dueAt}, the attempt the claim counted taken back.
   */
  public TaskState handedBack(TaskStatus queuedStatus, Instant dueAt, Instant now) {
    if (!queuedStatus.isQueued()) {
      throw new IllegalArgumentException(
          "a claim is handed back to a queued status, not " + queuedStatus);
    }
    status.checkTransitionTo(queuedStatus);
    return new TaskState(
        queuedStatus,
        Math.max(0, attempt - 1),
        fireTime,
        dueAt,
        null,
        lastRun,
        createdAt,
        now,
        version);
  }

  /** Held by a client: not dispatched until resumed. Keeps the fire time and attempt count. */
  public TaskState paused(Instant now) {
    status.checkTransitionTo(TaskStatus.PAUSED);
    return new TaskState(
        TaskStatus.PAUSED, attempt, fireTime, null, null, lastRun, createdAt, now, version);
  }

  /**
   * A queued task due at another instant (a client asked to run it now, or changed its schedule):
   * same status and attempts, for fire time {@code newFireTime}.
   */
  public TaskState rescheduled(Instant newFireTime, Instant dueAt, Instant now) {
    if (!status.isQueued()) {
      throw new IllegalStateException(
          "only a queued task can be rescheduled, not a " + status + " one");
    }
    return new TaskState(
        status, attempt, newFireTime, dueAt, null, lastRun, createdAt, now, version);
  }

  /** The lease renewed until {@code expiresAt}. */
  public TaskState leaseRenewed(Instant expiresAt, Instant now) {
    if (lease == null) {
      throw new IllegalStateException("a " + status + " task holds no lease to renew");
    }
    return new TaskState(
        status,
        attempt,
        fireTime,
        nextDueAt,
        lease.renewedUntil(expiresAt),
        lastRun,
        createdAt,
        now,
        version);
  }

  /** Due again at {@code dueAt}, for fire time {@code fireTime}, with attempts counted anew. */
  public TaskState scheduled(
      Instant fireTime, Instant dueAt, int attempt, @Nullable RunRecord lastRun, Instant now) {
    status.checkTransitionTo(TaskStatus.SCHEDULED);
    return new TaskState(
        TaskStatus.SCHEDULED, attempt, fireTime, dueAt, null, lastRun, createdAt, now, version);
  }

  /**
   * A failed task queued again because someone asked: due at {@code dueAt}, as its fire time, with
   * its attempts counted anew; its last run stays. The one step out of a terminal status, outside
   * {@link TaskStatus#allowedNext()} so that no other transition can take it.
   */
  public TaskState retried(Instant dueAt, Instant now) {
    if (status != TaskStatus.FAILED) {
      throw new IllegalStateTransitionException(status, TaskStatus.SCHEDULED);
    }
    return new TaskState(
        TaskStatus.SCHEDULED, 0, dueAt, dueAt, null, lastRun, createdAt, now, version);
  }

  /** Failed attempt {@code lastRun}; the next attempt is due at {@code dueAt}. */
  public TaskState retryWait(Instant dueAt, RunRecord lastRun, Instant now) {
    status.checkTransitionTo(TaskStatus.RETRY_WAIT);
    return new TaskState(
        TaskStatus.RETRY_WAIT, attempt, fireTime, dueAt, null, lastRun, createdAt, now, version);
  }

  /** A terminal state: COMPLETED, FAILED or CANCELLED. */
  public TaskState finished(TaskStatus terminal, @Nullable RunRecord lastRun, Instant now) {
    if (!terminal.isTerminal()) {
      throw new IllegalArgumentException(terminal + " is not a terminal status");
    }
    status.checkTransitionTo(terminal);
    return new TaskState(
        terminal,
        attempt,
        fireTime,
        null,
        null,
        lastRun != null ? lastRun : this.lastRun,
        createdAt,
        now,
        version);
  }
}
