package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.store.ChangeSet;
import java.sql.SQLException;

/**
 * How a database answers {@link dev.schedulerd.api.store.TaskStore#changesSince}: which rows were
 * written after a cursor, so that a reader never misses a committed write. A database whose writes
 * hold the whole file one at a time can count them ({@link CounterFeed}); one whose writers commit
 * side by side cannot number commits without making every writer wait for the one before.
 */
public interface ChangeFeed {
  /** The columns of a task row that the store's task query decodes, in its order. */
  String TASK_COLUMNS = TaskRows.COLUMNS;

  /**
   * One page of changes after {@code cursor}, read on one snapshot ({@link
   * Transactions#readSnapshot}).
   *
   * @param tasks the store's query of task rows, to decode what the feed selects
   */
  ChangeSet read(Session session, long cursor, int limit, Dialect.TaskQuery tasks)
      throws SQLException;
}
