package dev.schedulerd.runtime;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The tasks this node may dispatch, and the slots to run them in.
 *
 * <p>Two heaps, as in the JDK's {@code DelayedWorkQueue}: {@code waiting} orders tasks not yet due
 * by due instant; once due they move to {@code ready}, ordered by priority, then due instant, then
 * task id, so CRITICAL work never waits behind LOW work for a free slot. At most one entry per task
 * is live; a replaced entry stays in its heap, marked dead, and is dropped when it reaches the top
 * (removal from the middle of a heap would cost O(n)).
 *
 * <p>The ticker waits on one condition until the earliest due instant, and is signalled only when
 * that changes: a new earliest entry, a freed slot while tasks are ready, or shutdown.
 *
 * <p>Thread-safe: one {@link ReentrantLock} guards everything. Methods that say "requires lock" are
 * called with it held.
 */
final class DispatchQueue {

  /**
   * A task's queue position, as given to {@link #offer}.
   *
   * @param missedAt for recurring tasks, when dispatching it becomes too late and its fire time
   *     counts as missed (its missed-fire policy then decides); null when that does not apply
   */
  record Offer(
      String taskId,
      long version,
      Priority priority,
      String executorKind,
      TaskStatus status,
      Instant dueAt,
      @Nullable Instant missedAt,
      List<String> resources,
      boolean spawnsRuns,
      boolean rerun) {

    Offer(
        String taskId,
        long version,
        Priority priority,
        String executorKind,
        TaskStatus status,
        Instant dueAt) {
      this(taskId, version, priority, executorKind, status, dueAt, null, List.of(), false, false);
    }
  }

  /**
   * Due entries, most urgent first: by rank (with aging), then priority, due instant, arrival.
   * Without aging the rank is the due instant and priority decides first.
   */
  private final Comparator<QueueEntry> byUrgency;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final Condition drained = lock.newCondition();

  // Guarded by lock.
  private final PriorityQueue<QueueEntry> waiting = new PriorityQueue<>(QueueEntry.BY_CLAIM_TIME);
  private final PriorityQueue<QueueEntry> ready;

  /**
   * Due entries of other nodes' shares, most urgent first (each also waits in {@link #waiting}
   * until its {@link QueueEntry#claimFrom}, which wakes the ticker then). One is taken before this
   * node's own ready entries only when its priority is higher (priority holds across nodes);
   * otherwise only once its delay passed ({@link #theirsToSteal}) and this node has nothing of its
   * own to run: nodes draining a backlog do not race for the same runs.
   */
  private final PriorityQueue<QueueEntry> theirs;

  /**
   * The entries of {@link #theirs} whose delay passed, in {@link QueueEntry#STEAL_ORDER}: what an
   * idle node takes, the latest first (their owner works from the oldest). The delay is longer for
   * each node further down a task's list ({@link WorkShares#place}): two idle nodes do not race
   * either.
   */
  private final PriorityQueue<QueueEntry> theirsToSteal =
      new PriorityQueue<>(QueueEntry.STEAL_ORDER);

  private final Map<String, QueueEntry> live = new HashMap<>();

  /**
   * Store version of each task handed out by {@link #takeDispatchable} and not yet superseded. The
   * change feed may report a version the ticker already took (it was read before the claim); it
   * must not be queued twice.
   */
  private final Map<String, Long> takenVersions = new HashMap<>();

  private final Map<TaskStatus, EnumMap<Priority, Integer>> depth = new EnumMap<>(TaskStatus.class);
  private final Map<String, Integer> runningByKind = new HashMap<>();
  private final int maxConcurrent;
  private final Map<String, Integer> maxConcurrentByKind;
  private int running;
  private long sequence;
  private boolean wakePending;

  private final Map<String, Integer> resourceCapacity;
  private final Map<String, Integer> resourcesInUse = new HashMap<>();
  private final Duration agingStep;
  private final long agingStepNanos;
  private final WorkShares shares;

  DispatchQueue(int maxConcurrent, Map<String, Integer> maxConcurrentByKind) {
    this(maxConcurrent, maxConcurrentByKind, Map.of(), Duration.ZERO);
  }

  DispatchQueue(
      int maxConcurrent,
      Map<String, Integer> maxConcurrentByKind,
      Map<String, Integer> resourceCapacity,
      Duration agingStep) {
    this(maxConcurrent, maxConcurrentByKind, resourceCapacity, agingStep, WorkShares.ALONE);
  }

  /**
   * @param resourceCapacity units of each named resource on this node; a resource not named has
   *     none, so tasks that need it never run here
   * @param agingStep a due entry gains one priority level per step it waits; zero for strict
   *     priority
   * @param shares which tasks this node takes at their due instant; the others {@link
   *     WorkShares#STEAL_AFTER} later, as judged when each comes due
   */
  DispatchQueue(
      int maxConcurrent,
      Map<String, Integer> maxConcurrentByKind,
      Map<String, Integer> resourceCapacity,
      Duration agingStep,
      WorkShares shares) {
    this.shares = shares;
    this.maxConcurrent = maxConcurrent;
    this.maxConcurrentByKind = Map.copyOf(maxConcurrentByKind);
    this.resourceCapacity = Map.copyOf(resourceCapacity);
    this.agingStep = agingStep;
    this.agingStepNanos = QueueEntry.saturatedNanos(agingStep);
    this.byUrgency = agingStep.isZero() ? QueueEntry.BY_PRIORITY : QueueEntry.BY_RANK;
    this.ready = new PriorityQueue<>(byUrgency);
    this.theirs = new PriorityQueue<>(byUrgency);
  }

  /**
   * Queues a task at {@code offer.dueAt()}, replacing the task's entry unless that one is of a
   * newer store version. Wakes the ticker if this is now the earliest entry.
   */
  void offer(Offer offer) {
    lock.lock();
    try {
      Long takenVersion = takenVersions.get(offer.taskId());
      if (takenVersion != null) {
        if (offer.version() <= takenVersion) {
          return;
        }
        takenVersions.remove(offer.taskId());
      }
      QueueEntry existing = live.get(offer.taskId());
      if (existing != null) {
        if (existing.version >= offer.version()) {
          return; // the same store state again (the change feed repeats our own writes), or older
        }
        kill(existing);
      }
      QueueEntry entry = new QueueEntry(offer, sequence++, agingStep, agingStepNanos);
      live.put(entry.taskId, entry);
      count(entry, +1);
      waiting.add(entry);
      if (waiting.peek() == entry) {
        signalTicker();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues again a version that was taken but could not be claimed (the store failed), so it is
   * tried again at {@code offer.dueAt()}.
   */
  void offerAgain(Offer offer) {
    lock.lock();
    try {
      takenVersions.remove(offer.taskId(), offer.version());
      offer(offer);
    } finally {
      lock.unlock();
    }
  }

  /** Forgets that {@code version} of the task was taken: its claim lost, the store knows better. */
  void untake(String taskId, long version) {
    lock.lock();
    try {
      takenVersions.remove(taskId, version);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether {@code entry}, taken, is still the task's version as this node knows it: false once the
   * change feed brought a newer one (another node claimed or changed the task since).
   */
  boolean stillTaken(QueueEntry entry) {
    lock.lock();
    try {
      Long taken = takenVersions.get(entry.taskId);
      return taken != null && taken == entry.version;
    } finally {
      lock.unlock();
    }
  }

  /** Drops the task's entry unless it is of a newer store version than {@code version}. */
  void remove(String taskId, long version) {
    lock.lock();
    try {
      Long takenVersion = takenVersions.get(taskId);
      if (takenVersion != null && takenVersion <= version) {
        takenVersions.remove(taskId);
      }
      QueueEntry existing = live.get(taskId);
      if (existing != null && existing.version <= version) {
        kill(existing);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Drops every entry; the slots in use stay taken. */
  void clear() {
    lock.lock();
    try {
      waiting.clear();
      ready.clear();
      theirs.clear();
      theirsToSteal.clear();
      live.clear();
      depth.clear();
      takenVersions.clear();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the entries to dispatch now, most urgent first, and reserves a slot for each: moves the
   * entries due by {@code now} from waiting to ready, then takes ready ones while slots are free.
   * An entry whose kind is at its limit stays ready while less urgent entries of other kinds go.
   * Each reserved slot must be given back with {@link #release}.
   */
  List<QueueEntry> takeDispatchable(Instant now) {
    lock.lock();
    try {
      wakePending = false;
      for (QueueEntry head = waiting.peek(); head != null; head = waiting.peek()) {
        if (!head.live) {
          waiting.poll();
        } else if (!head.claimFrom.isAfter(now)) {
          waiting.poll();
          if (head.deferred) {
            // In theirs since it came due; now this node may take it, as its own if the shares
            // moved it here meanwhile (its owner left), else as a helper.
            if (shares.owns(head.taskId)) {
              ready.add(head); // also still in theirs, where it is dropped once taken
            } else {
              theirsToSteal.add(head);
            }
            continue;
          }
          if (shares.owns(head.taskId)) {
            ready.add(head);
          } else {
            deferToOwner(head, now);
          }
        } else {
          break;
        }
      }
      List<QueueEntry> taken = new ArrayList<>();
      List<QueueEntry> blockedOwn = new ArrayList<>();
      List<QueueEntry> blockedTheirs = new ArrayList<>();
      List<QueueEntry> blockedSteal = new ArrayList<>();
      // Entries taken or replaced stay in a heap until they reach its top: a node busy with its own
      // work never polls these two, so they are swept once the dead outnumber the live.
      sweepIfMostlyDead(theirs);
      sweepIfMostlyDead(theirsToSteal);
      int stealLimit = -1; // set when this node is first idle in this call
      int stolen = 0;
      while (running < maxConcurrent) {
        QueueEntry own = dispatchableHead(ready, blockedOwn);
        if (own != null && !shares.owns(own.taskId)) {
          // Its share moved to a node seen since it came due (a node that starts while a backlog
          // is due here): that node claims it first now.
          ready.poll();
          deferToOwner(own, now);
          continue;
        }
        QueueEntry their = dispatchableHead(theirs, blockedTheirs);
        if (own == null) {
          if (stealLimit < 0) {
            // At most half of what others left at a time: the rest may be their owners' next
            // claims, and taking a whole batch of it as a backlog ends would race them for each.
            theirsToSteal.removeIf(e -> !e.live);
            stealLimit = Math.max(1, theirsToSteal.size() / 2);
          }
          QueueEntry steal =
              stolen < stealLimit ? dispatchableHead(theirsToSteal, blockedSteal) : null;
          if (steal == null) {
            break;
          }
          take(theirsToSteal.poll(), taken);
          stolen++;
        } else if (their != null
            && (their.priority.compareTo(own.priority) < 0
                // its owner left and the shares moved it here: as urgent as it is
                || !their.claimFrom.isAfter(now)
                    && shares.owns(their.taskId)
                    && byUrgency.compare(their, own) < 0)) {
          take(theirs.poll(), taken);
        } else {
          take(ready.poll(), taken);
        }
      }
      ready.addAll(blockedOwn);
      theirs.addAll(blockedTheirs);
      theirsToSteal.addAll(blockedSteal);
      return taken;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues another node's due entry: its owner claims it first, then the next node on the task's
   * list, and so on, {@link WorkShares#STEAL_AFTER} apart. Requires lock.
   */
  private void deferToOwner(QueueEntry entry, Instant now) {
    entry.defer(now, Duration.ofNanos(STEAL_AFTER_NANOS * Math.max(1, shares.place(entry.taskId))));
    waiting.add(entry);
    theirs.add(entry);
  }

  private static final long STEAL_AFTER_NANOS = WorkShares.STEAL_AFTER.toNanos();

  /** Drops the dead entries of {@code heap} when they are more than its live ones. */
  private void sweepIfMostlyDead(PriorityQueue<QueueEntry> heap) {
    if (heap.size() > 64 && heap.size() > 2 * live.size()) {
      heap.removeIf(e -> !e.live);
    }
  }

  /**
   * The most urgent live entry of {@code due} that a slot may take now, left in place; dropped
   * entries are polled, and those whose kind or resources are full set aside in {@code blocked}.
   * Requires lock.
   */
  private @Nullable QueueEntry dispatchableHead(
      PriorityQueue<QueueEntry> due, List<QueueEntry> blocked) {
    for (QueueEntry head = due.peek(); head != null; head = due.peek()) {
      if (!head.live) {
        due.poll();
      } else if (!head.spawnsRuns
          && (kindFull(head.executorKind) || resourcesFull(head.resources))) {
        blocked.add(due.poll());
      } else {
        return head;
      }
    }
    return null;
  }

  /** Reserves a slot for {@code next} and hands it out. Requires lock. */
  private void take(@Nullable QueueEntry next, List<QueueEntry> taken) {
    if (next == null) {
      return;
    }
    if (!next.spawnsRuns) {
      next.resources.forEach(r -> resourcesInUse.merge(r, 1, Integer::sum));
    }
    next.live = false;
    live.remove(next.taskId);
    takenVersions.put(next.taskId, next.version);
    count(next, -1);
    running++;
    runningByKind.merge(next.executorKind, 1, Integer::sum);
    taken.add(next);
  }

  /**
   * Gives back what taking {@code entry} held: its slot, and its resources unless it spawns run
   * tasks (those take their own). For an entry taken and then not run.
   */
  void releaseTaken(QueueEntry entry) {
    release(entry.executorKind, entry.spawnsRuns ? List.of() : entry.resources);
  }

  /** Gives back a slot taken by {@link #takeDispatchable}. */
  void release(String executorKind, List<String> resources) {
    lock.lock();
    try {
      running--;
      runningByKind.merge(executorKind, -1, Integer::sum);
      resources.forEach(r -> resourcesInUse.merge(r, -1, Integer::sum));
      if (!ready.isEmpty() || !theirsToSteal.isEmpty()) {
        signalTicker();
      }
      if (running == 0) {
        drained.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The earliest instant a waiting entry may be taken; null when none wait. */
  @Nullable Instant nextDue() {
    lock.lock();
    try {
      for (QueueEntry head = waiting.peek(); head != null; head = waiting.peek()) {
        if (head.live) {
          return head.claimFrom;
        }
        waiting.poll();
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks the ticker until {@code wakeAt} (by {@code clock}), or indefinitely when it is null,
   * unless signalled first. Returns at once when a signal arrived since the last {@link
   * #takeDispatchable}.
   */
  void awaitUntil(@Nullable Instant wakeAt, InstantSource clock) throws InterruptedException {
    lock.lock();
    try {
      if (wakePending) {
        // Consumed here, by the one who waits: a ticker that skips takeDispatchable (dispatch is
        // paused) would otherwise find it set for ever and spin.
        wakePending = false;
        return;
      }
      if (wakeAt == null) {
        wake.await();
      } else {
        long nanos = nanosUntil(wakeAt, clock);
        if (nanos > 0) {
          wake.awaitNanos(nanos);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Wakes the ticker, e.g. to stop it or because the clock was moved by hand. */
  void wakeTicker() {
    lock.lock();
    try {
      signalTicker();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until no slot is in use, at most {@code timeout}; returns whether none is. */
  boolean awaitDrained(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (running > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = drained.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return live.size();
    } finally {
      lock.unlock();
    }
  }

  /** Queued tasks by status and priority (only non-zero counts). */
  Map<TaskStatus, Map<Priority, Integer>> depth() {
    lock.lock();
    try {
      Map<TaskStatus, Map<Priority, Integer>> copy = new EnumMap<>(TaskStatus.class);
      depth.forEach((status, byPriority) -> copy.put(status, Map.copyOf(byPriority)));
      return copy;
    } finally {
      lock.unlock();
    }
  }

  /** Requires lock. */
  private void kill(QueueEntry entry) {
    entry.live = false;
    live.remove(entry.taskId);
    count(entry, -1);
  }

  /** Requires lock. */
  private void count(QueueEntry entry, int delta) {
    EnumMap<Priority, Integer> byPriority =
        depth.computeIfAbsent(entry.status, s -> new EnumMap<>(Priority.class));
    int updated = byPriority.getOrDefault(entry.priority, 0) + delta;
    if (updated == 0) {
      byPriority.remove(entry.priority);
      if (byPriority.isEmpty()) {
        depth.remove(entry.status);
      }
    } else {
      byPriority.put(entry.priority, updated);
    }
  }

  /** Requires lock. */
  private boolean resourcesFull(List<String> resources) {
    for (String resource : resources) {
      if (resourcesInUse.getOrDefault(resource, 0) >= resourceCapacity.getOrDefault(resource, 0)) {
        return true;
      }
    }
    return false;
  }

  private boolean kindFull(String kind) {
    Integer limit = maxConcurrentByKind.get(kind);
    return limit != null && runningByKind.getOrDefault(kind, 0) >= limit;
  }

  /** Requires lock. */
  private void signalTicker() {
    wakePending = true;
    wake.signal();
  }

  private static long nanosUntil(Instant wakeAt, InstantSource clock) {
    Duration wait = Duration.between(clock.instant(), wakeAt);
    // Clamp: Duration.toNanos overflows beyond ~292 years.
    if (wait.compareTo(Duration.ofDays(365)) > 0) {
      return TimeUnit.DAYS.toNanos(365);
    }
    return wait.toNanos();
  }
}
