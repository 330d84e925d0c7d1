package dev.schedulerd.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A node's claim on a running task. The run id is the fencing token: only the holder of the current
 * lease may record the run's result, so a node that lost its lease (paused, partitioned) cannot
 * overwrite the work of the node that took over.
 *
 * @param owner the node id of the claimant
 * @param runId the id of the run this lease covers
 * @param acquiredAt when the claim was made
 * @param expiresAt when other nodes may take the task back unless the lease is renewed
 */
public record Lease(String owner, String runId, Instant acquiredAt, Instant expiresAt) {
  public Lease {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(acquiredAt, "acquiredAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (expiresAt.isBefore(acquiredAt)) {
      throw new IllegalArgumentException(
          "lease expires at " + expiresAt + ", before it was acquired at " + acquiredAt);
    }
  }

  public boolean isExpiredAt(Instant now) {
    return !now.isBefore(expiresAt);
  }

  public Lease renewedUntil(Instant newExpiry) {
    return new Lease(owner, runId, acquiredAt, newExpiry);
  }
}
