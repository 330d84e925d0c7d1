package dev.schedulerd.bench;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * A {@link DataSource} that counts the SQL its clients send, on the client, so that two subjects
 * given the same wrapped data source are counted by the same rule, whatever their SQL looks like.
 * Statements: each {@code execute*} call is one, each entry of an {@code executeBatch} is one.
 * Round trips: each {@code execute*} and each {@code executeBatch} call is one (pgjdbc sends a
 * batch in one go), and so is each {@code commit}/{@code rollback} that has a transaction to end
 * (pgjdbc sends nothing otherwise). What a pool does on its own (validation by {@code isValid}) is
 * not counted. Commits: each {@code commit} that has a transaction to end, and each statement or
 * batch run in autocommit (the server commits it as its own transaction, as {@code
 * pg_stat_database.xact_commit} counts it).
 */
final class CountingDataSource {
  private static final Set<String> EXECUTES =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate");
  private static final Set<String> BATCHES = Set.of("executeBatch", "executeLargeBatch");

  private final LongAdder statements = new LongAdder();
  private final LongAdder roundTrips = new LongAdder();
  private final LongAdder commits = new LongAdder();
  private final DataSource target;

  CountingDataSource(DataSource target) {
    this.target = target;
  }

  long statements() {
    return statements.sum();
  }

  long roundTrips() {
    return roundTrips.sum();
  }

  long commits() {
    return commits.sum();
  }

  /** The counting data source: connections from {@code target}, each one counted. */
  DataSource dataSource() {
    return proxy(
        DataSource.class,
        target,
        (method, result) ->
            result instanceof Connection c && method.getName().equals("getConnection")
                ? connection(c)
                : result);
  }

  private Connection connection(Connection real) {
    return proxy(
        Connection.class,
        real,
        new Around() {
          @Override
          public void before(Method method) throws SQLException {
            String name = method.getName();
            if ((name.equals("commit") || name.equals("rollback"))
                && method.getParameterCount() == 0
                && real.unwrap(BaseConnection.class).getTransactionState()
                    != TransactionState.IDLE) {
              roundTrips.increment();
              if (name.equals("commit")) {
                commits.increment();
              }
            }
          }

          @Override
          public @Nullable Object after(Method method, @Nullable Object result) {
            if (result instanceof CallableStatement s) {
              return statement(CallableStatement.class, s, real);
            } else if (result instanceof PreparedStatement s) {
              return statement(PreparedStatement.class, s, real);
            } else if (result instanceof Statement s) {
              return statement(Statement.class, s, real);
            }
            return result;
          }
        });
  }

  private <S extends Statement> S statement(Class<S> type, S real, Connection connection) {
    return proxy(
        type,
        real,
        (method, result) -> {
          String name = method.getName();
          if (EXECUTES.contains(name)) {
            statements.increment();
            roundTrips.increment();
            countAutocommit(connection);
          } else if (BATCHES.contains(name) && result != null) {
            statements.add(
                result instanceof int[] counts ? counts.length : ((long[]) result).length);
            roundTrips.increment();
            countAutocommit(connection);
          }
          return result;
        });
  }

  /** A statement run in autocommit is a commit of its own (pgjdbc asks nothing of the server). */
  private void countAutocommit(Connection connection) {
    try {
      if (connection.getAutoCommit()) {
        commits.increment();
      }
    } catch (SQLException e) {
      // a closed connection: the statement failed and committed nothing
    }
  }

  /** What a proxy does around each call it passes on. */
  private interface Around {
    default void before(Method method) throws SQLException {}

    @Nullable Object after(Method method, @Nullable Object result);
  }

  private static <T> T proxy(Class<T> type, T target, Around around) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getName().equals("equals") && method.getParameterCount() == 1) {
            return proxy == args[0]; // one proxy per real object: identity is enough
          }
          around.before(method);
          Object result;
          try {
            result = method.invoke(target, args);
          } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw cause != null ? cause : e;
          }
          return around.after(method, result);
        };
    return type.cast(
        Proxy.newProxyInstance(
            CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
