package dev.schedulerd.api.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A scheduler node sharing a store, as its last heartbeat reported it.
 *
 * @param lastHeartbeat when it last reported (by the store's clock where the store has one)
 * @param runsInFlight runs it had claimed or was executing then
 */
public record NodeInfo(String nodeId, Instant startedAt, Instant lastHeartbeat, int runsInFlight) {
  public NodeInfo {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
  }
}
