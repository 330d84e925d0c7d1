package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.StoreException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Single adds of concurrent callers, written together: while {@code maxWriting} writes are under
 * way, further adds wait in line, and when a write ends the first in line writes all of them, up to
 * {@code maxBatch}, in one transaction (one commit where each would have taken its own). A caller
 * alone never waits for anyone: its add is written at once, as before. Each caller learns its own
 * outcome: added, its id taken (another task, or an add earlier in the same batch), or the write's
 * failure.
 *
 * <p>A database whose commits are fsyncs and whose statements share two cores with the scheduler
 * takes several times the adds per second this way (BENCHMARKS.md, issue 20); SQLite's writer
 * groups its writes itself.
 *
 * @param <T> an add as the writer takes it
 */
final class CombinedAdds<T> {
  /** Writes a batch of adds in one transaction: for each, whether it was added. */
  @FunctionalInterface
  interface BatchWriter<T> {
    boolean[] write(List<T> adds);
  }

  /**
   * How long a waiting add waits for the write that carries it: longer than the store's own bound
   * on a statement (PostgreSQL's socket timeout, 60 s), so that it only ends a wait no bound did.
   */
  static final Duration MAX_WAIT = Duration.ofMinutes(3);

  private final BatchWriter<T> writer;
  private final int maxWriting;
  private final int maxBatch;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Pending<T>> waiting = new ArrayDeque<>(); // guarded by lock
  private int writing; // guarded by lock: writes under way

  CombinedAdds(BatchWriter<T> writer, int maxWriting, int maxBatch) {
    if (maxWriting < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("maxWriting and maxBatch must be at least 1");
    }
    this.writer = writer;
    this.maxWriting = maxWriting;
    this.maxBatch = maxBatch;
  }

  /**
   * Adds {@code add}, alone or with others'.
   *
   * @param id the add's task id, for the duplicate's exception
   * @throws DuplicateTaskException when the id was taken
   * @throws StoreException when the write failed, or the wait for it ran out or was interrupted
   *     while the add still waited in line (then it was not written)
   */
  void add(String id, T add) {
    Pending<T> mine = new Pending<>(add);
    boolean alone;
    lock.lock();
    try {
      alone = writing < maxWriting;
      if (alone) {
        writing++;
      } else {
        waiting.add(mine);
      }
    } finally {
      lock.unlock();
    }
    if (alone) {
      writeAndHandOn(List.of(mine));
    } else {
      List<Pending<T>> batch = awaitTurn(mine);
      if (batch != null) {
        // Others' adds ride on this write: an interrupt of this caller must not cut it short.
        boolean interrupted = Thread.interrupted();
        try {
          writeAndHandOn(batch);
        } finally {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }
    mine.outcome(id);
  }

  /** Null once another caller wrote the add; else the batch this caller now writes. */
  private @Nullable List<Pending<T>> awaitTurn(Pending<T> mine) {
    boolean interrupted = false;
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    try {
      while (true) {
        try {
          return mine.turn.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          if (leaveLine(mine)) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while its add waited to be written; not added");
          }
          interrupted = true; // already in a write: its outcome comes, and may be to write it
        } catch (TimeoutException e) {
          if (leaveLine(mine)) {
            throw new StoreException(
                "the add waited " + MAX_WAIT.toSeconds() + " s to be written; not added");
          }
          deadline = System.nanoTime() + MAX_WAIT.toNanos(); // in a write, which is bounded
        } catch (ExecutionException e) {
          throw new IllegalStateException("an add's turn never fails", e);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Adds waiting in line now (for tests). */
  int waiting() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  private boolean leaveLine(Pending<T> mine) {
    lock.lock();
    try {
      return waiting.remove(mine);
    } finally {
      lock.unlock();
    }
  }

  /** Writes {@code batch}, tells each of its callers, then hands the next write to one in line. */
  private void writeAndHandOn(List<Pending<T>> batch) {
    try {
      List<T> adds = new ArrayList<>(batch.size());
      for (Pending<T> pending : batch) {
        adds.add(pending.add);
      }
      boolean[] added = writer.write(adds);
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).done(added[i], null);
      }
    } catch (RuntimeException e) {
      if (batch.size() == 1) {
        batch.get(0).done(false, e);
      } else {
        writeOneByOne(batch); // one add may have failed the statement (a deadlock, a lock wait)
      }
    } catch (Error e) {
      for (Pending<T> pending : batch) {
        pending.done(false, e);
      }
      throw e;
    } finally {
      handOn();
    }
  }

  /**
   * Each add of a failed batch on its own, so that one add's failure is its own; after two failures
   * in a row the others are told the last one (the database is away: no use trying each).
   */
  private void writeOneByOne(List<Pending<T>> batch) {
    int failedInARow = 0;
    RuntimeException last = null;
    for (Pending<T> pending : batch) {
      if (failedInARow >= 2 && last != null) {
        pending.done(false, last);
        continue;
      }
      try {
        pending.done(writer.write(List.of(pending.add))[0], null);
        failedInARow = 0;
      } catch (RuntimeException e) {
        pending.done(false, e);
        last = e;
        failedInARow++;
      } catch (Error e) {
        for (Pending<T> each : batch) {
          each.done(false, e); // those told already keep their outcome
        }
        throw e;
      }
    }
  }

  private void handOn() {
    lock.lock();
    try {
      if (waiting.isEmpty()) {
        writing--;
        return;
      }
      List<Pending<T>> next = new ArrayList<>(Math.min(waiting.size(), maxBatch));
      while (!waiting.isEmpty() && next.size() < maxBatch) {
        next.add(waiting.poll());
      }
      for (int i = 1; i < next.size(); i++) {
        next.get(i).turn.complete(null); // to wait for the outcome, which the first writes
      }
      next.get(0).turn.complete(next); // the write stays counted: it passes to them
    } finally {
      lock.unlock();
    }
  }

  /** One caller's add: its turn (null: another writes it) and then its outcome. */
  private static final class Pending<T> {
    final T add;
    final CompletableFuture<@Nullable List<Pending<T>>> turn = new CompletableFuture<>();

    /** Boolean.TRUE added, FALSE its id taken, or the write's failure (a Throwable). */
    private final CompletableFuture<Object> written = new CompletableFuture<>();

    Pending(T add) {
      this.add = add;
    }

    void done(boolean added, @Nullable Throwable failure) {
      written.complete(failure != null ? failure : (Object) added);
    }

    /** Waits for the write that carries this add (bounded by that write's own bounds). */
    void outcome(String id) {
      Object outcome = written.join();
      if (outcome instanceof DuplicateTaskException || Boolean.FALSE.equals(outcome)) {
        throw new DuplicateTaskException(id);
      }
      if (outcome instanceof StoreException failure) {
        // Each caller its own exception (one made in another thread would tell of that thread).
        String message = failure.getMessage();
        throw new StoreException(message != null ? message : failure.toString(), failure);
      }
      if (outcome instanceof Throwable failure) {
        throw new StoreException("writing the add of '" + id + "' failed: " + failure, failure);
      }
    }
  }
}
