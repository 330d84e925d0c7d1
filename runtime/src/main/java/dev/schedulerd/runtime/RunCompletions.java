package dev.schedulerd.runtime;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes finished runs together: the runs that end while a batch is being written go into the next
 * one, a single store transaction ({@link TaskStore#writeAll}), instead of a transaction each. A
 * node finishing hundreds of runs a second commits a few dozen times. Each caller still waits for
 * its own run's write and gets what {@link TaskStore#write} would have answered: the task as
 * written, empty when its lease was lost, or the store's error.
 *
 * <p>One writer at a time: the run that finds none writing writes, its own run and whatever waits
 * (so an uncontended run writes on its own thread, as before), for at most {@value #LEADER_BATCHES}
 * batches, then hands the rest to a virtual thread. A batch holds at most one write per task (two
 * runs of a task that may overlap go in consecutive batches). A write the batch left out (its
 * condition failed, or the store skipped a row another writer held) is written again on its own,
 * which waits for the row and answers for certain.
 */
final class RunCompletions {
  /** Runs written in one transaction at most. */
  static final int MAX_BATCH = 256;

  /** Batches a run's own thread writes for others before it hands over to a thread of its own. */
  static final int LEADER_BATCHES = 4;

  private final TaskStore store;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>(); // guarded by lock
  private boolean writing; // guarded by lock

  private record Pending(TaskWrite write, CompletableFuture<Optional<StoredTask>> result) {}

  RunCompletions(TaskStore store) {
    this.store = store;
  }

  /**
   * Writes {@code write} (a finished run) with whatever else finished meanwhile.
   *
   * @throws RuntimeException the store's, when the batch could not be written
   */
  Optional<StoredTask> write(TaskWrite write) {
    Pending pending = new Pending(write, new CompletableFuture<>());
    boolean lead;
    lock.lock();
    try {
      waiting.add(pending);
      lead = !writing;
      writing = true;
    } finally {
      lock.unlock();
    }
    if (lead) {
      writeWhileWaiting(LEADER_BATCHES);
    }
    try {
      return pending.result().join(); // bounded: every store call is (README, bounded waits)
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
  }

  /** Runs waiting for a batch (tests watch it). */
  int waiting() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** Writes batches while runs wait, at most {@code batches} (then hands over), or until none. */
  private void writeWhileWaiting(int batches) {
    for (int written = 0; ; written++) {
      List<Pending> batch = new ArrayList<>();
      lock.lock();
      try {
        if (waiting.isEmpty()) {
          writing = false;
          return;
        }
        if (written == batches) {
          Thread.ofVirtual() // still "writing": that thread goes on
              .name("schedulerd-run-completions")
              .start(() -> writeWhileWaiting(Integer.MAX_VALUE));
          return;
        }
        Set<String> tasks = new HashSet<>();
        List<Pending> later = new ArrayList<>();
        while (!waiting.isEmpty() && batch.size() < MAX_BATCH) {
          Pending next = waiting.poll();
          (tasks.add(next.write().taskId()) ? batch : later).add(next);
        }
        for (int i = later.size() - 1; i >= 0; i--) {
          waiting.addFirst(later.get(i)); // in the next batch, in their order
        }
      } finally {
        lock.unlock();
      }
      writeBatch(batch);
    }
  }

  private void writeBatch(List<Pending> batch) {
    if (batch.size() == 1) {
      writeAlone(batch.get(0));
      return;
    }
    List<StoredTask> written;
    try {
      written = store.writeAll(batch.stream().map(Pending::write).toList());
    } catch (RuntimeException | Error e) {
      batch.forEach(p -> p.result().completeExceptionally(e)); // each caller retries as it would
      return;
    }
    Map<String, StoredTask> byTask = new HashMap<>();
    written.forEach(task -> byTask.put(task.id(), task));
    for (Pending pending : batch) {
      StoredTask task = byTask.get(pending.write().taskId());
      if (task != null) {
        pending.result().complete(Optional.of(task));
      } else {
        writeAlone(pending);
      }
    }
  }

  private void writeAlone(Pending pending) {
    try {
      pending.result().complete(store.write(pending.write()));
    } catch (RuntimeException | Error e) {
      pending.result().completeExceptionally(e);
    }
  }
}
