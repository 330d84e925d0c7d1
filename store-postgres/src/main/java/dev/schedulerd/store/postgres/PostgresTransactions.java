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

  /** What {@link #readCommittedByDefault} learnt, by physical connection (gone with it). */
  private final Map<Object, Boolean> readCommitted =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

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
        if (owned == null && !readCommittedByDefault(c)) {
          // A caller's pool defaults to another level; for this transaction only, so there is
          // nothing to restore after. The store's own pool is set once.
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

  /**
   * The statement on its own (autocommit): one round trip where a transaction takes two. A caller's
   * pool's isolation level does not matter to a single statement.
   */
  @Override
  public <T> T writeStatement(Work<T> work) {
    boolean changedTasks = true;
    try (Connection c = pool.getConnection();
        PgSession session = new PgSession(c, true)) {
      c.setAutoCommit(true);
      T result = work.run(session);
      changedTasks = session.reserved;
      return result;
    } catch (SQLException e) {
      throw new StoreException("writing to " + name + " failed: " + e.getMessage(), e);
    } finally {
      if (changedTasks) {
        afterWrite.run();
      }
    }
  }

  /**
   * Whether the physical connection under {@code c} begins its transactions READ COMMITTED: asked
   * once per connection of a caller's pool (which keeps its connections' defaults as it set them),
   * not once per write.
   */
  private boolean readCommittedByDefault(Connection c) throws SQLException {
    Object physical;
    try {
      physical = c.unwrap(org.postgresql.PGConnection.class);
    } catch (SQLException e) {
      return false; // a wrapper that hides the connection: set the level for each write
    }
    Boolean known = readCommitted.get(physical);
    if (known == null) {
      try (java.sql.Statement show = c.createStatement();
          ResultSet rs = show.executeQuery("SHOW transaction_isolation")) {
        known = rs.next() && "read committed".equals(rs.getString(1));
      }
      readCommitted.put(physical, known);
    }
    return known;
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

    /** The transaction's next unused place in its range of change numbers. */
    private long nextChange;

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
     * Places within this transaction's range of change numbers ({@link SnapshotFeed}); the
     * statements add the transaction's id on the server ({@link PostgresDialect#changeSeqValue}),
     * so no writer waits for another and none asks for its id.
     */
    @Override
    public long reserveChangeSeqs(int count) {
      if (!writes) {
        throw new IllegalStateException("a read cannot reserve change numbers");
      }
      reserved = true;
      if (count < 1 || (1L << SnapshotFeed.TRANSACTION_SHIFT) - nextChange < count) {
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
