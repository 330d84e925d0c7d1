package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.ChangeSet;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The change feed of a database that commits one write at a time: the {@code change_counter} row
 * numbers every written row and tombstone, numbers commit in order, and the cursor is the last
 * number read. Stateless: any cursor the counter gave is valid in any process.
 */
public final class CounterFeed implements ChangeFeed {

  @Override
  public ChangeSet read(Session s, long cursor, int limit, Dialect.TaskQuery tasks)
      throws SQLException {
    long now;
    try (ResultSet rs = s.prepare("SELECT value FROM change_counter").executeQuery()) {
      now = rs.next() ? rs.getLong(1) : 0;
    }
    if (now == cursor) {
      return new ChangeSet(cursor, List.of(), List.of());
    }
    long upTo = pageEnd(s, cursor, limit, now);
    List<StoredTask> changed =
        tasks.run(
            s,
            "SELECT "
                + TASK_COLUMNS
                + " FROM tasks WHERE change_seq > ? AND change_seq <= ? ORDER BY change_seq",
            cursor,
            upTo);
    List<String> removed = new ArrayList<>();
    PreparedStatement query =
        s.prepare(
            "SELECT r.id FROM removed_tasks r WHERE r.change_seq > ? AND r.change_seq <= ?"
                + " AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = r.id)"
                + " ORDER BY r.change_seq");
    query.setLong(1, cursor);
    query.setLong(2, upTo);
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        removed.add(rs.getString(1));
      }
    }
    return new ChangeSet(upTo, changed, removed);
  }

  /**
   * The change number a page of {@code limit} tasks after {@code cursor} ends at: that of its
   * {@code limit}-th task (from the change-number index alone), or {@code now} when fewer remain.
   */
  private static long pageEnd(Session s, long cursor, int limit, long now) throws SQLException {
    if (limit == Integer.MAX_VALUE) {
      return now;
    }
    PreparedStatement query =
        s.prepare(
            "SELECT change_seq FROM tasks WHERE change_seq > ? ORDER BY change_seq"
                + " LIMIT 1 OFFSET ?");
    query.setLong(1, cursor);
    query.setInt(2, limit - 1);
    try (ResultSet rs = query.executeQuery()) {
      return rs.next() ? rs.getLong(1) : now;
    }
  }
}
