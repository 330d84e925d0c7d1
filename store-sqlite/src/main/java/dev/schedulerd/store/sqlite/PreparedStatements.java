package dev.schedulerd.store.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection with the statements prepared on it so far, each kept for reuse: SQLite's prepare
 * (parse and plan) costs more than running one of the store's small statements, and JFR found it
 * taking 15 % of the writer's time and half of the change feed reader's. For one thread at a time.
 *
 * <p>Callers close the result sets they open (closing one resets its statement, ending the read
 * transaction it holds), never the statements.
 */
final class PreparedStatements implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PreparedStatements.class);

  /** Far more than the store's distinct statements; reaching it means SQL built from values. */
  private static final int MAX = 64;

  private final Connection connection;
  private final Map<String, PreparedStatement> bySql = new HashMap<>();

  PreparedStatements(Connection connection) {
    this.connection = connection;
  }

  /** The statement for {@code sql}, a constant with its parameters as {@code ?}. */
  PreparedStatement get(String sql) throws SQLException {
    PreparedStatement statement = bySql.get(sql);
    if (statement != null) {
      statement.clearParameters();
      statement.clearBatch(); // a write that failed between addBatch and executeBatch left rows
      return statement;
    }
    if (bySql.size() == MAX) {
      throw new IllegalStateException(
          "a SQLite connection holds " + MAX + " prepared statements; SQL must be constant");
    }
    statement = connection.prepareStatement(sql);
    bySql.put(sql, statement);
    return statement;
  }

  /**
   * Closes every statement, keeping the connection: after a failure that may have left one
   * mid-step.
   */
  void discard() {
    for (PreparedStatement statement : bySql.values()) {
      try {
        statement.close();
      } catch (SQLException e) {
        log.debug("Closing a cached statement failed", e);
      }
    }
    bySql.clear();
  }

  /** Closes the statements and the connection. */
  @Override
  public void close() {
    discard();
    SqliteTaskStore.closeQuietly(connection);
  }
}
