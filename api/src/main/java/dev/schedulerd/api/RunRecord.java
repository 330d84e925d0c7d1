package dev.schedulerd.api;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One attempt to run a task, as it ended. Every attempt, retries included, is its own record; so is
 * every fire time that did not run ({@link RunOutcome#isNotRun()}: attempt 0, started and finished
 * at the moment it was passed over, the reason in {@code error}).
 *
 * @param scheduledFor the fire time the attempt was for; for a retry, the instant the retry was due
 * @param result what the executor returned on success (may be empty)
 * @param error why the attempt did not succeed; null on success
 * @param node the id of the node that ran (or recovered) it
 */
public record RunRecord(
    String runId,
    String taskId,
    int attempt,
    Instant scheduledFor,
    Instant startedAt,
    Instant finishedAt,
    RunOutcome outcome,
    @Nullable String result,
    @Nullable String error,
    String node) {

  public RunRecord {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(scheduledFor, "scheduledFor");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(node, "node");
    if (outcome.isNotRun() ? attempt != 0 : attempt < 1) {
      throw new IllegalArgumentException(
          outcome.isNotRun()
              ? "a " + outcome.wireName() + " fire time made no attempt, got attempt " + attempt
              : "attempts count from 1, got " + attempt);
    }
    if (finishedAt.isBefore(startedAt)) {
      throw new IllegalArgumentException(
          "run " + runId + " finished at " + finishedAt + ", before it started at " + startedAt);
    }
    if (outcome == RunOutcome.SUCCESS && error != null) {
      throw new IllegalArgumentException("a successful run carries no error");
    }
  }

  /**
   * Checks that this is a record of task {@code expectedTaskId}, as stores do before writing it.
   *
   * @throws IllegalArgumentException naming both tasks when it is not
   */
  public void requireTask(String expectedTaskId) {
    if (!taskId.equals(expectedTaskId)) {
      throw new IllegalArgumentException(
          "run " + runId + " belongs to task " + taskId + ", not " + expectedTaskId);
    }
  }
}
