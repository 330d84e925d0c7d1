package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.store.jdbc.ChangeFeed;
import dev.schedulerd.store.jdbc.Dialect;
import dev.schedulerd.store.jdbc.Session;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * SQLite's differences: a write holds the whole file's lock (the writer's {@code BEGIN IMMEDIATE}),
 * so rows need no lock of their own; the schema version lives in the file header ({@code PRAGMA
 * user_version}), where no bookkeeping table can be damaged, and migrating takes the write lock.
 */
final class SqliteDialect implements Dialect {
  static final SqliteDialect INSTANCE = new SqliteDialect();

  private static final List<String> SCRIPTS =
      List.of(
          "migrations/V1__tasks_runs_changes.sql",
          "migrations/V2__nodes.sql",
          "migrations/V3__priority.sql");

  /** The schema version this build writes. */
  static final int LATEST_SCHEMA = SCRIPTS.size();

  private SqliteDialect() {}

  @Override
  public String changeSeqValue() {
    return "?";
  }

  /** Writes are grouped into the writer's transactions anyway. */
  @Override
  public boolean singleStatementWrites() {
    return false;
  }

  /** One writer at a time: the counter numbers writes in commit order. */
  @Override
  public dev.schedulerd.store.jdbc.ChangeFeed changeFeed() {
    return new dev.schedulerd.store.jdbc.CounterFeed();
  }

  @Override
  public String lockRowSuffix() {
    return "";
  }

  /** Row by row: SQLite prepares a statement per distinct SQL, so no list of ids goes in one. */
  @Override
  public List<StoredTask> lockTasks(Session session, Collection<String> ids, TaskQuery query)
      throws SQLException {
    List<StoredTask> tasks = new ArrayList<>(ids.size());
    for (String id : ids) {
      tasks.addAll(
          query.run(session, "SELECT " + ChangeFeed.TASK_COLUMNS + " FROM tasks WHERE id = ?", id));
    }
    return tasks;
  }

  @Override
  public String jsonText(String column, String field) {
    return "json_extract(" + column + ", '$." + field + "')";
  }

  /** SQLite's own idiom: a unary plus makes a term unusable by an index, the value unchanged. */
  @Override
  public String unindexed(String column) {
    return "+" + column;
  }

  @Override
  public List<String> migrationScripts() {
    return SCRIPTS;
  }

  @Override
  public void beginMigration(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
    }
  }

  @Override
  public void endMigration(Connection connection, boolean commit) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(commit ? "COMMIT" : "ROLLBACK");
    }
  }

  @Override
  public int schemaVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      return userVersion(statement);
    }
  }

  @Override
  public void setSchemaVersion(Connection connection, int version) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA user_version = " + version);
    }
  }

  static int userVersion(Statement statement) throws SQLException {
    try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
