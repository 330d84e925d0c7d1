package dev.schedulerd.store.sqlite;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the writer's commits fsync the write-ahead log. At {@code synchronous=full}, a commit a
 * caller waits on fsyncs; a commit of the scheduler's own bookkeeping alone (claims, renewals,
 * runs' ends) is made at {@code synchronous=normal}, without waiting for the disk. The log is one
 * file written in order, so the next fsynced commit puts those on disk too; when none comes within
 * the bound ({@link SqliteOptions#runsSyncedWithin}), the writer makes one, or commits the batch at
 * hand with an fsync when it is over the bound. At {@code normal} nothing fsyncs but checkpoints.
 *
 * <p>The writer thread's alone, but for {@link #syncedCommits}.
 */
final class LogSync {
  private static final Logger log = LoggerFactory.getLogger(LogSync.class);

  private final PreparedStatements statements;
  private final StoreFileGuard guard;
  private final String file;
  private final boolean fullSync;
  private final long syncWithinNanos;
  private final AtomicLong syncedCommits = new AtomicLong();

  /** The connection's {@code synchronous} now. */
  private boolean connectionSyncs;

  /** When the oldest commit not yet fsynced was made, or 0. */
  private long unsyncedSinceNanos;

  /** The last sync of the writer's own failed (said once until one succeeds). */
  private boolean failing;

  /**
   * @param fullSync whether {@code synchronous=full} was asked for (the connection opened so)
   * @param syncWithin how long a commit of bookkeeping alone may wait for its fsync; zero: none
   */
  LogSync(
      PreparedStatements statements,
      StoreFileGuard guard,
      String file,
      boolean fullSync,
      Duration syncWithin) {
    this.statements = statements;
    this.guard = guard;
    this.file = file;
    this.fullSync = fullSync;
    this.syncWithinNanos = syncWithin.toNanos();
    this.connectionSyncs = fullSync;
  }

  /**
   * Sets the connection for the next commit and says whether it fsyncs.
   *
   * @param awaited whether a write of the batch is one a caller waits on to be on disk
   */
  boolean beforeCommit(boolean awaited) throws SQLException {
    boolean sync = fullSync && (awaited || syncWithinNanos == 0 || nanosToSync() == 0);
    if (fullSync && sync != connectionSyncs) {
      statements.get(sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").execute();
      connectionSyncs = sync;
    }
    return sync;
  }

  /** After a commit {@link #beforeCommit} prepared. */
  void committed(boolean synced) {
    if (synced) {
      syncedCommits.incrementAndGet();
      unsyncedSinceNanos = 0;
    } else if (fullSync && unsyncedSinceNanos == 0) {
      unsyncedSinceNanos = System.nanoTime();
    }
  }

  /** How long the writer may wait for a write before it must sync; -1 when nothing waits. */
  long nanosToSync() {
    return unsyncedSinceNanos == 0
        ? -1
        : Math.max(0, unsyncedSinceNanos + syncWithinNanos - System.nanoTime());
  }

  /** Syncs what waits; a failure is logged (once in a row) and tried again after the bound. */
  void syncNow() {
    if (unsyncedSinceNanos == 0) {
      return;
    }
    try {
      sync();
      failing = false;
    } catch (SQLException | RuntimeException e) {
      if (!failing) {
        log.warn("Syncing {} failed: {}", file, e.getMessage());
      }
      failing = true;
      unsyncedSinceNanos = System.nanoTime();
    }
  }

  /** Commits that fsynced the log, the writer's own syncs included. */
  long syncedCommits() {
    return syncedCommits.get();
  }

  /**
   * A commit that fsyncs the log. It must change a row: SQLite writes nothing for a row written
   * back as it was, and a commit that wrote nothing syncs nothing. It advances the change counter
   * by one, a change number no row has (a feed reading past it finds nothing there).
   */
  private void sync() throws SQLException {
    if (guard.knownProblem() != null) {
      unsyncedSinceNanos = 0; // the file is lost: nothing in it is for anyone to read again
      return;
    }
    beforeCommit(true);
    statements.get("BEGIN IMMEDIATE").execute();
    try {
      statements.get("UPDATE change_counter SET value = value + 1").executeUpdate();
      statements.get("COMMIT").execute();
    } catch (SQLException | RuntimeException e) {
      statements.discard();
      try {
        statements.get("ROLLBACK").execute();
      } catch (SQLException ignored) {
        // no transaction was left open
      }
      throw e;
    }
    committed(true);
  }
}
