package dev.schedulerd.store.sqlite;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection with the statements prepared on it so far, each kept for reuse: SQLite's prepare
 * (parse and plan) costs more than running one of the store's small statements, and JFR found it
 * taking 15 % of the writer's time and half of the change feed reader's. For one thread at a time.
 *
 * <p>Callers close the result sets they open (closing one resets its statement, ending the read
 * transaction it holds), never the statements.
 *
 * <p>Statements run are counted by the rule the benchmarks count a PostgreSQL client's by: each
 * {@code execute*} call is one, each entry of an {@code executeBatch} is one; transaction control
 * ({@code BEGIN}, {@code COMMIT}, savepoints) and settings ({@code PRAGMA}) are not statements, a
 * commit is counted apart.
 */
final class PreparedStatements implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PreparedStatements.class);

  /** Far more than the store's distinct statements; reaching it means SQL built from values. */
  private static final int MAX = 64;

  private static final Set<String> EXECUTES =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");
  private static final Set<String> CONTROL =
      Set.of("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA");

  private final Connection connection;
  private final LongAdder executed;
  private final Map<String, PreparedStatement> bySql = new HashMap<>();

  /**
   * @param executed counts the statements run on this connection (shared by the store's
   *     connections)
   */
  PreparedStatements(Connection connection, LongAdder executed) {
    this.connection = connection;
    this.executed = executed;
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
    if (!CONTROL.contains(sql.split(" ", 2)[0].toUpperCase(Locale.ROOT))) {
      statement = counted(statement);
    }
    bySql.put(sql, statement);
    return statement;
  }

  /**
   * {@code statement}, counting what it runs into {@link #executed}. A proxy costs about a tenth of
   * a microsecond per call, against tens for one step of SQLite.
   */
  private PreparedStatement counted(PreparedStatement statement) {
    return (PreparedStatement)
        Proxy.newProxyInstance(
            PreparedStatement.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (name.equals("equals") && args != null && args.length == 1) {
                return proxy == args[0]; // one proxy per statement: identity, as the statement's
              } else if (name.equals("hashCode") && args == null) {
                return System.identityHashCode(proxy);
              }
              @Nullable Object result = invoke(statement, method, args);
              if (EXECUTES.contains(name)) {
                executed.increment();
              } else if (result instanceof int[] entries && name.equals("executeBatch")) {
                executed.add(entries.length);
              } else if (result instanceof long[] entries && name.equals("executeLargeBatch")) {
                executed.add(entries.length);
              }
              return result;
            });
  }

  private static @Nullable Object invoke(
      PreparedStatement target, Method method, @Nullable Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
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
