package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.json.TaskJson;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.Claim;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A {@link TaskStore} in one SQLite file, in WAL mode, that any number of processes on one machine
 * may open at once.
 *
 * <p><b>Writes</b> go through a {@link GroupCommitWriter}: one connection, one thread, and one
 * transaction (under SQLite's write lock, so conditional writes are atomic across processes) for
 * all writes that arrive together. A write returns once committed: with {@code synchronous=FULL}
 * (default) it survives power loss, with {@code NORMAL} it survives the process being killed.
 *
 * <p><b>Reads</b> use a small pool of connections; WAL lets them proceed while another process
 * writes.
 *
 * <p><b>Changes by other processes</b> are noticed by polling {@code PRAGMA data_version} every
 * {@value #WATCH_INTERVAL_MS} ms on a dedicated connection (a read of shared memory, no disk I/O);
 * change listeners then call {@link #changesSince}, which reads only rows written since the
 * caller's cursor through the {@code change_seq} index.
 */
public final class SqliteTaskStore implements TaskStore {
  private static final Logger log = LoggerFactory.getLogger(SqliteTaskStore.class);
  static final long WATCH_INTERVAL_MS = 200;
  private static final int READERS = 4;
  private static final int TOMBSTONES_KEPT = 10_000;
  private static final String TASK_COLUMNS = "definition, state, version";
  private static final String FIND_TASK = "SELECT " + TASK_COLUMNS + " FROM tasks WHERE id = ?";

  private final Path file;
  private final SqliteOptions options;
  private final int schemaVersionFound;
  private final GroupCommitWriter writer;
  private final Semaphore readPermits = new Semaphore(READERS);
  private final ConcurrentLinkedDeque<PreparedStatements> idleReaders =
      new ConcurrentLinkedDeque<>();
  private final List<PreparedStatements> allReaders = new CopyOnWriteArrayList<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final ReentrantLock watchLock = new ReentrantLock();
  private final Condition watchStop = watchLock.newCondition();
  private final Thread watcher;
  private volatile boolean closed;

  private SqliteTaskStore(
      Path file, SqliteOptions options, Connection writeConnection, int schemaVersionFound)
      throws SQLException {
    this.file = file;
    this.options = options;
    this.schemaVersionFound = schemaVersionFound;
    this.writer = new GroupCommitWriter(writeConnection, file.toString(), this::notifyListeners);
    Connection watchConnection = connect(file, options);
    this.watcher =
        Thread.ofPlatform()
            .daemon()
            .name("schedulerd-sqlite-watcher")
            .start(() -> watchLoop(watchConnection));
  }

  /**
   * Opens the store, creating the file (and its directory) or migrating its schema when needed.
   * Checks an existing file first and never writes to one that is damaged, foreign or newer.
   *
   * @throws StoreException with one message naming the file, what is wrong and what to do
   */
  public static SqliteTaskStore open(SqliteOptions options) {
    Path file = options.file().toAbsolutePath().normalize();
    StoreFileChecks.checkPath(file);
    Connection connection;
    try {
      connection = connect(file, options);
    } catch (SQLException e) {
      throw StoreFileChecks.cannotOpen(file, e);
    }
    try {
      StoreFileChecks.inspect(file, connection);
      try (Statement statement = connection.createStatement();
          ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
        if (!mode.next() || !"wal".equalsIgnoreCase(mode.getString(1))) {
          throw new StoreException(
              "Cannot open the task store "
                  + file
                  + ": SQLite refused WAL mode (is it on a network file system?). Use a local"
                  + " file with --store sqlite:PATH.");
        }
      }
      int found = Migrations.migrate(connection);
      SqliteTaskStore store = new SqliteTaskStore(file, options, connection, found);
      store.pruneTombstones();
      log.info(
          "Opened task store {} (schema {}{}, synchronous={})",
          file,
          Migrations.LATEST,
          found == 0 ? ", new" : found < Migrations.LATEST ? ", migrated from " + found : "",
          options.synchronous().name().toLowerCase(java.util.Locale.ROOT));
      return store;
    } catch (SQLException e) {
      closeQuietly(connection);
      throw StoreFileChecks.cannotOpen(file, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /** Whether this open created the schema, i.e. the database was new. */
  public boolean createdNew() {
    return schemaVersionFound == 0;
  }

  /** Write transactions this instance has committed; a burst of writes shares one. */
  long commits() {
    return writer.commits();
  }

  static Connection connect(Path file, SqliteOptions options) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, options.busyTimeout().toMillis()));
    config.setSynchronous(
        options.synchronous() == SqliteOptions.Synchronous.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    return config.createConnection("jdbc:sqlite:" + file);
  }

  // ------------------------------------------------------------------ writes

  @Override
  public StoredTask insert(TaskDefinition definition, TaskState state) {
    return insertAll(List.of(new StoredTask(definition, state))).get(0);
  }

  /** All in one transaction (one write batch's savepoint): a duplicate id adds none. */
  @Override
  public List<StoredTask> insertAll(List<StoredTask> tasks) {
    List<StoredTask> stored = new ArrayList<>(tasks.size());
    for (StoredTask task : tasks) {
      stored.add(new StoredTask(task.definition(), task.state().withVersion(1)));
    }
    return writer.execute(
        batch -> {
          java.util.Set<String> ids = new java.util.HashSet<>();
          for (StoredTask task : stored) {
            PreparedStatement exists = batch.prepared("SELECT 1 FROM tasks WHERE id = ?");
            exists.setString(1, task.id());
            try (ResultSet rs = exists.executeQuery()) {
              if (rs.next() || !ids.add(task.id())) {
                throw new DuplicateTaskException(task.id());
              }
            }
          }
          for (StoredTask task : stored) {
            PreparedStatement insert =
                batch.prepared(
                    "INSERT INTO tasks (id, definition, state, status, version, next_due_ms,"
                        + " lease_run_id, lease_expires_ms, change_seq)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
            insert.setString(1, task.id());
            insert.setString(2, TaskJson.writeDefinition(task.definition()));
            bindState(insert, 3, task.state(), batch.nextChangeSeq());
            insert.executeUpdate();
            PreparedStatement untomb = batch.prepared("DELETE FROM removed_tasks WHERE id = ?");
            untomb.setString(1, task.id());
            untomb.executeUpdate();
          }
          return stored;
        });
  }

  @Override
  public Optional<StoredTask> update(String taskId, long expectedVersion, TaskState next) {
    return writeIf(taskId, current -> current.version() == expectedVersion, current -> next, null);
  }

  @Override
  public Optional<StoredTask> replace(
      String taskId, long expectedVersion, TaskDefinition definition, TaskState next) {
    if (!definition.id().equals(taskId)) {
      throw new IllegalArgumentException(
          "the definition's id " + definition.id() + " is not the task's id " + taskId);
    }
    return writer.execute(
        batch -> {
          TaskState state = next.withVersion(expectedVersion + 1);
          PreparedStatement update =
              batch.prepared(
                  "UPDATE tasks SET state = ?, status = ?, version = ?, next_due_ms = ?,"
                      + " lease_run_id = ?, lease_expires_ms = ?, change_seq = ?, definition = ?"
                      + " WHERE id = ? AND version = ?");
          bindState(update, 1, state, batch.nextChangeSeq());
          update.setString(8, TaskJson.writeDefinition(definition));
          update.setString(9, taskId);
          update.setLong(10, expectedVersion);
          if (update.executeUpdate() != 1) {
            return Optional.empty();
          }
          return Optional.of(new StoredTask(definition, state));
        });
  }

  @Override
  public Optional<StoredTask> claim(String taskId, long expectedVersion, Lease lease) {
    return writeIf(
        taskId,
        current -> current.version() == expectedVersion && current.state().status().isQueued(),
        current -> current.state().running(lease, lease.acquiredAt()),
        null);
  }

  /** All claims in one transaction: one fsync for a whole look-ahead batch. */
  @Override
  public List<StoredTask> claimAll(List<Claim> claims) {
    if (claims.isEmpty()) {
      return List.of();
    }
    return writer.execute(
        batch -> {
          List<StoredTask> claimed = new ArrayList<>(claims.size());
          for (Claim claim : claims) {
            writeIfLocked(
                    batch,
                    claim.taskId(),
                    current ->
                        current.version() == claim.expectedVersion()
                            && current.state().status().isQueued(),
                    current -> current.state().running(claim.lease(), claim.lease().acquiredAt()),
                    List.of())
                .ifPresent(claimed::add);
          }
          return claimed;
        });
  }

  @Override
  public Optional<StoredTask> renewLease(String taskId, String runId, Instant newExpiry) {
    return writeIf(
        taskId,
        current -> holdsLease(current, runId),
        current -> current.state().leaseRenewed(newExpiry, current.state().updatedAt()),
        null);
  }

  @Override
  public Optional<StoredTask> complete(String taskId, String runId, TaskState next, RunRecord run) {
    run.requireTask(taskId);
    return writeIf(taskId, current -> holdsLease(current, runId), current -> next, run);
  }

  @Override
  public Optional<StoredTask> complete(
      String taskId, String runId, TaskState next, RunRecord run, List<RunRecord> notRun) {
    List<RunRecord> runs = new ArrayList<>(notRun);
    runs.add(run); // the run is the newest record
    runs.forEach(r -> r.requireTask(taskId));
    return writeIfWithRuns(taskId, current -> holdsLease(current, runId), current -> next, runs);
  }

  @Override
  public Optional<StoredTask> updateWithRuns(
      String taskId, long expectedVersion, TaskState next, List<RunRecord> runs) {
    runs.forEach(r -> r.requireTask(taskId));
    return writeIfWithRuns(
        taskId, current -> current.version() == expectedVersion, current -> next, runs);
  }

  @Override
  public Optional<StoredTask> recoverAbandoned(
      String taskId, long expectedVersion, TaskState next, RunRecord run) {
    run.requireTask(taskId);
    return writeIf(
        taskId,
        current -> current.version() == expectedVersion && current.state().lease() != null,
        current -> next,
        run);
  }

  private interface NextState {
    TaskState from(StoredTask current);
  }

  private Optional<StoredTask> writeIf(
      String taskId, Predicate<StoredTask> condition, NextState next, @Nullable RunRecord run) {
    return writeIfWithRuns(taskId, condition, next, run == null ? List.of() : List.of(run));
  }

  private Optional<StoredTask> writeIfWithRuns(
      String taskId, Predicate<StoredTask> condition, NextState next, List<RunRecord> runs) {
    return writer.execute(batch -> writeIfLocked(batch, taskId, condition, next, runs));
  }

  /** Runs inside a write batch. */
  private Optional<StoredTask> writeIfLocked(
      GroupCommitWriter.Batch batch,
      String taskId,
      Predicate<StoredTask> condition,
      NextState next,
      List<RunRecord> runs)
      throws SQLException {
    Optional<StoredTask> current = findTask(batch.prepared(FIND_TASK), taskId);
    if (current.isEmpty() || !condition.test(current.get())) {
      return Optional.empty();
    }
    StoredTask old = current.get();
    StoredTask stored = old.withState(next.from(old).withVersion(old.version() + 1));
    PreparedStatement update =
        batch.prepared(
            "UPDATE tasks SET state = ?, status = ?, version = ?, next_due_ms = ?,"
                + " lease_run_id = ?, lease_expires_ms = ?, change_seq = ?"
                + " WHERE id = ? AND version = ?");
    bindState(update, 1, stored.state(), batch.nextChangeSeq());
    update.setString(8, taskId);
    update.setLong(9, old.version());
    if (update.executeUpdate() != 1) {
      return Optional.empty();
    }
    for (RunRecord run : runs) {
      appendRun(batch, run);
    }
    return Optional.of(stored);
  }

  /** Binds state, status, version, next_due_ms, lease_run_id, lease_expires_ms, change_seq. */
  private static void bindState(PreparedStatement statement, int first, TaskState state, long seq)
      throws SQLException {
    statement.setString(first, TaskJson.writeState(state));
    statement.setString(first + 1, state.status().wireName());
    statement.setLong(first + 2, state.version());
    Instant due = state.nextDueAt();
    if (due != null) {
      statement.setLong(first + 3, floorMillis(due));
    } else {
      statement.setNull(first + 3, java.sql.Types.INTEGER);
    }
    Lease lease = state.lease();
    if (lease != null) {
      statement.setString(first + 4, lease.runId());
      statement.setLong(first + 5, ceilMillis(lease.expiresAt()));
    } else {
      statement.setNull(first + 4, java.sql.Types.VARCHAR);
      statement.setNull(first + 5, java.sql.Types.INTEGER);
    }
    statement.setLong(first + 6, seq);
  }

  private void appendRun(GroupCommitWriter.Batch batch, RunRecord run) throws SQLException {
    PreparedStatement insert =
        batch.prepared("INSERT INTO runs (task_id, run_id, record) VALUES (?, ?, ?)");
    insert.setString(1, run.taskId());
    insert.setString(2, run.runId());
    insert.setString(3, TaskJson.writeRun(run));
    insert.executeUpdate();
    PreparedStatement prune =
        batch.prepared(
            "DELETE FROM runs WHERE task_id = ?1 AND seq <= (SELECT seq FROM runs WHERE task_id = ?1"
                + " ORDER BY seq DESC LIMIT 1 OFFSET ?2)");
    prune.setString(1, run.taskId());
    prune.setInt(2, options.runsKeptPerTask());
    prune.executeUpdate();
  }

  @Override
  public boolean delete(String taskId) {
    return writer.execute(
        batch -> {
          PreparedStatement delete = batch.prepared("DELETE FROM tasks WHERE id = ?");
          delete.setString(1, taskId);
          if (delete.executeUpdate() == 0) {
            return false;
          }
          PreparedStatement runs = batch.prepared("DELETE FROM runs WHERE task_id = ?");
          runs.setString(1, taskId);
          runs.executeUpdate();
          PreparedStatement tomb =
              batch.prepared("INSERT OR REPLACE INTO removed_tasks (id, change_seq) VALUES (?, ?)");
          tomb.setString(1, taskId);
          tomb.setLong(2, batch.nextChangeSeq());
          tomb.executeUpdate();
          return true;
        });
  }

  /**
   * Keeps the newest {@value #TOMBSTONES_KEPT} removal records. A process whose cursor is older
   * than that misses some removals; its stale queue entries then fail to claim and are dropped.
   */
  private void pruneTombstones() {
    writer.execute(
        batch -> {
          PreparedStatement prune =
              batch.prepared(
                  "DELETE FROM removed_tasks WHERE change_seq <= (SELECT change_seq FROM"
                      + " removed_tasks ORDER BY change_seq DESC LIMIT 1 OFFSET ?)");
          prune.setInt(1, TOMBSTONES_KEPT);
          return prune.executeUpdate();
        });
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<StoredTask> find(String taskId) {
    return read(c -> findTask(c.get(FIND_TASK), taskId));
  }

  @Override
  public List<StoredTask> list() {
    return read(c -> queryTasks(c, "SELECT " + TASK_COLUMNS + " FROM tasks ORDER BY id"));
  }

  @Override
  public List<StoredTask> findExpiredLeases(Instant now, int limit) {
    List<StoredTask> candidates =
        read(
            c ->
                queryTasks(
                    c,
                    "SELECT "
                        + TASK_COLUMNS
                        + " FROM tasks WHERE lease_expires_ms <= ? ORDER BY lease_expires_ms, id"
                        + " LIMIT ?",
                    ceilMillis(now),
                    limit));
    List<StoredTask> expired = new ArrayList<>();
    for (StoredTask task : candidates) {
      Lease lease = task.state().lease();
      if (lease != null && !lease.expiresAt().isAfter(now)) {
        expired.add(task);
      }
    }
    expired.sort(
        Comparator.comparing((StoredTask t) -> requireLease(t).expiresAt())
            .thenComparing(StoredTask::id));
    return expired;
  }

  @Override
  public List<RunRecord> runs(String taskId, int limit) {
    return read(
        c -> {
          PreparedStatement query =
              c.get("SELECT record FROM runs WHERE task_id = ? ORDER BY seq DESC LIMIT ?");
          query.setString(1, taskId);
          query.setInt(2, limit);
          List<RunRecord> runs = new ArrayList<>();
          try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
              runs.add(TaskJson.readRun(rs.getString(1)));
            }
          }
          return runs;
        });
  }

  /** Newest first by insertion order of the run records; the cursor is a position in it. */
  @Override
  public RunPage allRuns(int limit, @Nullable String cursor) {
    long before;
    try {
      before = cursor == null ? Long.MAX_VALUE : Long.parseLong(cursor);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cursor '" + cursor + "' is not one this store gave", e);
    }
    return read(
        c -> {
          PreparedStatement query =
              c.get("SELECT seq, record FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?");
          query.setLong(1, before);
          query.setInt(2, limit + 1);
          List<RunRecord> runs = new ArrayList<>();
          long last = 0;
          boolean more = false;
          try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
              if (runs.size() == limit) {
                more = true;
                break;
              }
              last = rs.getLong(1);
              runs.add(TaskJson.readRun(rs.getString(2)));
            }
          }
          return new RunPage(runs, more ? Long.toString(last) : null);
        });
  }

  @Override
  public ChangeSet changesSince(long cursor) {
    return changesSince(cursor, Integer.MAX_VALUE);
  }

  @Override
  public ChangeSet changesSince(long cursor, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    return read(
        c -> {
          c.get("BEGIN").execute(); // one snapshot for the counter and the rows
          try {
            long now;
            try (ResultSet rs = c.get("SELECT value FROM change_counter").executeQuery()) {
              now = rs.next() ? rs.getLong(1) : 0;
            }
            if (now == cursor) {
              return new ChangeSet(cursor, List.of(), List.of());
            }
            long upTo = pageEnd(c, cursor, limit, now);
            List<StoredTask> changed =
                queryTasks(
                    c,
                    "SELECT "
                        + TASK_COLUMNS
                        + " FROM tasks WHERE change_seq > ? AND change_seq <= ?"
                        + " ORDER BY change_seq",
                    cursor,
                    upTo);
            List<String> removed = new ArrayList<>();
            PreparedStatement query =
                c.get(
                    "SELECT id FROM removed_tasks WHERE change_seq > ? AND change_seq <= ?"
                        + " ORDER BY change_seq");
            query.setLong(1, cursor);
            query.setLong(2, upTo);
            try (ResultSet rs = query.executeQuery()) {
              while (rs.next()) {
                removed.add(rs.getString(1));
              }
            }
            return new ChangeSet(upTo, changed, removed);
          } finally {
            c.get("COMMIT").execute();
          }
        });
  }

  /**
   * The change number a page of {@code limit} tasks after {@code cursor} ends at: that of its
   * {@code limit}-th task (from the change-number index alone), or {@code now} when fewer remain.
   */
  private static long pageEnd(PreparedStatements c, long cursor, int limit, long now)
      throws SQLException {
    if (limit == Integer.MAX_VALUE) {
      return now;
    }
    PreparedStatement query =
        c.get(
            "SELECT change_seq FROM tasks WHERE change_seq > ? ORDER BY change_seq"
                + " LIMIT 1 OFFSET ?");
    query.setLong(1, cursor);
    query.setInt(2, limit - 1);
    try (ResultSet rs = query.executeQuery()) {
      return rs.next() ? rs.getLong(1) : now;
    }
  }

  /** Runs {@link #FIND_TASK}; the caller owns {@code query}. */
  private static Optional<StoredTask> findTask(PreparedStatement query, String taskId)
      throws SQLException {
    List<StoredTask> found = queryTasks(query, taskId);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  private static List<StoredTask> queryTasks(PreparedStatements c, String sql, Object... args)
      throws SQLException {
    return queryTasks(c.get(sql), args);
  }

  private static List<StoredTask> queryTasks(PreparedStatement query, Object... args)
      throws SQLException {
    for (int i = 0; i < args.length; i++) {
      query.setObject(i + 1, args[i]);
    }
    try (ResultSet rs = query.executeQuery()) {
      return readTasks(rs);
    }
  }

  /** Rows decoded per chunk; a query returning fewer is decoded on the calling thread alone. */
  private static final int DECODE_CHUNK = 2_048;

  /**
   * Reads the rows and decodes them into tasks, in row order. Decoding (JSON, instants) costs far
   * more than reading: for large results (a start-up with a million stored tasks) each full chunk
   * of rows is decoded on the common pool while the next is read, and the reader decodes whatever
   * no pool thread has started.
   */
  private static List<StoredTask> readTasks(ResultSet rs) throws SQLException {
    List<FutureTask<List<StoredTask>>> chunks = new ArrayList<>();
    List<RawTask> chunk = new ArrayList<>();
    while (rs.next()) {
      // The JSON's UTF-8 bytes as stored: decoded by Jackson's byte parser, never a String.
      chunk.add(new RawTask(rs.getBytes(1), rs.getBytes(2), rs.getLong(3)));
      if (chunk.size() == DECODE_CHUNK) {
        List<RawTask> full = chunk;
        FutureTask<List<StoredTask>> decode = new FutureTask<>(() -> decodeAll(full));
        ForkJoinPool.commonPool().execute(decode);
        chunks.add(decode);
        chunk = new ArrayList<>();
      }
    }
    if (chunks.isEmpty()) {
      return decodeAll(chunk);
    }
    List<StoredTask> tasks = new ArrayList<>(chunks.size() * DECODE_CHUNK + chunk.size());
    for (FutureTask<List<StoredTask>> decode : chunks) {
      decode.run(); // does nothing when a pool thread has started it already
      tasks.addAll(joinDecoded(decode));
    }
    tasks.addAll(decodeAll(chunk));
    return tasks;
  }

  private static List<StoredTask> joinDecoded(FutureTask<List<StoredTask>> decode) {
    try {
      return decode.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new StoreException("decoding stored tasks failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while decoding stored tasks", e);
    }
  }

  /** A task row as read, not yet decoded. */
  private record RawTask(byte[] definition, byte[] state, long version) {}

  private static List<StoredTask> decodeAll(List<RawTask> rows) {
    List<StoredTask> tasks = new ArrayList<>(rows.size());
    for (RawTask row : rows) {
      tasks.add(decode(row.definition(), row.state(), row.version()));
    }
    return tasks;
  }

  private static StoredTask decode(byte[] definition, byte[] state, long version) {
    try {
      return new StoredTask(
          TaskJson.readDefinition(definition), TaskJson.readState(state, version));
    } catch (RuntimeException e) {
      throw new StoreException(
          "a stored task cannot be read ("
              + e.getMessage()
              + "): "
              + abbreviate(new String(definition, StandardCharsets.UTF_8)),
          e);
    }
  }

  private interface Read<T> {
    T apply(PreparedStatements connection) throws SQLException;
  }

  private <T> T read(Read<T> read) {
    checkOpen();
    try {
      readPermits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting to read " + file, e);
    }
    try {
      PreparedStatements connection = idleReaders.pollFirst();
      if (connection == null) {
        connection = new PreparedStatements(connect(file, options));
        allReaders.add(connection);
      }
      try {
        return read.apply(connection);
      } catch (SQLException | RuntimeException e) {
        connection.discard(); // a statement may have been left mid-step
        throw e;
      } finally {
        idleReaders.addFirst(connection);
      }
    } catch (SQLException e) {
      throw new StoreException("reading " + file + " failed: " + e.getMessage(), e);
    } finally {
      readPermits.release();
    }
  }

  // ------------------------------------------------------------------ nodes

  @Override
  public void heartbeat(NodeInfo node) {
    writer.execute(
        batch -> {
          PreparedStatement upsert =
              batch.prepared(
                  "INSERT OR REPLACE INTO nodes (node_id, started, last_heartbeat,"
                      + " heartbeat_ms, runs_in_flight) VALUES (?, ?, ?, ?, ?)");
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
        c -> {
          PreparedStatement q =
              c.get(
                  "SELECT node_id, started, last_heartbeat, runs_in_flight FROM nodes"
                      + " WHERE heartbeat_ms >= ? ORDER BY node_id");
          q.setLong(1, since.toEpochMilli());
          List<NodeInfo> nodes = new ArrayList<>();
          try (ResultSet rs = q.executeQuery()) {
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

  // ------------------------------------------------------------------ changes of other processes

  @Override
  public void addChangeListener(Runnable listener) {
    listeners.add(listener);
  }

  private void notifyListeners() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("A store change listener failed; it stays registered", e);
      }
    }
  }

  private void watchLoop(Connection connection) {
    long lastVersion = -1;
    try (connection;
        Statement statement = connection.createStatement()) {
      while (!closed) {
        long version;
        try (ResultSet rs = statement.executeQuery("PRAGMA data_version")) {
          version = rs.next() ? rs.getLong(1) : 0;
        }
        if (lastVersion >= 0 && version != lastVersion) {
          notifyListeners();
        }
        lastVersion = version;
        watchLock.lock();
        try {
          if (!closed) {
            watchStop.await(WATCH_INTERVAL_MS, TimeUnit.MILLISECONDS);
          }
        } finally {
          watchLock.unlock();
        }
      }
    } catch (SQLException e) {
      if (!closed) {
        log.error(
            "Watching {} for other processes' changes failed; they will be seen at the"
                + " scheduler's sync interval",
            file,
            e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    watchLock.lock();
    try {
      watchStop.signalAll();
    } finally {
      watchLock.unlock();
    }
    writer.close();
    try {
      watcher.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    readPermits.acquireUninterruptibly(READERS);
    allReaders.forEach(PreparedStatements::close);
    writer.closeConnection();
    log.info("Closed task store {}", file);
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("the SQLite store " + file + " is closed");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static boolean holdsLease(StoredTask task, String runId) {
    Lease lease = task.state().lease();
    return task.state().status() == TaskStatus.RUNNING
        && lease != null
        && lease.runId().equals(runId);
  }

  private static Lease requireLease(StoredTask task) {
    Lease lease = task.state().lease();
    if (lease == null) {
      throw new IllegalStateException("task " + task.id() + " has no lease");
    }
    return lease;
  }

  static long floorMillis(Instant instant) {
    return instant.toEpochMilli();
  }

  static long ceilMillis(Instant instant) {
    long millis = instant.toEpochMilli();
    return instant.getNano() % 1_000_000 == 0 ? millis : millis + 1;
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…";
  }

  static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("Closing a connection failed", e);
    }
  }

  static boolean isError(SQLException e, SQLiteErrorCode code) {
    return e instanceof SQLiteException sqlite && sqlite.getResultCode().code == code.code;
  }
}
