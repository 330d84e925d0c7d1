package dev.schedulerd.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/** What a unit of work sees of its connection. For the thread that runs the work, during it. */
public interface Session {

  /**
   * A statement for {@code sql}, owned by the session (it may be cached and reused): close the
   * result sets you open, never the statement. {@code sql} is a constant with its parameters as
   * {@code ?}.
   */
  PreparedStatement prepare(String sql) throws SQLException;

  /**
   * Reserves {@code count} consecutive change numbers, unique in the store, and returns the first;
   * the rows and tombstones a write changes carry them, and its store's {@link ChangeFeed} finds
   * them by them. A write calls it after its reads and before the writes that use the numbers.
   *
   * @throws IllegalStateException in a read
   */
  long reserveChangeSeqs(int count) throws SQLException;
}
