package dev.schedulerd.api.store;

import dev.schedulerd.api.Lease;
import java.util.Objects;

/** One claim in {@link TaskStore#claimAll}: the same arguments as {@link TaskStore#claim}. */
public record Claim(String taskId, long expectedVersion, Lease lease) {
  public Claim {
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(lease, "lease");
  }
}
