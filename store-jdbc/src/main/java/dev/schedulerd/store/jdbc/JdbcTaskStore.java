package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.json.TaskJson;
import dev.schedulerd.api.store.ChangeListeners;
import dev.schedulerd.api.store.ChangeNotifier;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.NodeRegistry;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskCounts;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TaskStore} on a SQL database: every query and conditional write, written once for the
 * SQL stores. A subclass opens its database and hands over its {@link Transactions} and {@link
 * Dialect}; it adds what only its database has (SQLite's file checks and watcher, PostgreSQL's
 * LISTEN and clock).
 *
 * <p><b>Writes</b> read the task (locking its row where the dialect says), apply the {@link
 * TaskWrite} to it, append its run records, and only then reserve change numbers and write the
 * state, so that a database with row locks holds the change counter's lock for as short as
 * possible. <b>Reads</b> decode rows in parallel chunks when there are many (a start-up).
 */
public abstract class JdbcTaskStore implements TaskStore, NodeRegistry {
  private static final String FIND = "SELECT " + TaskRows.COLUMNS + " FROM tasks WHERE id = ?";

  /** Rows read per round trip by {@link #query}. */
  private static final int QUERY_CHUNK = 500;

  /** Removal records kept; a node whose cursor is older misses some, and drops stale entries. */
  static final int TOMBSTONES_KEPT = 10_000;

  private final Transactions transactions;
  private final Dialect dialect;
  private final ChangeFeed feed;
  private final ChangeListeners listeners;
  private final RunRows runRows;
  private final OwnWrites ownWrites;
  private final String description;
  private final String countsSql;
  private final String insertSql;
  private final String updateSql;
  private final @Nullable CombinedAdds<NewTask> adds;
  private volatile boolean closed;

  /**
   * @param listeners the listeners {@code transactions} tells after each committed write
   * @param description the store in error messages, e.g. "the SQLite store /home/a/tasks.db"
   */
  protected JdbcTaskStore(
      Transactions transactions,
      Dialect dialect,
      ChangeListeners listeners,
      int runsKeptPerTask,
      String description) {
    this.transactions = transactions;
    this.dialect = dialect;
    this.feed = dialect.changeFeed();
    this.listeners = listeners;
    this.runRows = new RunRows(runsKeptPerTask);
    this.ownWrites = new OwnWrites("?".equals(dialect.changeSeqValue()));
    this.description = description;
    this.countsSql = "SELECT status, priority, count(*) FROM tasks GROUP BY priority, status";
    this.insertSql =
        "INSERT INTO tasks (id, definition, state, status, version, next_due_ms, lease_run_id,"
            + " lease_expires_ms, change_seq, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            + dialect.changeSeqValue()
            + ", ?) ON CONFLICT (id) DO NOTHING";
    this.updateSql =
        "UPDATE tasks SET state = ?, status = ?, version = ?, next_due_ms = ?, lease_run_id = ?,"
            + " lease_expires_ms = ?, change_seq = "
            + dialect.changeSeqValue()
            + ", definition = COALESCE(?, definition), priority = COALESCE(?, priority)"
            + " WHERE id = ?";
    this.adds = combinedAdds();
  }

  // ------------------------------------------------------------------ writes

  /** All in one transaction: a taken or repeated id adds none. */
  @Override
  public List<StoredTask> insertAll(List<StoredTask> tasks) {
    List<StoredTask> stored = new ArrayList<>(tasks.size());
    List<Encoded> encoded = new ArrayList<>(tasks.size());
    for (StoredTask task : tasks) {
      StoredTask first = new StoredTask(task.definition(), task.state().withVersion(1));
      stored.add(first);
      encoded.add(Encoded.of(first)); // here, not in the write: the writer's time is shared
    }
    if (stored.size() == 1 && adds != null) {
      checkOpen();
      adds.add(stored.get(0).id(), new NewTask(stored.get(0), encoded.get(0)));
      return List.of(stored.get(0));
    }
    OwnWrites.Written written = ownWrites.collect();
    List<StoredTask> result =
        write(
            s -> {
              written.clear();
              // One round trip per statement for a batch; a single add skips the batch's own cost.
              boolean single = stored.size() == 1;
              PreparedStatement untomb = s.prepare("DELETE FROM removed_tasks WHERE id = ?");
              for (StoredTask task : stored) {
                untomb.setString(1, task.id());
                if (single) {
                  untomb.executeUpdate();
                } else {
                  untomb.addBatch();
                }
              }
              if (!single) {
                untomb.executeBatch();
              }
              long first = s.reserveChangeSeqs(stored.size());
              long seq = first;
              PreparedStatement insert = s.prepare(insertSql);
              for (int i = 0; i < stored.size(); i++) {
                written.add(seq, stored.get(i));
                bindInsert(insert, 1, stored.get(i), encoded.get(i), seq++);
                if (!single) {
                  insert.addBatch();
                }
              }
              int[] inserted =
                  single
                      ? new int[] {insert.executeUpdate()}
                      : insert.executeBatch(); // under the lock
              for (int i = 0; i < inserted.length; i++) {
                boolean added =
                    inserted[i] == Statement.SUCCESS_NO_INFO // a driver that rewrites batches
                        ? holdsChange(s, stored.get(i).id(), first + i)
                        : inserted[i] > 0;
                if (!added) {
                  throw new DuplicateTaskException(stored.get(i).id()); // undoes the whole insert
                }
              }
              return stored;
            });
    written.remember();
    return result;
  }

  /** A task's JSON, encoded before its write is queued. */
  private record Encoded(String definition, String state) {
    static Encoded of(StoredTask task) {
      return new Encoded(
          TaskJson.writeDefinition(task.definition()), TaskJson.writeState(task.state()));
    }
  }

  /** A single add, encoded, as {@link #adds} takes it. */
  private record NewTask(StoredTask task, Encoded encoded) {}

  /**
   * Concurrent single adds where the dialect inserts many rows in one statement: one statement each
   * when alone, one for all when they meet. At most two writes under way (a third add waits for one
   * and goes with the others then), so the claims and finished runs keep connections of the pool,
   * and one add held up by a lock does not hold up every other; up to 256 adds in one statement.
   */
  private @Nullable CombinedAdds<NewTask> combinedAdds() {
    return dialect.singleStatementWrites() && dialect.rowsInsert().isPresent()
        ? new CombinedAdds<>(this::insertTogether, 2, 256)
        : null;
  }

  /**
   * Single adds of concurrent callers, each also dropping a removal record of its id, in one
   * autocommitted statement (one round trip, one commit). Rows in id order, so that two nodes'
   * statements take the ids' index entries in the same order and never deadlock; an id repeated in
   * the batch is the first one's, the later ones are told it is taken.
   */
  private boolean[] insertTogether(List<NewTask> adds) {
    checkOpen();
    if (adds.size() == 1) {
      NewTask add = adds.get(0);
      return transactions.writeStatement(
          s -> {
            PreparedStatement insert =
                s.prepare("WITH untomb AS (DELETE FROM removed_tasks WHERE id = ?) " + insertSql);
            insert.setString(1, add.task().id());
            bindInsert(insert, 2, add.task(), add.encoded(), s.reserveChangeSeqs(1));
            return new boolean[] {insert.executeUpdate() > 0};
          });
    }
    java.util.TreeMap<String, Integer> firstById = new java.util.TreeMap<>();
    for (int i = 0; i < adds.size(); i++) {
      firstById.putIfAbsent(adds.get(i).task().id(), i);
    }
    List<NewRow> rows = new ArrayList<>(firstById.size());
    for (int i : firstById.values()) {
      NewTask add = adds.get(i);
      rows.add(NewRow.of(add.task(), add.encoded().definition(), add.encoded().state()));
    }
    Dialect.RowsInsert insert = dialect.rowsInsert().orElseThrow();
    Set<String> inserted =
        transactions.writeStatement(s -> insert.insert(s, rows, s.reserveChangeSeqs(rows.size())));
    boolean[] added = new boolean[adds.size()];
    for (Map.Entry<String, Integer> first : firstById.entrySet()) {
      added[first.getValue()] = inserted.contains(first.getKey());
    }
    return added;
  }

  /** Binds the ten parameters of {@link #insertSql} from {@code first}. */
  private static void bindInsert(
      PreparedStatement insert, int first, StoredTask task, Encoded encoded, long seq)
      throws SQLException {
    insert.setString(first, task.id());
    insert.setString(first + 1, encoded.definition());
    TaskRows.bindState(insert, first + 2, task.state(), encoded.state(), seq);
    insert.setString(first + 9, task.definition().priority().wireName());
  }

  /**
   * Whether the task's row carries change number {@code seq} of this transaction (compared whole,
   * by the database where it adds the transaction's id): this insert wrote it.
   */
  private boolean holdsChange(Session s, String taskId, long seq) throws SQLException {
    PreparedStatement query =
        s.prepare("SELECT 1 FROM tasks WHERE id = ? AND change_seq = " + dialect.changeSeqValue());
    query.setString(1, taskId);
    query.setLong(2, seq);
    try (ResultSet rs = query.executeQuery()) {
      return rs.next();
    }
  }

  @Override
  public Optional<StoredTask> write(TaskWrite write) {
    OwnWrites.Written written = ownWrites.collect();
    Map<RunRecord, String> runsJson = RunRows.encode(List.of(write));
    Optional<StoredTask> result =
        write(
            bookkeeping(List.of(write)),
            s -> {
              written.clear();
              Optional<StoredTask> current =
                  first(tasksAsWritten(s, FIND + dialect.lockRowSuffix(), write.taskId()));
              Optional<StoredTask> next = write.applyTo(current.orElse(null));
              if (next.isPresent()) {
                runRows.append(s, write.runs(), runsJson);
                writeStates(s, List.of(next.get()), List.of(write), written);
              }
              return next;
            });
    written.remember();
    return result;
  }

  /** One transaction; the dialect may skip rows another writer holds (their writes fail). */
  @Override
  public List<StoredTask> writeAll(List<TaskWrite> writes) {
    if (writes.isEmpty()) {
      return List.of();
    }
    Set<String> ids = new LinkedHashSet<>();
    writes.forEach(w -> ids.add(w.taskId()));
    OwnWrites.Written own = ownWrites.collect();
    Map<RunRecord, String> runsJson = RunRows.encode(writes);
    List<StoredTask> result =
        write(
            bookkeeping(writes),
            s -> {
              own.clear();
              Map<String, StoredTask> current = new HashMap<>();
              for (StoredTask task : dialect.lockTasks(s, ids, this::tasksAsWritten)) {
                current.put(task.id(), task);
              }
              List<StoredTask> written = new ArrayList<>();
              List<TaskWrite> applied = new ArrayList<>();
              for (TaskWrite write : writes) {
                Optional<StoredTask> next = write.applyTo(current.get(write.taskId()));
                if (next.isPresent()) {
                  current.put(write.taskId(), next.get()); // a second write of it sees this one
                  written.add(next.get());
                  applied.add(write);
                }
              }
              List<RunRecord> runs = new ArrayList<>();
              applied.forEach(write -> runs.addAll(write.runs()));
              runRows.append(s, runs, runsJson);
              writeStates(s, written, applied, own);
              return written;
            });
    own.remember();
    return result;
  }

  /**
   * Writes the tasks' states (already at their next versions), with the definitions their writes
   * carry, in one batch under freshly reserved change numbers. A task written twice in a batch is
   * written in order, so its last state stays.
   */
  private void writeStates(
      Session s, List<StoredTask> stored, List<TaskWrite> writes, OwnWrites.Written written)
      throws SQLException {
    if (stored.isEmpty()) {
      return;
    }
    long seq = s.reserveChangeSeqs(stored.size());
    PreparedStatement update = s.prepare(updateSql);
    for (int i = 0; i < stored.size(); i++) {
      StoredTask task = stored.get(i);
      written.add(seq, task);
      TaskRows.bindState(update, 1, task.state(), seq++);
      boolean redefined = writes.get(i).definition() != null;
      update.setString(8, redefined ? TaskJson.writeDefinition(task.definition()) : null);
      update.setString(9, redefined ? task.definition().priority().wireName() : null);
      update.setString(10, task.id());
      update.addBatch();
    }
    update.executeBatch(); // one round trip while the change counter's lock is held
  }

  @Override
  public boolean delete(String taskId) {
    return deleteAt(taskId, null);
  }

  @Override
  public boolean delete(String taskId, long version) {
    return deleteAt(taskId, version);
  }

  /**
   * Removes the task, if at {@code version} when one is given, with its runs; leaves a tombstone.
   */
  private boolean deleteAt(String taskId, @Nullable Long version) {
    return write(
        s -> {
          PreparedStatement delete =
              s.prepare(
                  version == null
                      ? "DELETE FROM tasks WHERE id = ?"
                      : "DELETE FROM tasks WHERE id = ? AND version = ?");
          delete.setString(1, taskId);
          if (version != null) {
            delete.setLong(2, version);
          }
          if (delete.executeUpdate() == 0) {
            return false;
          }
          runRows.deleteOf(s, taskId);
          PreparedStatement tomb =
              s.prepare(
                  "INSERT INTO removed_tasks (id, change_seq) VALUES (?, "
                      + dialect.changeSeqValue()
                      + ") ON CONFLICT (id) DO UPDATE SET change_seq = excluded.change_seq");
          tomb.setString(1, taskId);
          tomb.setLong(2, s.reserveChangeSeqs(1));
          tomb.executeUpdate();
          return true;
        });
  }

  /**
   * Keeps the newest {@value #TOMBSTONES_KEPT} removal records; a subclass calls it once opened. A
   * process whose cursor is older than that misses some removals; its stale queue entries then fail
   * to claim and are dropped.
   */
  protected final void pruneTombstones() {
    write(
        s -> {
          PreparedStatement prune =
              s.prepare(
                  "DELETE FROM removed_tasks WHERE change_seq <= (SELECT change_seq FROM"
                      + " removed_tasks ORDER BY change_seq DESC LIMIT 1 OFFSET ?)");
          prune.setInt(1, TOMBSTONES_KEPT);
          return prune.executeUpdate();
        });
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<StoredTask> find(String taskId) {
    return read(s -> first(tasks(s, FIND, taskId)));
  }

  @Override
  public List<StoredTask> list() {
    return read(s -> tasks(s, "SELECT " + TaskRows.COLUMNS + " FROM tasks ORDER BY id"));
  }

  /**
   * Reads in id order from the cursor through the primary key, in chunks, with the status, the
   * priority and the executor kind filtered by the database (the last two in the definition's
   * JSON); the label filter is applied to each chunk. Holds one chunk at a time, however many tasks
   * the store has.
   */
  @Override
  public TaskPage query(TaskQuery query) {
    StringBuilder sql =
        new StringBuilder("SELECT ").append(TaskRows.COLUMNS).append(" FROM tasks WHERE id > ?");
    List<Object> filters = new ArrayList<>();
    if (query.status() != null) {
      sql.append(" AND status = ?");
      filters.add(query.status().wireName());
    }
    if (query.priority() != null) {
      sql.append(" AND ").append(dialect.unindexed("priority")).append(" = ?");
      filters.add(query.priority().wireName());
    }
    if (query.executorKind() != null) {
      sql.append(" AND ").append(dialect.jsonText("definition", "kind")).append(" = ?");
      filters.add(query.executorKind());
    }
    sql.append(" ORDER BY id LIMIT ?"); // one of eight statements: the filters given, not values
    int chunk = Math.max(QUERY_CHUNK, query.limit() + 1);
    List<StoredTask> page = new ArrayList<>();
    String after = query.afterId() == null ? "" : query.afterId();
    while (true) {
      List<Object> args = new ArrayList<>();
      args.add(after);
      args.addAll(filters);
      args.add(chunk);
      List<StoredTask> rows = read(s -> tasks(s, sql.toString(), args.toArray()));
      for (StoredTask task : rows) {
        if (!query.matches(task)) {
          continue;
        }
        if (page.size() == query.limit()) {
          return new TaskPage(page, page.get(page.size() - 1).id());
        }
        page.add(task);
      }
      if (rows.size() < chunk) {
        return new TaskPage(page, null);
      }
      after = rows.get(rows.size() - 1).id();
    }
  }

  /**
   * Counted by the database from an index of the priority and status columns. A row whose
   * definition another program damaged before the priority column came counts in its status and the
   * total, not under a priority.
   */
  @Override
  public TaskCounts counts() {
    return read(
        s -> {
          Map<TaskStatus, Long> byStatus = new EnumMap<>(TaskStatus.class);
          Map<Priority, Long> byPriority = new EnumMap<>(Priority.class);
          long total = 0;
          try (ResultSet rs = s.prepare(countsSql).executeQuery()) {
            while (rs.next()) {
              long n = rs.getLong(3);
              total += n;
              byStatus.merge(TaskStatus.parse(rs.getString(1)), n, Long::sum);
              Priority priority = knownPriority(rs.getString(2));
              if (priority != null) {
                byPriority.merge(priority, n, Long::sum);
              }
            }
          }
          return new TaskCounts(total, byStatus, byPriority);
        });
  }

  private static @Nullable Priority knownPriority(@Nullable String wireName) {
    if (wireName == null) {
      return null;
    }
    try {
      return Priority.parse(wireName);
    } catch (IllegalArgumentException e) {
      return null; // written by another program: such a row fails when read, not when counted
    }
  }

  @Override
  public List<StoredTask> findExpiredLeases(Instant now, int limit) {
    List<StoredTask> candidates =
        read(
            s ->
                tasks(
                    s,
                    "SELECT "
                        + TaskRows.COLUMNS
                        + " FROM tasks WHERE lease_expires_ms <= ? ORDER BY lease_expires_ms, id"
                        + " LIMIT ?",
                    TaskRows.ceilMillis(now),
                    limit));
    List<StoredTask> expired = new ArrayList<>();
    for (StoredTask task : candidates) {
      Lease lease = task.state().lease();
      if (lease != null && !lease.expiresAt().isAfter(now)) { // the column is rounded up
        expired.add(task);
      }
    }
    expired.sort(
        Comparator.comparing(
                (StoredTask t) -> Objects.requireNonNull(t.state().lease()).expiresAt())
            .thenComparing(StoredTask::id));
    return expired;
  }

  @Override
  public List<RunRecord> runs(String taskId, int limit) {
    return read(s -> runRows.newest(s, taskId, limit));
  }

  /** Newest first by insertion order of the run records; the cursor is a position in it. */
  @Override
  public RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor) {
    long before = RunRows.position(cursor);
    return read(s -> runRows.page(s, taskId, limit, before));
  }

  @Override
  public ChangeSet changesSince(long cursor, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    checkOpen();
    return transactions.readSnapshot(s -> feed.read(s, cursor, limit, this::tasksAsWritten));
  }

  /** Runs a query of {@link TaskRows#COLUMNS} with {@code args} bound in order. */
  private List<StoredTask> tasks(Session s, String sql, Object... args) throws SQLException {
    return readTasks(s, sql, OwnWrites.NONE, args);
  }

  /**
   * {@link #tasks} for the change feed and for a write's read of the rows it changes: a row this
   * store wrote is taken as written ({@link OwnWrites}), since every writer of the schema gives a
   * row it writes a new change number. Lookups for a reader ({@code find}, {@code list}, queries)
   * decode what the row holds, so that a row another program damaged is said as such.
   */
  private List<StoredTask> tasksAsWritten(Session s, String sql, Object... args)
      throws SQLException {
    return readTasks(s, sql, ownWrites, args);
  }

  private static List<StoredTask> readTasks(Session s, String sql, OwnWrites own, Object... args)
      throws SQLException {
    PreparedStatement query = s.prepare(sql);
    for (int i = 0; i < args.length; i++) {
      query.setObject(i + 1, args[i]);
    }
    try (ResultSet rs = query.executeQuery()) {
      return TaskRows.read(rs, own);
    }
  }

  private static Optional<StoredTask> first(List<StoredTask> tasks) {
    return tasks.isEmpty() ? Optional.empty() : Optional.of(tasks.get(0));
  }

  // ------------------------------------------------------------------ nodes

  /** Heartbeats in the {@code nodes} table, shared by every process on the database. */
  @Override
  public Optional<NodeRegistry> nodeRegistry() {
    return Optional.of(this);
  }

  @Override
  public void heartbeat(NodeInfo node) {
    write(
        s -> {
          PreparedStatement upsert =
              s.prepare(
                  "INSERT INTO nodes (node_id, started, last_heartbeat, heartbeat_ms,"
                      + " runs_in_flight) VALUES (?, ?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE"
                      + " SET started = excluded.started, last_heartbeat = excluded.last_heartbeat,"
                      + " heartbeat_ms = excluded.heartbeat_ms,"
                      + " runs_in_flight = excluded.runs_in_flight");
          upsert.setString(1, node.nodeId());
          upsert.setString(2, node.startedAt().toString());
          upsert.setString(3, node.lastHeartbeat().toString());
          upsert.setLong(4, node.lastHeartbeat().toEpochMilli());
          upsert.setInt(5, node.runsInFlight());
          return upsert.executeUpdate();
        });
  }

  @Override
  public List<NodeInfo> nodes(Instant since) {
    return read(
        s -> {
          PreparedStatement query =
              s.prepare(
                  "SELECT node_id, started, last_heartbeat, runs_in_flight FROM nodes"
                      + " WHERE heartbeat_ms >= ? ORDER BY node_id");
          query.setLong(1, since.toEpochMilli());
          List<NodeInfo> nodes = new ArrayList<>();
          try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
              NodeInfo node =
                  new NodeInfo(
                      rs.getString(1),
                      Instant.parse(rs.getString(2)),
                      Instant.parse(rs.getString(3)),
                      rs.getInt(4));
              if (!node.lastHeartbeat().isBefore(since)) {
                nodes.add(node);
              }
            }
          }
          return nodes;
        });
  }

  // ------------------------------------------------------------------ changes, lifecycle

  @Override
  public Optional<ChangeNotifier> changeNotifier() {
    return Optional.of(listeners);
  }

  /** Tells the change listeners; for a subclass that hears of other processes' writes. */
  protected final void changedElsewhere() {
    listeners.changed();
  }

  /**
   * Finishes the writes under way and releases the connections; a subclass closes its own first.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    transactions.close();
  }

  protected final boolean isClosed() {
    return closed;
  }

  private <T> T write(Transactions.Work<T> work) {
    return write(false, work);
  }

  /** {@link #write}, or {@link Transactions#writeSyncedSoon} for {@code bookkeeping}. */
  private <T> T write(boolean bookkeeping, Transactions.Work<T> work) {
    checkOpen();
    return bookkeeping ? transactions.writeSyncedSoon(work) : transactions.write(work);
  }

  /**
   * Whether the writes are all the scheduler's own bookkeeping of runs (claims, lease renewals,
   * runs' ends), which no client waits on to be on disk ({@link Transactions#writeSyncedSoon}).
   */
  private static boolean bookkeeping(List<TaskWrite> writes) {
    return writes.stream().allMatch(TaskWrite::isRunBookkeeping);
  }

  private <T> T read(Transactions.Work<T> work) {
    checkOpen();
    return transactions.read(work);
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(description + " is closed");
    }
  }
}
