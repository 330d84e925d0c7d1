package dev.schedulerd.store.postgres;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.store.jdbc.ChangeFeed;
import dev.schedulerd.store.jdbc.Dialect;
import dev.schedulerd.store.jdbc.Session;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;

/**
 * PostgreSQL's differences: writers interleave, so a conditional write locks its task's row ({@code
 * FOR UPDATE}) and a batch skips rows another node is writing right now ({@code SKIP LOCKED}), so
 * racing nodes never wait on each other; the schema version is a table, and nodes starting together
 * migrate one at a time under an advisory lock.
 */
final class PostgresDialect implements Dialect {
  static final PostgresDialect INSTANCE = new PostgresDialect();

  /** The migrating connection's socket timeout, put back when the migration step ends. */
  private final ThreadLocal<Integer> networkTimeoutBefore = new ThreadLocal<>();

  /** The advisory lock migrations hold: any number, the same in every build. */
  private static final long MIGRATION_LOCK = 7123004;

  private static final String LOCK_BATCH =
      "SELECT "
          + ChangeFeed.TASK_COLUMNS
          + " FROM tasks WHERE id = ANY(?) ORDER BY id"
          + " FOR UPDATE SKIP LOCKED";

  private PostgresDialect() {}

  @Override
  public String lockRowSuffix() {
    return " FOR UPDATE";
  }

  /** One query for the batch, in id order (so two batches lock in the same order). */
  @Override
  public List<StoredTask> lockTasks(Session session, Collection<String> ids, TaskQuery query)
      throws SQLException {
    Array array = session.prepare(LOCK_BATCH).getConnection().createArrayOf("text", ids.toArray());
    return query.run(session, LOCK_BATCH, array);
  }

  @Override
  public dev.schedulerd.store.jdbc.ChangeFeed changeFeed() {
    return new SnapshotFeed();
  }

  /** The transaction's id, from the server in the statement itself: no round trip to ask it. */
  @Override
  public String changeSeqValue() {
    return "((pg_current_xact_id()::text::bigint << " + SnapshotFeed.TRANSACTION_SHIFT + ") + ?)";
  }

  @Override
  public boolean singleStatementWrites() {
    return true;
  }

  @Override
  public String jsonText(String column, String field) {
    return "(" + column + "::json ->> '" + field + "')";
  }

  /** PostgreSQL's planner has the statistics autovacuum gathers: the column as it is. */
  @Override
  public String unindexed(String column) {
    return column;
  }

  @Override
  public List<String> migrationScripts() {
    return List.of(
        "V1__tasks_runs_changes.sql",
        "V2__nodes.sql",
        "V3__priority.sql",
        "V4__change_numbers.sql");
  }

  @Override
  public void beginMigration(Connection connection) throws SQLException {
    // A step may rewrite a large table for longer than the socket timeout (PostgresTaskStore
    // BOUNDED_WAITS): no timeout while migrating, the connection's own again after.
    try {
      networkTimeoutBefore.set(connection.getNetworkTimeout());
      connection.setNetworkTimeout(Runnable::run, 0);
    } catch (java.sql.SQLFeatureNotSupportedException e) {
      networkTimeoutBefore.remove(); // a caller's data source without one: nothing to lift
    }
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      // Nodes starting together wait for the one migrating, however long a step takes; the
      // session's own lock and statement bounds return when this transaction ends.
      statement.execute("SET LOCAL lock_timeout = 0");
      statement.execute("SET LOCAL statement_timeout = 0");
      statement.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
      statement.execute("CREATE TABLE IF NOT EXISTS schedulerd_schema (version INTEGER NOT NULL)");
    }
  }

  @Override
  public void endMigration(Connection connection, boolean commit) throws SQLException {
    try {
      if (commit) {
        connection.commit();
      } else {
        connection.rollback();
      }
      connection.setAutoCommit(true);
    } finally {
      Integer before = networkTimeoutBefore.get();
      networkTimeoutBefore.remove();
      if (before != null) {
        connection.setNetworkTimeout(Runnable::run, before);
      }
    }
  }

  @Override
  public int schemaVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("SELECT max(version) FROM schedulerd_schema")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  @Override
  public void setSchemaVersion(Connection connection, int version) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("INSERT INTO schedulerd_schema (version) VALUES (" + version + ")");
    }
  }
}
