package dev.schedulerd.store.postgres;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.store.jdbc.ChangeFeed;
import dev.schedulerd.store.jdbc.Dialect;
import dev.schedulerd.store.jdbc.NewRow;
import dev.schedulerd.store.jdbc.Session;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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

  /**
   * New tasks' rows from arrays, one statement for any number: the server plans and starts it once
   * (a batch of single-row statements costs each row its own; BENCHMARKS.md, issue 20). In the
   * arrays' order, so that two nodes' statements take the ids' index entries in the same order.
   */
  private static final String INSERT_ROWS =
      "WITH untomb AS (DELETE FROM removed_tasks WHERE id = ANY(?))"
          + " INSERT INTO tasks (id, definition, state, status, version, next_due_ms, lease_run_id,"
          + " lease_expires_ms, change_seq, priority)"
          + " SELECT r.id, r.definition, r.state, r.status, r.version, r.next_due_ms,"
          + " r.lease_run_id, r.lease_expires_ms, ((pg_current_xact_id()::text::bigint << "
          + SnapshotFeed.TRANSACTION_SHIFT
          + ") + ? + r.n - 1), r.priority"
          + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[],"
          + " ?::text[], ?::bigint[], ?::text[]) WITH ORDINALITY AS r(id, definition, state,"
          + " status, version, next_due_ms, lease_run_id, lease_expires_ms, priority, n)"
          + " ORDER BY r.n ON CONFLICT (id) DO NOTHING RETURNING id";

  private PostgresDialect() {}

  @Override
  public Optional<RowsInsert> rowsInsert() {
    return Optional.of(PostgresDialect::insertRows);
  }

  private static Set<String> insertRows(Session session, List<NewRow> rows, long firstChangeSeq)
      throws SQLException {
    PreparedStatement insert = session.prepare(INSERT_ROWS);
    Connection c = insert.getConnection();
    int n = rows.size();
    String[] ids = new String[n];
    String[] definitions = new String[n];
    String[] states = new String[n];
    String[] statuses = new String[n];
    Long[] versions = new Long[n];
    @Nullable Long[] dues = new Long[n];
    @Nullable String[] leaseRuns = new String[n];
    @Nullable Long[] leaseEnds = new Long[n];
    String[] priorities = new String[n];
    for (int i = 0; i < n; i++) {
      NewRow row = rows.get(i);
      ids[i] = row.id();
      definitions[i] = row.definition();
      states[i] = row.state();
      statuses[i] = row.status();
      versions[i] = row.version();
      dues[i] = row.nextDueMs();
      leaseRuns[i] = row.leaseRunId();
      leaseEnds[i] = row.leaseExpiresMs();
      priorities[i] = row.priority();
    }
    Array idArray = c.createArrayOf("text", ids);
    insert.setArray(1, idArray);
    insert.setLong(2, firstChangeSeq);
    insert.setArray(3, idArray);
    insert.setArray(4, c.createArrayOf("text", definitions));
    insert.setArray(5, c.createArrayOf("text", states));
    insert.setArray(6, c.createArrayOf("text", statuses));
    insert.setArray(7, c.createArrayOf("bigint", versions));
    insert.setArray(8, c.createArrayOf("bigint", dues));
    insert.setArray(9, c.createArrayOf("text", leaseRuns));
    insert.setArray(10, c.createArrayOf("bigint", leaseEnds));
    insert.setArray(11, c.createArrayOf("text", priorities));
    Set<String> inserted = new HashSet<>();
    try (ResultSet rs = insert.executeQuery()) {
      while (rs.next()) {
        inserted.add(rs.getString(1));
      }
    }
    return inserted;
  }

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
