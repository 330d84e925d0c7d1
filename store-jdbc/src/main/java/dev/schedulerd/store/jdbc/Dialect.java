package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.StoredTask;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * What a database's SQL does differently for {@link JdbcTaskStore}. Everything else (tables,
 * queries, upserts, paging) is written once in SQL that SQLite and PostgreSQL both accept.
 */
public interface Dialect {

  /**
   * Appended to the query that reads a task before a conditional write: a row lock where writers
   * can interleave ({@code " FOR UPDATE"}), empty where a write holds the whole database.
   */
  String lockRowSuffix();

  /**
   * Reads the tasks with these ids for a batch of writes, locking their rows. May leave out a row
   * another writer holds locked at this moment ({@code SKIP LOCKED}): its write then fails as if
   * its condition had.
   *
   * @param query the store's SELECT of a task's columns by id, without lock suffix; dialects that
   *     read row by row use it
   */
  List<StoredTask> lockTasks(Session session, Collection<String> ids, TaskQuery query)
      throws SQLException;

  /** This store's change feed: a new one per store (a feed may keep the cursors it gave). */
  ChangeFeed changeFeed();

  /**
   * The SQL of a written row's change number, around the parameter {@link
   * Session#reserveChangeSeqs} gave: {@code "?"} where the number is the session's, an expression
   * where the database adds what only it knows (the transaction's id).
   */
  String changeSeqValue();

  /**
   * Whether a write of one statement may run on its own, without a transaction around it (a round
   * trip less), and may hold a data-modifying {@code WITH} (PostgreSQL): a single add is then one
   * statement.
   */
  boolean singleStatementWrites();

  /**
   * Where the database takes many new tasks' rows in one statement, the statement that does; empty
   * (the default) where it does not. Concurrent single adds are then written together ({@link
   * CombinedAdds}). SQLite's writer groups every write in its transactions itself.
   */
  default Optional<RowsInsert> rowsInsert() {
    return Optional.empty();
  }

  /** Inserts new tasks' rows in one statement. */
  @FunctionalInterface
  interface RowsInsert {
    /**
     * Inserts {@code rows} (distinct ids, in the order given), each also dropping a removal record
     * of its id, skipping a row whose id is taken.
     *
     * @param firstChangeSeq the first of the rows' change numbers, one each in order, as {@link
     *     Session#reserveChangeSeqs} gave them
     * @return the ids inserted
     */
    java.util.Set<String> insert(Session session, List<NewRow> rows, long firstChangeSeq)
        throws SQLException;
  }

  /** SQL for the text of {@code field} at the top of the JSON in {@code column}. */
  String jsonText(String column, String field);

  /**
   * {@code column} in a filter that must not steer the plan onto the column's index: a page in id
   * order whose filter matches many rows is read fastest along the primary key, but a planner
   * without statistics takes the index and sorts every match.
   */
  String unindexed(String column);

  /** Reads tasks with a query of the store's; handed to {@link #lockTasks}. */
  interface TaskQuery {
    List<StoredTask> run(Session session, String sql, Object... args) throws SQLException;
  }

  // ------------------------------------------------------------------ schema migration

  /**
   * The migration scripts in order, as resources next to the dialect's class: script {@code i}
   * moves the schema from version {@code i} to {@code i + 1}.
   */
  List<String> migrationScripts();

  /**
   * Starts a migration step's transaction, holding a lock that makes processes starting together
   * migrate one at a time.
   */
  void beginMigration(Connection connection) throws SQLException;

  /** Commits ({@code true}) or rolls back the step begun by {@link #beginMigration}. */
  void endMigration(Connection connection, boolean commit) throws SQLException;

  /** The schema's version, 0 for a new database; inside a migration step. */
  int schemaVersion(Connection connection) throws SQLException;

  /** Records the schema's version; inside a migration step. */
  void setSchemaVersion(Connection connection, int version) throws SQLException;
}
