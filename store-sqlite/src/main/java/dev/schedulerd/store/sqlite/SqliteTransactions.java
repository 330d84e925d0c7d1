package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.jdbc.Session;
import dev.schedulerd.store.jdbc.Transactions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How the SQLite store reaches its file. <b>Writes</b> go through a {@link GroupCommitWriter}: one
 * connection, one thread, and one transaction (under SQLite's write lock, so conditional writes are
 * atomic across processes) for all writes that arrive together. A write returns once committed:
 * with {@code synchronous=FULL} (default) it survives power loss, with {@code NORMAL} it survives
 * the process being killed. <b>Reads</b> use a small pool of connections, each with its statements
 * prepared once; WAL lets them proceed while another process writes.
 */
final class SqliteTransactions implements Transactions {
  private static final int READERS = 4;

  private final Path file;
  private final SqliteOptions options;
  private final GroupCommitWriter writer;
  private final StoreFileGuard guard;
  private final Semaphore readPermits = new Semaphore(READERS);
  private final ConcurrentLinkedDeque<PreparedStatements> idleReaders =
      new ConcurrentLinkedDeque<>();
  private final List<PreparedStatements> allReaders = new CopyOnWriteArrayList<>();
  private final LongAdder executed = new LongAdder();
  private final ReentrantLock readerLock = new ReentrantLock();
  private final Condition readerReturned = readerLock.newCondition();

  SqliteTransactions(
      Path file,
      SqliteOptions options,
      Connection writeConnection,
      StoreFileGuard guard,
      Runnable afterCommit) {
    this.file = file;
    this.options = options;
    this.guard = guard;
    this.writer =
        new GroupCommitWriter(
            new PreparedStatements(writeConnection, executed),
            file.toString(),
            options.synchronous() == SqliteOptions.Synchronous.FULL,
            options.runsSyncedWithin(),
            guard,
            afterCommit);
  }

  @Override
  public <T> T write(Work<T> work) {
    return writer.execute(work);
  }

  /**
   * Without waiting for the disk when only such writes are in its batch; synced within {@link
   * SqliteOptions#runsSyncedWithin}.
   */
  @Override
  public <T> T writeSyncedSoon(Work<T> work) {
    return writer.execute(work, false);
  }

  @Override
  public <T> T writeStatement(Work<T> work) {
    return write(work);
  }

  @Override
  public <T> T read(Work<T> work) {
    try {
      readPermits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting to read " + file, e);
    }
    try {
      PreparedStatements connection = idleReaders.pollFirst();
      if (connection == null && guard.problem() != null) {
        // A new connection would open whatever file is at the path now, never this one: reads
        // wait for one of the connections opened before (the bound is what a read may take).
        connection = awaitIdleReader();
      }
      if (connection == null) {
        connection = new PreparedStatements(SqliteTaskStore.connect(file, options), executed);
        allReaders.add(connection);
      }
      try {
        return work.run(new ReadSession(connection));
      } catch (SQLException | RuntimeException e) {
        connection.discard(); // a statement may have been left mid-step
        throw e;
      } finally {
        returnReader(connection);
      }
    } catch (SQLException e) {
      throw new StoreException("reading " + file + " failed: " + e.getMessage(), e);
    } finally {
      readPermits.release();
    }
  }

  private PreparedStatements awaitIdleReader() {
    if (allReaders.isEmpty()) {
      guard.checkWritable(); // throws: the store file is lost and no connection to it is open
    }
    long nanos = TimeUnit.SECONDS.toNanos(10);
    readerLock.lock();
    try {
      PreparedStatements connection;
      while ((connection = idleReaders.pollFirst()) == null) {
        if (nanos <= 0) {
          throw new StoreException(
              "no connection to " + file + " came free within 10 s; " + guard.problem());
        }
        nanos = readerReturned.awaitNanos(nanos);
      }
      return connection;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting to read " + file, e);
    } finally {
      readerLock.unlock();
    }
  }

  private void returnReader(PreparedStatements connection) {
    idleReaders.addFirst(connection);
    readerLock.lock();
    try {
      readerReturned.signal();
    } finally {
      readerLock.unlock();
    }
  }

  /** One read transaction: its reads see one snapshot of the file. */
  @Override
  public <T> T readSnapshot(Work<T> work) {
    return read(
        session -> {
          session.prepare("BEGIN").execute();
          try {
            return work.run(session);
          } finally {
            session.prepare("COMMIT").execute();
          }
        });
  }

  /** Write transactions committed so far; a burst of writes shares one. */
  long commits() {
    return writer.commits();
  }

  /** Commits that fsynced the log ({@link GroupCommitWriter}). */
  long syncedCommits() {
    return writer.syncedCommits();
  }

  /** SQL statements run so far, reads and writes ({@link PreparedStatements} says what counts). */
  long statements() {
    return executed.sum();
  }

  @Override
  public void close() {
    writer.close();
    readPermits.acquireUninterruptibly(READERS);
    allReaders.forEach(PreparedStatements::close);
    writer.closeConnection();
  }

  private record ReadSession(PreparedStatements connection) implements Session {
    @Override
    public PreparedStatement prepare(String sql) throws SQLException {
      return connection.get(sql);
    }

    @Override
    public long reserveChangeSeqs(int count) {
      throw new IllegalStateException("a read cannot reserve change numbers");
    }
  }
}
