package dev.schedulerd.store.jdbc;

import java.sql.SQLException;

/**
 * How a store reaches its database: where each unit of work gets a connection and how it is
 * committed. A failure of the database is thrown as {@link dev.schedulerd.api.store.StoreException}
 * naming the database; a {@link RuntimeException} of the work itself is thrown as it is, after the
 * work's changes were undone.
 */
public interface Transactions extends AutoCloseable {

  /** One unit of work on a session. */
  interface Work<T> {
    T run(Session session) throws SQLException;
  }

  /**
   * Runs {@code work} atomically: all its writes commit, or none (when it throws). Returns once
   * committed, and tells the store's change listeners afterwards.
   */
  <T> T write(Work<T> work);

  /**
   * {@link #write} of the scheduler's own bookkeeping of runs (a claim, a lease renewal, a run's
   * end), which no client's write waits on to be on disk: a database that syncs each commit may
   * commit it without waiting for the disk, provided it is synced soon after, with the next commit
   * that is or within a bound it names. A power cut in between loses it as it would lose a run
   * under way: the run is run again (a client that waited for the run's end, e.g. through {@code
   * scheduler_wait_for_run}, may have been told of it). The default is {@link #write}.
   */
  default <T> T writeSyncedSoon(Work<T> work) {
    return write(work);
  }

  /**
   * Runs {@code work}, which writes with one statement: on its own, committed by the database as it
   * runs it, where {@link Dialect#singleStatementWrites} says so; else as {@link #write}.
   */
  <T> T writeStatement(Work<T> work);

  /** Runs {@code work}, which only reads. */
  <T> T read(Work<T> work);

  /** Runs {@code work}, which only reads, on one snapshot of the database. */
  <T> T readSnapshot(Work<T> work);

  /** Finishes the writes under way and releases the connections. */
  @Override
  void close();
}
