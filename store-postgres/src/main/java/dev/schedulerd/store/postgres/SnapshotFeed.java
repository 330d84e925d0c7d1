package dev.schedulerd.store.postgres;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.store.jdbc.ChangeFeed;
import dev.schedulerd.store.jdbc.Dialect;
import dev.schedulerd.store.jdbc.Session;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL's change feed, with no row every writer must lock. A write's change numbers are its
 * transaction's id times 2<sup>20</sup> plus their place in it ({@link #firstOf}), so writers never
 * wait for each other and commit (and fsync) together. Transaction ids do not commit in order, so a
 * cursor cannot be a number: it stands for the transactions the reader has not seen yet, which the
 * snapshot of each read names exactly (PostgreSQL's {@code pg_current_snapshot()}: every id at or
 * above its {@code xmax}, and those in progress below it). The next read returns the rows those
 * transactions wrote that it can see; a transaction still running stays unseen until it ends. A
 * transaction of another program on the same server that runs for hours costs one index probe per
 * read, never a stalled feed.
 *
 * <p>The cursors are this object's: a number it gave (a random epoch of the object, then a count),
 * standing for a {@link Position} it keeps until the reader moves past it. A cursor it does not
 * know (another object's or process's, or one dropped) reads everything again, which is always
 * correct.
 */
final class SnapshotFeed implements ChangeFeed {
  /** Change numbers per transaction: 2^20 rows, more than any batch the store writes. */
  static final int TRANSACTION_SHIFT = 20;

  /** Positions kept at most; a reader holds one at a time, so only abandoned ones are dropped. */
  private static final int POSITIONS_KEPT = 256;

  /** Transactions not yet seen: every id at or after {@code xmax}, and those in {@code running}. */
  private record Unseen(long xmax, Long[] running) {}

  /**
   * Where a reader stands: the changes of {@code base} (every change when null) after change number
   * {@code after} remain to be read; {@code next} is what the sweep leaves unseen, from the
   * snapshot of its first page (null until the sweep's first page is read).
   */
  private record Position(@Nullable Unseen base, long after, @Nullable Unseen next) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Long, Position> positions =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Position> eldest) {
          return size() > POSITIONS_KEPT;
        }
      };
  private long lastCursor; // guarded by lock

  /**
   * In every cursor's high bits, so that a cursor of another store object (or process) is not taken
   * for one of this object's positions: it reads everything instead.
   */
  private final long epoch =
      java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 1L << 31) << 32;

  /** The first change number of transaction {@code xid}. */
  static long firstOf(long xid) {
    return xid << TRANSACTION_SHIFT;
  }

  @Override
  public ChangeSet read(Session s, long cursor, int limit, Dialect.TaskQuery tasks)
      throws SQLException {
    Unseen now = snapshot(s); // the first statement: the transaction's snapshot is this one
    Position known = cursor == 0 ? null : position(cursor);
    Position at = known == null ? new Position(null, Long.MIN_VALUE, null) : known;
    Unseen next = at.next() == null ? now : at.next();
    Filter filter = new Filter(at.base(), at.after());
    long upTo = limit == Integer.MAX_VALUE ? Long.MAX_VALUE : pageEnd(s, filter, limit);
    List<StoredTask> changed =
        tasks.run(s, filter.select(TASK_COLUMNS, "tasks"), filter.args(upTo));
    List<String> removed = new ArrayList<>();
    PreparedStatement query =
        s.prepare(
            "SELECT id FROM ("
                + filter.select("id, change_seq", "removed_tasks")
                + ") r WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = r.id)");
    bind(query, filter.args(upTo));
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        removed.add(rs.getString(1));
      }
    }
    boolean sweepEnds = changed.size() < limit;
    if (sweepEnds && changed.isEmpty() && removed.isEmpty() && known != null && at.next() == null) {
      // Nothing ended in between that wrote anything: this cursor still stands (its base holds
      // every transaction the new snapshot holds, and those that ended wrote nothing).
      return new ChangeSet(cursor, changed, removed);
    }
    Position after =
        sweepEnds ? new Position(next, Long.MIN_VALUE, null) : new Position(at.base(), upTo, next);
    return new ChangeSet(advance(cursor, after), changed, removed);
  }

  private @Nullable Position position(long cursor) {
    lock.lock();
    try {
      return positions.get(cursor);
    } finally {
      lock.unlock();
    }
  }

  /** Keeps {@code position} under a new cursor and forgets {@code from}, which its reader left. */
  private long advance(long from, Position position) {
    lock.lock();
    try {
      positions.remove(from);
      lastCursor = (lastCursor + 1) & 0xFFFF_FFFFL;
      long cursor = epoch | lastCursor;
      positions.put(cursor, position);
      return cursor;
    } finally {
      lock.unlock();
    }
  }

  private static Unseen snapshot(Session s) throws SQLException {
    try (ResultSet rs =
        s.prepare(
                "SELECT pg_snapshot_xmax(q.s)::text::bigint,"
                    + " ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(q.s) x)"
                    + " FROM (SELECT pg_current_snapshot() AS s) q")
            .executeQuery()) {
      rs.next();
      Array running = rs.getArray(2);
      return new Unseen(rs.getLong(1), (Long[]) running.getArray());
    }
  }

  /** The change number of the {@code limit}-th row after the position, or none (all of them). */
  private static long pageEnd(Session s, Filter filter, int limit) throws SQLException {
    PreparedStatement query =
        s.prepare(
            "SELECT change_seq FROM ("
                + filter.select("change_seq", "tasks")
                + ") page ORDER BY change_seq OFFSET ? LIMIT 1");
    Object[] args = filter.args(Long.MAX_VALUE);
    bind(query, args);
    query.setInt(args.length + 1, limit - 1);
    try (ResultSet rs = query.executeQuery()) {
      return rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
    }
  }

  private static void bind(PreparedStatement query, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      query.setObject(i + 1, args[i]);
    }
  }

  /**
   * The rows of a position, up to a change number, in change order: by ranges of the change-number
   * index (one for the ids at or after xmax, one per running transaction), never a scan.
   */
  private record Filter(@Nullable Unseen base, long after) {
    /** The statements, built once per shape (a feed reads many times a second). */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> SQL =
        new java.util.concurrent.ConcurrentHashMap<>();

    String select(String columns, String table) {
      boolean all = base == null;
      return SQL.computeIfAbsent(
          all + "|" + columns + "|" + table, key -> build(all, columns, table));
    }

    private static String build(boolean all, String columns, String table) {
      if (all) {
        return "SELECT "
            + columns
            + " FROM "
            + table
            + " WHERE change_seq > ? AND change_seq <= ? ORDER BY change_seq";
      }
      return "SELECT "
          + columns
          + " FROM (SELECT "
          + columns
          + (columns.contains("change_seq") ? "" : ", change_seq")
          + " FROM "
          + table
          + " WHERE change_seq > ? AND change_seq <= ? AND change_seq >= ?"
          + " UNION ALL SELECT "
          + qualified(columns)
          + (columns.contains("change_seq") ? "" : ", t.change_seq")
          + " FROM "
          + table
          + " t JOIN unnest(?::bigint[]) AS running(xid)"
          + " ON t.change_seq >= running.xid << "
          + TRANSACTION_SHIFT
          + " AND t.change_seq < (running.xid + 1) << "
          + TRANSACTION_SHIFT
          + " WHERE t.change_seq > ? AND t.change_seq <= ?) unseen ORDER BY change_seq";
    }

    Object[] args(long upTo) {
      if (base == null) {
        return new Object[] {after, upTo};
      }
      return new Object[] {after, upTo, firstOf(base.xmax()), base.running(), after, upTo};
    }

    private static String qualified(String columns) {
      StringBuilder out = new StringBuilder();
      for (String column : columns.split(",\\s*")) {
        out.append(out.isEmpty() ? "" : ", ").append("t.").append(column);
      }
      return out.toString();
    }
  }
}
