package dev.schedulerd.runtime;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A task waiting to be dispatched, as of store version {@code version}, and the orders {@link
 * DispatchQueue}'s heaps keep entries in (instants as saturated epoch nanoseconds).
 */
final class QueueEntry {
  final String taskId;
  final long version;
  final Priority priority;
  final String executorKind;
  final TaskStatus status;
  final Instant dueAt;

  /**
   * When this node may take it: {@link #dueAt}, or later once {@link #defer}red (the task falls in
   * another node's share). Changed only while the entry is out of the waiting heap.
   */
  Instant claimFrom;

  /** {@link #claimFrom} as saturated epoch nanoseconds: the waiting heap's order. */
  long claimNanos;

  boolean deferred;
  final @Nullable Instant missedAt;
  final List<String> resources;

  /** Under overlap=allow: its fire time becomes a task of its own instead of a run. */
  final boolean spawnsRuns;

  /**
   * The rerun of a fire time whose run was interrupted or abandoned, not a fire time of its own.
   */
  final boolean rerun;

  /** {@link #dueAt} as saturated epoch nanoseconds, for the comparators. */
  final long dueNanos;

  /**
   * Its place among due entries: the due instant, later by one aging step per level below CRITICAL;
   * in saturated epoch nanoseconds.
   */
  final long rankNanos;

  final long sequence;
  boolean live = true;

  QueueEntry(DispatchQueue.Offer offer, long sequence, Duration agingStep, long agingStepNanos) {
    this.taskId = offer.taskId();
    this.version = offer.version();
    this.priority = offer.priority();
    this.executorKind = offer.executorKind();
    this.status = offer.status();
    this.dueAt = offer.dueAt();
    this.missedAt = offer.missedAt();
    this.resources = offer.resources();
    this.spawnsRuns = offer.spawnsRuns();
    this.rerun = offer.rerun();
    this.dueNanos = epochNanos(dueAt);
    this.claimFrom = dueAt;
    this.claimNanos = dueNanos;
    this.rankNanos = rankNanos(dueAt, agingStep, agingStepNanos, offer.priority().ordinal());
    this.sequence = sequence;
  }

  /**
   * Taken no earlier than {@code delay} after {@code now}, the moment it came due here (an overdue
   * backlog waits too, not only runs due from now on); once per entry.
   */
  void defer(Instant now, Duration delay) {
    deferred = true;
    if (!Instant.MAX.minus(delay).isBefore(now)) {
      claimFrom = now.plus(delay);
      claimNanos = epochNanos(claimFrom);
    }
  }

  /** Whether dispatching it at {@code now} is too late: its fire time counts as missed. */
  boolean missedBy(Instant now) {
    return missedAt != null && now.isAfter(missedAt);
  }

  DispatchQueue.Offer asOffer(Instant newDueAt) {
    return new DispatchQueue.Offer(
        taskId,
        version,
        priority,
        executorKind,
        status,
        newDueAt,
        missedAt,
        resources,
        spawnsRuns,
        rerun);
  }

  // Hand-written rather than Comparator.comparing chains: every offer and take compares
  // O(log n) times, and the chained lambdas showed up at the top of the dispatch profile.
  private static final long MAX_EPOCH_SECOND_IN_NANOS = Long.MAX_VALUE / 1_000_000_000L - 1;

  /**
   * An entry's rank: its due instant, later by one aging step per level below CRITICAL, saturated
   * like {@link #epochNanos}. In long arithmetic: {@code Duration.multipliedBy} goes through
   * BigDecimal: a tenth of the loading thread's samples when a million stored tasks were queued.
   */
  static long rankNanos(Instant due, Duration agingStep, long agingStepNanos, int levels) {
    long dueNanos = epochNanos(due);
    if (dueNanos == Long.MIN_VALUE && levels > 0) {
      // Before 1677 the due instant itself is saturated; the handicap may bring it back in range.
      try {
        Duration handicap = agingStep.multipliedBy(levels);
        return epochNanos(
            Instant.MAX.minus(handicap).isBefore(due) ? Instant.MAX : due.plus(handicap));
      } catch (ArithmeticException | java.time.DateTimeException e) {
        return Long.MAX_VALUE; // a handicap longer than the whole time line
      }
    }
    long handicap =
        levels == 0
            ? 0
            : agingStepNanos > Long.MAX_VALUE / levels ? Long.MAX_VALUE : agingStepNanos * levels;
    return dueNanos > Long.MAX_VALUE - handicap ? Long.MAX_VALUE : dueNanos + handicap;
  }

  static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * Nanoseconds since the epoch, saturated outside about 1677-2262: instants beyond compare equal
   * among themselves (then by arrival), which no queue here needs to tell apart.
   */
  static long epochNanos(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds >= MAX_EPOCH_SECOND_IN_NANOS) {
      return Long.MAX_VALUE;
    }
    if (seconds <= -MAX_EPOCH_SECOND_IN_NANOS) {
      return Long.MIN_VALUE;
    }
    return seconds * 1_000_000_000L + instant.getNano();
  }

  /**
   * Due instant, then task id: the same order on every node, so that a node helping with another's
   * backlog ({@link #STEAL_ORDER}) works from the end its owner reaches last, even where the
   * backlog's runs are due at one instant. Then arrival, for two entries of one task.
   */
  private static final Comparator<QueueEntry> BY_DUE =
      (a, b) -> {
        int byDue = Long.compare(a.dueNanos, b.dueNanos);
        if (byDue != 0) {
          return byDue;
        }
        int byId = a.taskId.compareTo(b.taskId);
        return byId != 0 ? byId : Long.compare(a.sequence, b.sequence);
      };

  static final Comparator<QueueEntry> BY_CLAIM_TIME =
      (a, b) -> {
        int byClaim = Long.compare(a.claimNanos, b.claimNanos);
        return byClaim != 0 ? byClaim : Long.compare(a.sequence, b.sequence);
      };

  static final Comparator<QueueEntry> BY_PRIORITY =
      (a, b) -> {
        int byPriority = a.priority.compareTo(b.priority);
        return byPriority != 0 ? byPriority : BY_DUE.compare(a, b);
      };

  /**
   * How an idle node steals: the most urgent priority first, and within it the latest due (the
   * owner, draining its share from the oldest, comes to it last; the two do not race for one run).
   */
  static final Comparator<QueueEntry> STEAL_ORDER =
      (a, b) -> {
        int byPriority = a.priority.compareTo(b.priority);
        return byPriority != 0 ? byPriority : BY_DUE.compare(b, a);
      };

  static final Comparator<QueueEntry> BY_RANK =
      (a, b) -> {
        int byRank = Long.compare(a.rankNanos, b.rankNanos);
        return byRank != 0 ? byRank : BY_PRIORITY.compare(a, b);
      };
}
