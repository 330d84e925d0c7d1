package dev.schedulerd.store.postgres;

import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.jdbc.Session;
import dev.schedulerd.store.jdbc.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the PostgreSQL store reaches its database: a connection of the pool per unit of work, one
 * transaction per write. Writers share no row: change numbers come from each transaction's id
 * ({@link SnapshotFeed}), and other nodes are told of a committed write by {@link ChangeAnnouncer}
 * after it, not by a {@code NOTIFY} inside it (PostgreSQL queues notifications under one lock held
 * through commit, so a notifying write waits for every other one's fsync).
 */
final class PostgresTransactions implements Transactions {
  private static final Logger log = LoggerFactory.getLogger(PostgresTransactions.class);

  private final DataSource pool;
  private final @Nullable AutoCloseable owned;
  private final String name;
  private final Runnable afterWrite;

  /**
   * @param owned what to close with the store (the pool it opened), or null for a caller's pool
   * @param name the database in messages, without credentials
   * @param afterWrite told after each committed write that changed tasks (or failed and may have)
   */
  PostgresTransactions(
      DataSource pool, @Nullable AutoCloseable owned, String name, Runnable afterWrite) {
    this.pool = pool;
    this.owned = owned;
    this.name = name;
    this.afterWrite = afterWrite;
  }

  /** The pool, for the store's own short statements (the announcer's). */
  DataSource pool() {
    return pool;
  }

  /**
   * One READ COMMITTED transaction (the row locks and the counter's lock rely on it, whatever a
   * caller's pool defaults to). Tells the listeners after a write that changed tasks, or may have.
   */
  @Override
  public <T> T write(Work<T> work) {
    boolean changedTasks = true;
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PgSession session = new PgSession(c, true)) {
        if (owned == null) {
          // A caller's pool may default to another level; for this transaction only, so there
          // is nothing to read before or restore after. The store's own pool is set once.
          session.prepare("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").execute();
        }
        T result = work.run(session);
        c.commit();
        changedTasks = session.reserved; // a heartbeat or a prune changes no task
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackKeeping(c, e);
        throw e;
      } finally {
        autocommitAgain(c);
      }
    } catch (SQLException e) {
      throw new StoreException("writing to " + name + " failed: " + e.getMessage(), e);
    } finally {
      if (changedTasks) {
        afterWrite.run();
      }
    }
  }

  /** Rolls back; a failure to do so (a broken connection) is added to {@code cause}, not thrown. */
  private static void rollbackKeeping(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  /** Ends a read-only transaction and turns autocommit back on; a failure is only logged. */
  private static void endRead(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      log.debug("Ending a read failed; the connection is likely broken and the pool drops it", e);
    }
    autocommitAgain(c);
  }

  /** Gives the connection back as the pool lent it: autocommit on. */
  private static void autocommitAgain(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      log.debug("Restoring a connection's settings failed; the pool will find it broken", e);
    }
  }

  @Override
  public <T> T read(Work<T> work) {
    try (Connection c = pool.getConnection();
        PgSession session = new PgSession(c, false)) {
      c.setAutoCommit(true);
      return work.run(session);
    } catch (SQLException e) {
      throw new StoreException("reading " + name + " failed: " + e.getMessage(), e);
    }
  }

  /** A read-only REPEATABLE READ transaction: every query sees one snapshot. */
  @Override
  public <T> T readSnapshot(Work<T> work) {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PgSession session = new PgSession(c, false)) {
        session.prepare("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute();
        return work.run(session);
      } finally {
        endRead(c); // a read: nothing to keep; never hides the read's own failure
      }
    } catch (SQLException e) {
      throw new StoreException("reading " + name + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        log.warn("Closing the connection pool of {} failed", name, e);
      }
    }
  }

  /** The statements of one unit of work on one connection, closed with it. */
  private static final class PgSession implements Session, AutoCloseable {
    private final Connection connection;
    private final boolean writes;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    /** Whether the work reserved change numbers, i.e. wrote tasks. */
    boolean reserved;

    /** The transaction's next unused change number and its last. */
    private long nextChange;

    private long lastChange;

    PgSession(Connection connection, boolean writes) {
      this.connection = connection;
      this.writes = writes;
    }

    @Override
    public PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement statement = statements.get(sql);
      if (statement == null) {
        statement = connection.prepareStatement(sql);
        statements.put(sql, statement);
      } else {
        statement.clearParameters();
      }
      return statement;
    }

    /**
     * Numbers from this transaction's own range ({@link SnapshotFeed}): asking PostgreSQL for the
     * transaction's id locks nothing another writer waits for.
     */
    @Override
    public long reserveChangeSeqs(int count) throws SQLException {
      if (!writes) {
        throw new IllegalStateException("a read cannot reserve change numbers");
      }
      if (!reserved) {
        try (ResultSet rs = prepare("SELECT pg_current_xact_id()::text::bigint").executeQuery()) {
          rs.next();
          nextChange = SnapshotFeed.firstOf(rs.getLong(1));
          lastChange = SnapshotFeed.firstOf(rs.getLong(1) + 1) - 1;
        }
        reserved = true;
      }
      if (count < 1 || lastChange - nextChange + 1 < count) {
        throw new IllegalStateException(
            count + " more changes than one transaction can number (2^20 in all)");
      }
      long first = nextChange;
      nextChange += count;
      return first;
    }

    @Override
    public void close() throws SQLException {
      for (PreparedStatement statement : statements.values()) {
        statement.close();
      }
    }
  }
}
