package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.StoredTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The tasks this store object wrote lately, by the change number of their row: the change feed
 * (reading a node's own writes back) and a write reading the row it changes (a run's completion
 * after its claim) take the task as written instead of decoding its JSON again. On SQLite that
 * decoding was most of what the sync thread and the one writer thread did under a stream of runs.
 *
 * <p>Only where the store gives change numbers itself (a counter), so that a number names exactly
 * one committed write: a task is remembered after its transaction committed, never before, and a
 * row changed since has another number. Where the database computes the number (PostgreSQL), no
 * task is remembered and every read decodes.
 */
final class OwnWrites {
  /** Enough for the writes between two feed reads at tens of thousands of writes a second. */
  private static final int CAPACITY = 8_192;

  /** Remembers nothing: every row is decoded. */
  static final OwnWrites NONE = new OwnWrites(false);

  private final boolean enabled;
  private final ReentrantLock lock = new ReentrantLock();

  private final Map<Long, StoredTask> bySeq =
      new LinkedHashMap<>(CAPACITY * 2) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, StoredTask> eldest) {
          return size() > CAPACITY;
        }
      };

  OwnWrites(boolean enabled) {
    this.enabled = enabled;
  }

  /** Collects one transaction's written rows; {@link Written#remember} once it committed. */
  Written collect() {
    return new Written();
  }

  /** The task this store wrote with {@code changeSeq}, if it still remembers it. */
  @Nullable StoredTask find(long changeSeq) {
    if (!enabled) {
      return null;
    }
    lock.lock();
    try {
      return bySeq.get(changeSeq);
    } finally {
      lock.unlock();
    }
  }

  /** The rows one transaction wrote; cleared when the transaction's work runs again. */
  final class Written {
    private final List<Long> seqs = new ArrayList<>();
    private final List<StoredTask> tasks = new ArrayList<>();

    private Written() {}

    void clear() {
      seqs.clear();
      tasks.clear();
    }

    void add(long changeSeq, StoredTask task) {
      if (enabled) {
        seqs.add(changeSeq);
        tasks.add(task);
      }
    }

    /** Call once the transaction committed. */
    void remember() {
      if (!enabled || seqs.isEmpty()) {
        return;
      }
      lock.lock();
      try {
        for (int i = 0; i < seqs.size(); i++) {
          bySeq.put(seqs.get(i), tasks.get(i));
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
