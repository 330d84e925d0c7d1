package dev.schedulerd.runtime;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.executor.TaskExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** A run this node claimed: waiting for its due instant, then executing. */
final class InFlight {
  final StoredTask claimed;
  final String runId;
  final TaskExecutor executor;
  final Instant scheduledFor;
  final TaskStatus queuedStatus;
  volatile boolean started;
  volatile Instant startedAt;
  volatile Instant deadline;
  volatile Instant renewAt;
  volatile long version;

  /** When its lease ends by this node's clock, unless renewed before. */
  volatile Instant leaseUntil;

  /**
   * How long before its lease ends an unrenewed run is stopped: a sixth of the lease (5 s of 30),
   * by the node and by a process's watchdog alike.
   */
  final Duration fenceMargin;

  /** Whether the last try to renew its lease failed (the store did not answer). */
  volatile boolean renewalFailing;

  /** Since when its lease has been due for renewal and not renewed; null when it is not due. */
  volatile @Nullable Instant renewalDueSince;

  /** Under overlap=cancel_previous: when the next fire time interrupts this run. */
  final @Nullable Instant supersededAt;

  private final AtomicBoolean settled = new AtomicBoolean();
  volatile boolean cancelled;
  private volatile @Nullable Thread thread;

  InFlight(
      StoredTask claimed,
      String runId,
      TaskExecutor executor,
      Instant scheduledFor,
      TaskStatus queuedStatus,
      Instant claimedAt,
      Duration leaseDuration,
      @Nullable Instant supersededAt) {
    this.claimed = claimed;
    this.runId = runId;
    this.executor = executor;
    this.scheduledFor = scheduledFor;
    this.queuedStatus = queuedStatus;
    this.startedAt = claimedAt;
    this.deadline = Instant.MAX;
    this.renewAt = claimedAt.plus(leaseDuration.dividedBy(2));
    this.leaseUntil = claimedAt.plus(leaseDuration);
    this.fenceMargin = fenceMargin(leaseDuration);
    this.version = claimed.version();
    this.supersededAt = supersededAt;
  }

  static Duration fenceMargin(Duration leaseDuration) {
    return leaseDuration.dividedBy(6);
  }

  /**
   * When the run must be stopped unless its lease is renewed first: a margin before its lease ends
   * once a renewal came due in time and has not been confirmed (refused, not answered, or waiting
   * behind a round that hangs); a renewal that came due late (the node was paused or suspended past
   * that instant) gets the margin to be answered, up to the lease's end. Null while no renewal is
   * outstanding.
   */
  @Nullable Instant fenceAt() {
    Instant since = renewalDueSince;
    if (since == null) {
      return null;
    }
    Instant fence = leaseUntil.minus(fenceMargin);
    if (since.isBefore(fence)) {
      return fence;
    }
    // Asked late: the margin to be answered, but never past the lease's end (another node may
    // take the run over from then on); a lease already over is stopped at once.
    Instant late = since.plus(fenceMargin);
    return late.isBefore(leaseUntil) ? late : leaseUntil;
  }

  /** Whether the run must be stopped now, its lease in doubt. */
  boolean fenceDue(Instant now) {
    Instant at = fenceAt();
    return at != null && !at.isAfter(now);
  }

  /**
   * Whether its lease is in doubt at {@code now}: within the fence margin of its end, or past it,
   * with no renewal since. A run is not started then, and its failure then is the fence's (its
   * watchdog killed it, or the node was about to), not the task's.
   */
  boolean leaseInDoubt(Instant now) {
    return !now.isBefore(leaseUntil.minus(fenceMargin)) || fenceDue(now);
  }

  /** The run starts now; it must end by {@code runDeadline}. */
  void begin(Instant now, Instant runDeadline) {
    startedAt = now;
    deadline = runDeadline;
    started = true;
  }

  /**
   * The instant its record says it was for: the fire time it ran for (a catch-up or queued run
   * starts later than its fire time), or for a retry the instant the retry was due.
   */
  Instant recordedFor() {
    Instant fire = claimed.state().fireTime();
    return queuedStatus == TaskStatus.SCHEDULED && fire != null ? fire : scheduledFor;
  }

  boolean isSettled() {
    return settled.get();
  }

  String taskId() {
    return claimed.id();
  }

  String executorKind() {
    return claimed.definition().executorKind();
  }

  List<String> resources() {
    return claimed.definition().resources();
  }

  /** Whether the caller is the first to decide how this run ends (completion, timeout, ...). */
  boolean settle() {
    return settled.compareAndSet(false, true);
  }

  /** Interrupts the run. Only the caller that settled it calls this. */
  void cancel() {
    cancelled = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  void bindThread(Thread t) {
    thread = t;
    if (cancelled) {
      t.interrupt();
    }
  }
}
