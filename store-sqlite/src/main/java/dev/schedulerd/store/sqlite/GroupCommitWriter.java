package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.jdbc.Session;
import dev.schedulerd.store.jdbc.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies every write of this process on one connection and one thread, committing whatever arrived
 * together in one transaction: a burst of writes from many threads costs one fsync, not one per
 * write. Callers block until their write is committed, so an acknowledged write is on disk.
 *
 * <p>The writer thread only writes: a committed batch goes to a second thread, which checks the
 * file is still the one opened, wakes the batch's callers and tells the listeners. Waking a caller
 * costs the waker up to tens of microseconds; done by the writer it was a fifth of its time, and
 * the writer's time is the store's throughput.
 *
 * <p>With {@code synchronous=full}, a batch of the scheduler's own bookkeeping alone (claims,
 * renewals, runs' ends: {@link Transactions#writeSyncedSoon}) commits without waiting for the disk
 * and is synced soon after ({@link LogSync}): a client's add waits for its own fsync, not for the
 * runs' ones before it.
 *
 * <p>Each batch runs under {@code BEGIN IMMEDIATE}, which takes SQLite's write lock up front: a
 * write's reads and its conditional update see the same data even with other processes writing.
 * Each write runs inside its own savepoint, so one that fails (a duplicate id, say) is undone alone
 * and the rest of the batch still commits.
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_BATCH = 512;

  /**
   * @param synced whether its caller waits for it to be on disk
   */
  private record Pending<T>(
      Transactions.Work<T> write, CompletableFuture<T> result, boolean synced) {}

  /** A committed batch with each write's result or failure, for the acknowledger. */
  private record Committed(
      List<Pending<?>> batch,
      List<@Nullable Object> results,
      List<@Nullable RuntimeException> failures) {}

  /** Queued by the writer as it stops: the acknowledger stops after what was queued before. */
  private static final Committed ACKNOWLEDGER_STOP = new Committed(List.of(), List.of(), List.of());

  /** Queued by {@link #close()}: the writer stops after the writes queued before it. */
  private static final Pending<Boolean> STOP =
      new Pending<>(session -> Boolean.TRUE, new CompletableFuture<>(), true);

  /** The writer's connection with its reused statements; touched by the writer thread alone. */
  private final PreparedStatements statements;

  private final String file;
  private final StoreFileGuard guard;
  private final Runnable afterCommit;
  private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<Committed> committed = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Thread acknowledger;
  private final AtomicLong commits = new AtomicLong();

  /** When commits fsync; the writer thread's. */
  private final LogSync logSync;

  /** Batches handed to the acknowledger and not yet acknowledged: callers hear in commit order. */
  private final AtomicInteger handedOn = new AtomicInteger();

  private volatile boolean closed; // set under submitLock

  private final ReentrantLock submitLock = new ReentrantLock();

  GroupCommitWriter(
      PreparedStatements statements,
      String file,
      boolean fullSync,
      Duration syncWithin,
      StoreFileGuard guard,
      Runnable afterCommit) {
    this.statements = statements;
    this.logSync = new LogSync(statements, guard, file, fullSync, syncWithin);
    this.file = file;
    this.guard = guard;
    this.afterCommit = afterCommit;
    this.acknowledger =
        Thread.ofPlatform()
            .daemon()
            .name("schedulerd-sqlite-acknowledger")
            .start(this::acknowledgeLoop);
    this.thread =
        Thread.ofPlatform().daemon().name("schedulerd-sqlite-writer").start(this::writeLoop);
  }

  /** Runs {@code write} in the next batch and waits until that batch is committed. */
  <T> T execute(Transactions.Work<T> write) {
    return execute(write, true);
  }

  /**
   * Runs {@code write} in the next batch and waits until that batch is committed; when not {@code
   * synced}, maybe without waiting for the disk (synced within the writer's bound).
   */
  <T> T execute(Transactions.Work<T> write, boolean synced) {
    CompletableFuture<T> result = new CompletableFuture<>();
    submitLock.lock();
    try { // never behind the STOP that close() queues: nothing would ever write it
      if (closed) {
        throw new StoreException("the SQLite store " + file + " is closed");
      }
      queue.add(new Pending<>(write, result, synced));
    } finally {
      submitLock.unlock();
    }
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // The write may still commit; the caller's conditional writes make a retry safe.
      throw new StoreException("interrupted while waiting for a write to " + file, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new StoreException("write to " + file + " failed: " + e.getCause(), e);
    }
  }

  private void writeLoop() {
    boolean stop = false;
    while (!stop) {
      List<Pending<?>> batch = new ArrayList<>(); // handed on to the acknowledger when committed
      try {
        Pending<?> first = nextOrSync();
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        stop = batch.remove(STOP);
        if (!batch.isEmpty()) {
          commit(batch);
        }
      } catch (InterruptedException e) {
        stop = true;
      } catch (RuntimeException | Error e) { // never let the writer thread die silently
        log.error("The SQLite writer failed on a batch of {} writes", batch.size(), e);
        for (Pending<?> pending : batch) {
          pending.result().completeExceptionally(e);
        }
      }
    }
    logSync.syncNow(); // what is left unsynced as the writer stops
    statements.discard();
    committed.add(ACKNOWLEDGER_STOP);
  }

  /** Acknowledges committed batches in commit order until the writer stops. */
  private void acknowledgeLoop() {
    while (true) {
      Committed next;
      try {
        next = committed.take();
      } catch (InterruptedException e) {
        // Only close() interrupts, when the writer hung: what it queued is said to have failed.
        failAll(new StoreException("the SQLite store " + file + " is closed"));
        return;
      }
      if (next == ACKNOWLEDGER_STOP) {
        return;
      }
      try {
        acknowledge(next);
      } catch (RuntimeException | Error e) { // a caller must never wait forever
        log.error("Acknowledging {} committed writes failed", next.batch().size(), e);
        for (Pending<?> pending : next.batch()) {
          pending.result().completeExceptionally(e);
        }
      } finally {
        handedOn.decrementAndGet();
      }
    }
  }

  private void commit(List<Pending<?>> batch) {
    List<@Nullable Object> results = new ArrayList<>(batch.size());
    List<@Nullable RuntimeException> failures = new ArrayList<>(batch.size());
    // Lost already: no work into it. The file itself is looked at after each commit, the moment
    // that decides what is acknowledged.
    String known = guard.knownProblem();
    if (known != null) {
      StoreException lost = new StoreException(known);
      for (Pending<?> pending : batch) {
        pending.result().completeExceptionally(lost);
      }
      return;
    }
    try {
      boolean sync = logSync.beforeCommit(batch.stream().anyMatch(Pending::synced));
      execute("BEGIN IMMEDIATE");
      try {
        long changeSeq = readChangeCounter();
        BatchContext context = new BatchContext(changeSeq);
        for (Pending<?> pending : batch) {
          execute("SAVEPOINT write");
          try {
            results.add(pending.write().run(context));
            failures.add(null);
            execute("RELEASE write");
          } catch (SQLException e) {
            undo();
            results.add(null);
            failures.add(storeFailure(e));
          } catch (RuntimeException e) {
            undo();
            results.add(null);
            failures.add(e);
          }
        }
        if (context.changeSeq != changeSeq) {
          PreparedStatement counter = prepared("UPDATE change_counter SET value = ?");
          counter.setLong(1, context.changeSeq);
          counter.executeUpdate();
        }
        execute("COMMIT");
        commits.incrementAndGet();
        logSync.committed(sync);
      } catch (SQLException | RuntimeException | Error e) {
        // An Error thrown by a write too: a transaction left open would make every later
        // batch's BEGIN fail until a restart.
        rollbackQuietly();
        throw e;
      }
    } catch (SQLException e) {
      StoreException failure = storeFailure(e);
      for (Pending<?> pending : batch) {
        pending.result().completeExceptionally(failure);
      }
      return;
    }
    Committed done = new Committed(batch, results, failures);
    if (queue.isEmpty() && handedOn.get() == 0 || !acknowledger.isAlive()) {
      acknowledge(done); // nothing waits to be written: no thread between commit and callers
    } else {
      handedOn.incrementAndGet();
      committed.add(done);
    }
  }

  /** After a batch's commit: its callers hear of it, unless the file was lost meanwhile. */
  private void acknowledge(Committed done) {
    List<Pending<?>> batch = done.batch();
    String lostMeanwhile = guard.problem();
    if (lostMeanwhile != null) {
      // Lost between the check before the batch and its commit: committed into a file that no
      // restart opens, so acknowledged to no one.
      StoreException lost = new StoreException(lostMeanwhile);
      for (Pending<?> pending : batch) {
        pending.result().completeExceptionally(lost);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), done.results().get(i), done.failures().get(i));
    }
    try {
      afterCommit.run();
    } catch (RuntimeException e) {
      log.warn("A store change listener failed", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(
      Pending<T> pending, @Nullable Object result, @Nullable RuntimeException failure) {
    if (failure != null) {
      pending.result().completeExceptionally(failure);
    } else {
      pending.result().complete((T) result);
    }
  }

  /**
   * Undoes the current write alone; the batch goes on. The cached statements are dropped too: a
   * write that failed half way may have left one mid-step.
   */
  private void undo() throws SQLException {
    statements.discard();
    execute("ROLLBACK TO write");
    execute("RELEASE write");
  }

  private long readChangeCounter() throws SQLException {
    try (ResultSet rs = prepared("SELECT value FROM change_counter").executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the change_counter row is missing");
      }
      return rs.getLong(1);
    }
  }

  private void rollbackQuietly() {
    statements.discard();
    try {
      execute("ROLLBACK");
    } catch (SQLException ignored) {
      // no transaction was open (BEGIN itself failed)
    }
  }

  private void execute(String sql) throws SQLException {
    prepared(sql).execute();
  }

  private PreparedStatement prepared(String sql) throws SQLException {
    return statements.get(sql);
  }

  private StoreException storeFailure(SQLException e) {
    return new StoreException("write to " + file + " failed: " + e.getMessage(), e);
  }

  /** Fails what no thread will finish: queued writes, and commits a hung writer left unsaid. */
  private void failAll(RuntimeException failure) {
    Pending<?> pending;
    while ((pending = queue.poll()) != null) {
      pending.result().completeExceptionally(failure);
    }
    Committed done;
    while ((done = committed.poll()) != null) {
      done.batch().forEach(p -> p.result().completeExceptionally(failure));
    }
  }

  /** Finishes the writes already queued, then stops the thread. */
  @Override
  public void close() {
    submitLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(STOP);
    } finally {
      submitLock.unlock();
    }
    try {
      thread.join(30_000);
      acknowledger.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    acknowledger.interrupt(); // stopped already unless the writer hung
    failAll(new StoreException("the SQLite store " + file + " is closed"));
  }

  /** Transactions committed so far. */
  long commits() {
    return commits.get();
  }

  /** Transactions committed so far with an fsync of the log (the writer's own syncs included). */
  long syncedCommits() {
    return logSync.syncedCommits();
  }

  /**
   * The next queued write; or, when a commit waits for its fsync and no write comes before the
   * bound, null after syncing.
   */
  private @Nullable Pending<?> nextOrSync() throws InterruptedException {
    long left = logSync.nanosToSync();
    if (left < 0) {
      return queue.take();
    }
    Pending<?> next = queue.poll(left, TimeUnit.NANOSECONDS);
    if (next == null) {
      logSync.syncNow();
    }
    return next;
  }

  /** Closes the connection; call after {@link #close()}. */
  void closeConnection() {
    statements.close();
  }

  /**
   * What each write of a batch sees: the writer's connection with its reused statements (prepared
   * once, by every later batch too; {@code sql} must be a constant or the cache would grow without
   * bound), and the change counter, advanced in memory and written once at commit.
   */
  private final class BatchContext implements Session {
    private long changeSeq;

    BatchContext(long changeSeq) {
      this.changeSeq = changeSeq;
    }

    @Override
    public PreparedStatement prepare(String sql) throws SQLException {
      return GroupCommitWriter.this.prepared(sql);
    }

    @Override
    public long reserveChangeSeqs(int count) {
      long first = changeSeq + 1;
      changeSeq += count;
      return first;
    }
  }
}
