package dev.schedulerd.runtime;

import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.NodeRegistry;
import dev.schedulerd.api.store.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's heartbeat in the store, and the nodes that sent one lately: what the daemon status
 * lists, and how a starting node knows whether others were up.
 */
final class Heartbeats {
  private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);

  private final RepeatedFailureLog heartbeatFailures =
      new RepeatedFailureLog(log, org.slf4j.event.Level.WARN);

  static final Duration INTERVAL = Scheduler.HEARTBEAT_INTERVAL;

  private final Optional<NodeRegistry> registry;
  private final InstantSource clock;
  private final InstantSource leaseClock;
  private final String nodeId;
  private final Supplier<@Nullable Instant> startedAt;
  private final IntSupplier runsInFlight;
  private final WorkShares shares;

  /** Written by whoever beats; never under the sync lock, see {@link #beatIfDue}. */
  private final AtomicReference<@Nullable Instant> last = new AtomicReference<>();

  /**
   * How often the live nodes are read for {@link WorkShares}: more often than the beat, so that a
   * node that just started (or stopped) is counted within a second, not one beat later. A read of
   * the small nodes table.
   */
  static final Duration SHARES_REFRESH = Duration.ofSeconds(1);

  /**
   * The refresh in a node's first {@link #INTERVAL}: nodes started together each see the others
   * within a tenth of a second, instead of claiming everything for a second as if alone.
   */
  static final Duration SHARES_REFRESH_AT_START = Duration.ofMillis(100);

  private final AtomicReference<@Nullable Instant> sharesRead = new AtomicReference<>();

  Heartbeats(
      TaskStore store,
      InstantSource clock,
      InstantSource leaseClock,
      String nodeId,
      Supplier<@Nullable Instant> startedAt,
      IntSupplier runsInFlight,
      WorkShares shares) {
    this.registry = store.nodeRegistry();
    this.clock = clock;
    this.leaseClock = leaseClock;
    this.nodeId = nodeId;
    this.startedAt = startedAt;
    this.runsInFlight = runsInFlight;
    this.shares = shares;
  }

  /** Beats now, whenever the last beat was: the node is listed from its start. */
  void beatNow() {
    last.set(null);
    sharesRead.set(null);
    beatIfDue();
  }

  /**
   * Writes this node's heartbeat when one is due, and reads the live nodes each second (see {@link
   * #SHARES_REFRESH}). Never called under the sync lock: a store's write can wait for its writer
   * thread, which may itself be waiting to signal a sync.
   */
  void beatIfDue() {
    Instant now = clock.instant();
    beat(now);
    refreshSharesIfDue(now);
  }

  private void beat(Instant now) {
    Instant previous = last.get();
    if (previous != null && Duration.between(previous, now).compareTo(INTERVAL) < 0) {
      return;
    }
    if (!last.compareAndSet(previous, now)) {
      return; // another thread is beating right now
    }
    Instant started = startedAt.get();
    if (registry.isEmpty()) {
      return;
    }
    try {
      registry
          .get()
          .heartbeat(
              new NodeInfo(
                  nodeId,
                  started != null ? started : now,
                  leaseClock.instant(),
                  runsInFlight.getAsInt()));
    } catch (RuntimeException e) {
      heartbeatFailures.failed("Could not record this node's heartbeat", e);
      return;
    }
    heartbeatFailures.succeeded();
  }

  /** Reads the live nodes for {@link WorkShares} when the last read is a second old. */
  private void refreshSharesIfDue(Instant now) {
    Instant previous = sharesRead.get();
    Instant started = startedAt.get();
    Duration every =
        started != null && Duration.between(started, now).compareTo(INTERVAL) < 0
            ? SHARES_REFRESH_AT_START
            : SHARES_REFRESH;
    if (registry.isEmpty()
        || previous != null && Duration.between(previous, now).compareTo(every) < 0
        || !sharesRead.compareAndSet(previous, now)) {
      return;
    }
    try {
      shares.update(nodes());
    } catch (RuntimeException e) {
      log.debug("Could not read the nodes sharing the store; the shares stay as they were", e);
    }
  }

  /** Whether another node sharing the store sent a heartbeat lately. */
  boolean othersUp() {
    try {
      return nodes().stream().anyMatch(node -> !node.nodeId().equals(nodeId));
    } catch (RuntimeException e) {
      log.warn("Could not read the nodes sharing the store; assuming others are up", e);
      return true;
    }
  }

  /** The nodes sharing the store that sent a heartbeat in the last three intervals. */
  List<NodeInfo> nodes() {
    return registry.isEmpty()
        ? List.of()
        : registry.get().nodes(leaseClock.instant().minus(INTERVAL.multipliedBy(3)));
  }
}
