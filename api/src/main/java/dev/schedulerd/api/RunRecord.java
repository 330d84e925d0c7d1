package dev.schedulerd.api;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One attempt to run a task, as it ended. Every attempt, retries included, is its own record.
 *
 * @param scheduledFor the instant the attempt was due
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
    if (attempt < 1) {
      throw new IllegalArgumentException("attempts count from 1, got " + attempt);
    }
    if (finishedAt.isBefore(startedAt)) {
      throw new IllegalArgumentException(
          "run " + runId + " finished at " + finishedAt + ", before it started at " + startedAt);
    }
    if (outcome == RunOutcome.SUCCESS && error != null) {
      throw new IllegalArgumentException("a successful run carries no error");
    }
  }
}
