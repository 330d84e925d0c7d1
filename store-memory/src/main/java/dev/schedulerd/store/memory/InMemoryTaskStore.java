package dev.schedulerd.store.memory;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.ChangeListeners;
import dev.schedulerd.api.store.ChangeNotifier;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.NodeRegistry;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TaskStore} held in this process's memory: nothing survives the process. Several
 * schedulers in one JVM may share an instance, exactly as processes share a database.
 *
 * <p>Thread-safe: one lock guards all state; every operation is O(log n) apart from {@link #list}.
 * Keeps the newest {@value #RUNS_KEPT_PER_TASK} run records per task.
 */
public final class InMemoryTaskStore implements TaskStore {
  static final int RUNS_KEPT_PER_TASK = 1_000;

  private record LeaseKey(Instant expiresAt, String taskId) {}

  private static final Comparator<LeaseKey> LEASE_ORDER =
      (a, b) -> {
        int byExpiry = a.expiresAt().compareTo(b.expiresAt());
        return byExpiry != 0 ? byExpiry : a.taskId().compareTo(b.taskId());
      };

  private final ReentrantLock lock = new ReentrantLock();

  // All fields below are guarded by lock.
  /**
   * Each task with the number of its latest change. A removed task's slot stays, without a task, as
   * its tombstone for the change feed. One small object per task, where a second map of boxed
   * change numbers cost twice as much.
   */
  private final Map<String, Slot> slots = new HashMap<>();

  private static final class Slot {
    final String taskId;
    @Nullable StoredTask task;
    long changeSeq;

    Slot(String taskId) {
      this.taskId = taskId;
    }
  }

  /**
   * The change log: tasks' slots in change order, {@code logSeqs[i]} the change number of {@code
   * logSlots[i]}, ascending. An entry is current when it is its task's latest change ({@link
   * #slots}); superseded entries are dropped by {@link #compactLog}. A removed task's last entry
   * stays as its tombstone. Appending is O(1), where a sorted map cost a tree insert and delete per
   * write.
   */
  private long[] logSeqs = new long[64];

  private Slot[] logSlots = new Slot[64]; // slots, not ids: checking an entry needs no lookup
  private int logSize;

  private final Map<String, ArrayDeque<KeptRun>> runs = new HashMap<>();

  /** Run records are numbered as they are written: the order pages follow, as the SQL stores'. */
  private long runsWritten; // guarded by lock

  private record KeptRun(long seq, RunRecord run) {}

  private final NavigableSet<LeaseKey> leases = new TreeSet<>(LEASE_ORDER);
  private long changeSeq;
  private boolean closed;

  private final ChangeListeners listeners = new ChangeListeners();
  private final Map<String, NodeInfo> nodes = new ConcurrentHashMap<>();

  private final NodeRegistry nodeRegistry =
      new NodeRegistry() {
        @Override
        public void heartbeat(NodeInfo node) {
          nodes.put(node.nodeId(), node);
        }

        @Override
        public List<NodeInfo> nodes(Instant since) {
          return nodes.values().stream()
              .filter(n -> !n.lastHeartbeat().isBefore(since))
              .sorted(Comparator.comparing(NodeInfo::nodeId))
              .toList();
        }
      };

  /** Heartbeats of the schedulers sharing this instance. */
  @Override
  public Optional<NodeRegistry> nodeRegistry() {
    return Optional.of(nodeRegistry);
  }

  /** Calls listeners after every write. */
  @Override
  public Optional<ChangeNotifier> changeNotifier() {
    return Optional.of(listeners);
  }

  @Override
  public List<StoredTask> insertAll(List<StoredTask> tasks) {
    List<StoredTask> stored = new ArrayList<>(tasks.size());
    lock.lock();
    try {
      checkOpen();
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (StoredTask task : tasks) {
        if (current(task.id()) != null || !ids.add(task.id())) {
          throw new DuplicateTaskException(task.id());
        }
      }
      for (StoredTask task : tasks) {
        StoredTask written = new StoredTask(task.definition(), task.state().withVersion(1));
        write(written);
        stored.add(written);
      }
    } finally {
      lock.unlock();
    }
    listeners.changed();
    return stored;
  }

  /**
   * Puts back a task exactly as it was saved (state and version included) with its run records,
   * oldest first; for stores that keep tasks in memory and persist them elsewhere.
   *
   * @throws DuplicateTaskException when a task with the same id exists
   */
  public void restore(StoredTask task, List<RunRecord> runsOldestFirst) {
    lock.lock();
    try {
      checkOpen();
      if (current(task.id()) != null) {
        throw new DuplicateTaskException(task.id());
      }
      write(task);
      runsOldestFirst.forEach(this::appendRunLocked);
    } finally {
      lock.unlock();
    }
    listeners.changed();
  }

  @Override
  public Optional<StoredTask> find(String taskId) {
    lock.lock();
    try {
      checkOpen();
      return Optional.ofNullable(current(taskId));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<StoredTask> list() {
    lock.lock();
    try {
      checkOpen();
      List<StoredTask> all = new ArrayList<>(slots.size());
      for (Slot slot : slots.values()) {
        if (slot.task != null) {
          all.add(slot.task);
        }
      }
      all.sort(Comparator.comparing(StoredTask::id));
      return all;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<StoredTask> write(TaskWrite write) {
    Optional<StoredTask> written;
    lock.lock();
    try {
      written = writeLocked(write);
    } finally {
      lock.unlock();
    }
    if (written.isPresent()) {
      listeners.changed();
    }
    return written;
  }

  /** All under one hold of the lock. */
  @Override
  public List<StoredTask> writeAll(List<TaskWrite> writes) {
    List<StoredTask> written = new ArrayList<>(writes.size());
    lock.lock();
    try {
      for (TaskWrite write : writes) {
        writeLocked(write).ifPresent(written::add);
      }
    } finally {
      lock.unlock();
    }
    if (!written.isEmpty()) {
      listeners.changed();
    }
    return written;
  }

  /**
   * Newest first, in the order the records were written (records written together, such as the fire
   * times a catch-up passed over, keep their order); the cursor is a position in it.
   */
  @Override
  public RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor) {
    long before;
    try {
      before = cursor == null ? Long.MAX_VALUE : Long.parseLong(cursor);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cursor '" + cursor + "' is not one this store gave", e);
    }
    List<KeptRun> kept = new ArrayList<>();
    lock.lock();
    try {
      checkOpen();
      if (taskId == null) {
        runs.values().forEach(kept::addAll);
      } else {
        ArrayDeque<KeptRun> ofTask = runs.get(taskId);
        if (ofTask != null) {
          kept.addAll(ofTask);
        }
      }
    } finally {
      lock.unlock();
    }
    List<KeptRun> page =
        kept.stream()
            .filter(k -> k.seq() < before)
            .sorted(Comparator.comparingLong(KeptRun::seq).reversed())
            .limit(limit + 1L)
            .toList();
    boolean more = page.size() > limit;
    List<KeptRun> shown = more ? page.subList(0, limit) : page;
    return new RunPage(
        shown.stream().map(KeptRun::run).toList(),
        more ? Long.toString(shown.get(shown.size() - 1).seq()) : null);
  }

  @Override
  public boolean delete(String taskId) {
    return deleteAt(taskId, null);
  }

  @Override
  public boolean delete(String taskId, long version) {
    return deleteAt(taskId, version);
  }

  /** Removes the task, if at {@code version} when one is given. */
  private boolean deleteAt(String taskId, @Nullable Long version) {
    lock.lock();
    try {
      checkOpen();
      Slot slot = slots.get(taskId);
      StoredTask removed = slot == null ? null : slot.task;
      if (slot == null || removed == null) {
        return false;
      }
      if (version != null && removed.version() != version) {
        return false;
      }
      slot.task = null;
      forgetLease(removed);
      runs.remove(taskId);
      recordChange(slot);
    } finally {
      lock.unlock();
    }
    listeners.changed();
    return true;
  }

  @Override
  public List<StoredTask> findExpiredLeases(Instant now, int limit) {
    lock.lock();
    try {
      checkOpen();
      List<StoredTask> expired = new ArrayList<>();
      for (LeaseKey key : leases) {
        if (expired.size() >= limit || key.expiresAt().isAfter(now)) {
          break;
        }
        StoredTask task = current(key.taskId());
        if (task != null) {
          expired.add(task);
        }
      }
      return expired;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<RunRecord> runs(String taskId, int limit) {
    lock.lock();
    try {
      checkOpen();
      ArrayDeque<KeptRun> records = runs.get(taskId);
      if (records == null) {
        return List.of();
      }
      List<RunRecord> newestFirst = new ArrayList<>(Math.min(limit, records.size()));
      Iterator<KeptRun> it = records.descendingIterator();
      while (it.hasNext() && newestFirst.size() < limit) {
        newestFirst.add(it.next().run());
      }
      return newestFirst;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ChangeSet changesSince(long cursor, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    lock.lock();
    try {
      checkOpen();
      List<StoredTask> changed = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      int from = firstLogIndexAfter(cursor);
      for (int i = from; i < logSize; i++) {
        Slot slot = logSlots[i];
        if (!isCurrentLogEntry(i)) {
          continue; // changed again later: reported at its latest place
        }
        StoredTask task = slot.task;
        String taskId = slot.taskId;
        if (task != null) {
          changed.add(task);
          if (changed.size() == limit) {
            return new ChangeSet(logSeqs[i], changed, removed);
          }
        } else {
          removed.add(taskId);
        }
      }
      return new ChangeSet(changeSeq, changed, removed);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  /** Requires lock held. */
  private Optional<StoredTask> writeLocked(TaskWrite write) {
    checkOpen();
    StoredTask current = current(write.taskId());
    Optional<StoredTask> next = write.applyTo(current);
    if (current != null && next.isPresent()) {
      forgetLease(current);
      write(next.get());
      write.runs().forEach(this::appendRunLocked);
    }
    return next;
  }

  /** Requires lock held. */
  private void write(StoredTask stored) {
    Slot slot = slots.computeIfAbsent(stored.id(), Slot::new);
    slot.task = stored;
    Lease lease = stored.state().lease();
    if (lease != null) {
      leases.add(new LeaseKey(lease.expiresAt(), stored.id()));
    }
    recordChange(slot);
  }

  /** Requires lock held. */
  private void forgetLease(StoredTask task) {
    @Nullable Lease lease = task.state().lease();
    if (lease != null) {
      leases.remove(new LeaseKey(lease.expiresAt(), task.id()));
    }
  }

  /** Requires lock held. */
  private void recordChange(Slot slot) {
    slot.changeSeq = ++changeSeq;
    if (logSize == logSeqs.length) {
      compactLog();
    }
    logSeqs[logSize] = changeSeq;
    logSlots[logSize] = slot;
    logSize++;
  }

  /**
   * Drops superseded log entries; grows the log when at least half of it is current, so appends
   * stay amortized O(1) and the log at most twice the number of tasks and tombstones. Requires lock
   * held.
   */
  private void compactLog() {
    int kept = 0;
    for (int i = 0; i < logSize; i++) {
      if (isCurrentLogEntry(i)) {
        logSeqs[kept] = logSeqs[i];
        logSlots[kept] = logSlots[i];
        kept++;
      }
    }
    java.util.Arrays.fill(logSlots, kept, logSize, null);
    logSize = kept;
    if (kept * 2 >= logSeqs.length) {
      logSeqs = java.util.Arrays.copyOf(logSeqs, logSeqs.length * 2);
      logSlots = java.util.Arrays.copyOf(logSlots, logSlots.length * 2);
    }
  }

  /** The task stored under {@code taskId}; null when there is none. Requires lock held. */
  private @Nullable StoredTask current(String taskId) {
    Slot slot = slots.get(taskId);
    return slot == null ? null : slot.task;
  }

  /** Whether log entry {@code i} is its task's latest change. Requires lock held. */
  private boolean isCurrentLogEntry(int i) {
    return logSlots[i].changeSeq == logSeqs[i];
  }

  /** The index of the first log entry with a change number above {@code cursor}. */
  private int firstLogIndexAfter(long cursor) {
    int low = 0;
    int high = logSize;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (logSeqs[mid] <= cursor) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** Requires lock held. */
  private void appendRunLocked(RunRecord run) {
    ArrayDeque<KeptRun> records = runs.computeIfAbsent(run.taskId(), id -> new ArrayDeque<>());
    records.addLast(new KeptRun(++runsWritten, run));
    if (records.size() > RUNS_KEPT_PER_TASK) {
      records.removeFirst();
    }
  }

  /** Requires lock held. */
  private void checkOpen() {
    if (closed) {
      throw new StoreException("the in-memory store is closed");
    }
  }
}
