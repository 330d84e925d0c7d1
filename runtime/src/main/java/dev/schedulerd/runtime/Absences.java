package dev.schedulerd.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * When this node was not dispatching: before it started (if no other node was up to run tasks) and
 * while its dispatch was paused. A recurring fire time that passed then is missed however short the
 * gap, and the record says why.
 */
final class Absences {
  /** Fire times this much before a node's start are missed; later ones run late. */
  private static final Duration AWAY_MARGIN = Duration.ofSeconds(1);

  private final String nodeId;
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * When this node started, if no other node sharing the store was up then: fire times before it
   * passed while no schedulerd ran. Null when another node was up (they were its to run).
   */
  private volatile @Nullable Instant startedAlone;

  private volatile @Nullable Instant pausedSince;
  private volatile @Nullable Window lastPause;

  /** When dispatch was last paused and resumed: fire times in it were missed because of it. */
  private record Window(Instant since, Instant until) {
    boolean contains(Instant instant) {
      return !instant.isBefore(since) && !instant.isAfter(until);
    }
  }

  Absences(String nodeId) {
    this.nodeId = nodeId;
  }

  /** The node starts at {@code now}; {@code othersUp}: another node sharing the store is up. */
  void started(Instant now, boolean othersUp) {
    startedAlone = othersUp ? null : now;
  }

  /** Pauses dispatch; false when it already was. */
  boolean pause(Instant now) {
    lock.lock();
    try {
      if (pausedSince != null) {
        return false;
      }
      pausedSince = now;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Resumes dispatch; false when it was not paused. */
  boolean resume(Instant now) {
    lock.lock();
    try {
      Instant since = pausedSince;
      if (since == null) {
        return false;
      }
      lastPause = new Window(since, now);
      pausedSince = null;
      return true;
    } finally {
      lock.unlock();
    }
  }

  boolean paused() {
    return pausedSince != null;
  }

  Optional<Instant> pausedSince() {
    return Optional.ofNullable(pausedSince);
  }

  /** Why a fire time at {@code fire} was missed, as far as this node knows. */
  String missedCause(Instant fire) {
    Window pause = lastPause;
    if (pause != null && pause.contains(fire)) {
      return "dispatch on node "
          + nodeId
          + " was paused from "
          + pause.since()
          + " to "
          + pause.until();
    }
    Instant started = startedAlone;
    if (started != null && fire.isBefore(started)) {
      return "schedulerd was not running at its fire time (node "
          + nodeId
          + " started at "
          + started
          + ")";
    }
    return "schedulerd was too busy: it reached the fire time later than the task's missed-after"
        + " limit";
  }

  /**
   * Whether a recurring task's fire time passed while this node was not running or its dispatch was
   * paused: missed, however short the gap, so that its missed-fire policy decides (not the overlap
   * policy, as if a run had been in the way). A fire time a moment before the start may be one a
   * node still up is about to run: the margin leaves it to run late instead.
   */
  boolean missedWhileAway(QueueEntry entry) {
    if (entry.missedAt == null || entry.rerun) {
      return false; // not a recurring fire time, or the rerun of an interrupted one: runs late
    }
    Instant due = entry.dueAt;
    Instant awayUntil = startedAlone;
    if (awayUntil != null && due.isBefore(awayUntil.minus(AWAY_MARGIN))) {
      return true;
    }
    Window pause = lastPause;
    return pause != null && !due.isBefore(pause.since()) && due.isBefore(pause.until());
  }
}
