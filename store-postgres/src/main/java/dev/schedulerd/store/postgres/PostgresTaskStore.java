package dev.schedulerd.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TaskStore} on PostgreSQL, shared by any number of nodes.
 *
 * <p>Every write is one transaction: the task's row is locked ({@code FOR UPDATE}) and checked
 * against the caller's condition, then written; batches of claims lock their rows with {@code SKIP
 * LOCKED}, so racing nodes never wait on each other and exactly one wins each run. Every write also
 * takes the one {@code change_counter} row, so change numbers commit in order and {@link
 * #changesSince} never misses a write; it then sends {@code NOTIFY schedulerd_changes}, which other
 * nodes hear through {@code LISTEN} (and at their sync interval if a notification is lost).
 */
public final class PostgresTaskStore implements TaskStore {
  private static final Logger log = LoggerFactory.getLogger(PostgresTaskStore.class);
  static final String CHANNEL = "schedulerd_changes";
  private static final String TASK_COLUMNS = "definition, state, version";
  private static final List<String> MIGRATIONS =
      List.of("V1__tasks_runs_changes.sql", "V2__nodes.sql");
  private static final int RUNS_KEPT_PER_TASK = 1_000;

  private final String url;
  private final HikariDataSource pool;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Thread listener;
  private final CountDownLatch listening = new CountDownLatch(1);
  private volatile boolean closed;

  private PostgresTaskStore(String url, HikariDataSource pool) {
    this.url = url;
    this.pool = pool;
    this.listener =
        Thread.ofPlatform().daemon().name("schedulerd-pg-listen").start(this::listenLoop);
    try {
      // Changes from others are heard from the moment open returns (else at the sync interval).
      if (!listening.await(10, TimeUnit.SECONDS)) {
        log.warn(
            "LISTEN on {} is not up yet; other nodes' changes arrive at the sync interval",
            redact(url));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Connects (the URL may carry user and password as parameters) and creates or migrates the
   * schema.
   *
   * @throws StoreException naming the database and what is wrong
   */
  public static PostgresTaskStore open(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "'"
              + jdbcUrl
              + "' is not a PostgreSQL JDBC URL; e.g. postgres:jdbc:postgresql://db:5432/schedulerd?user=s&password=...");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(8);
    config.setPoolName("schedulerd-pg");
    config.setInitializationFailTimeout(10_000);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException(
          "Cannot connect to the task store "
              + redact(jdbcUrl)
              + ": "
              + e.getMessage()
              + ". Check the URL, the credentials and that PostgreSQL is up.",
          e);
    }
    try {
      migrate(pool);
    } catch (SQLException | RuntimeException e) {
      pool.close();
      throw new StoreException(
          "Cannot prepare the task store " + redact(jdbcUrl) + ": " + e.getMessage(), e);
    }
    log.info("Opened task store {} (PostgreSQL)", redact(jdbcUrl));
    return new PostgresTaskStore(jdbcUrl, pool);
  }

  private static void migrate(HikariDataSource pool) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      // Nodes starting together migrate one at a time.
      s.execute("SELECT pg_advisory_xact_lock(7123004)");
      s.execute("CREATE TABLE IF NOT EXISTS schedulerd_schema (version INTEGER NOT NULL)");
      int version = 0;
      try (ResultSet rs = s.executeQuery("SELECT max(version) FROM schedulerd_schema")) {
        if (rs.next()) {
          version = rs.getInt(1);
        }
      }
      if (version > MIGRATIONS.size()) {
        c.rollback();
        throw new SQLException(
            "the schema is version "
                + version
                + ", written by a newer schedulerd (this one knows up to "
                + MIGRATIONS.size()
                + "); run the newer schedulerd or use another database");
      }
      for (int v = version; v < MIGRATIONS.size(); v++) {
        s.execute(script(MIGRATIONS.get(v)));
        s.execute("INSERT INTO schedulerd_schema (version) VALUES (" + (v + 1) + ")");
      }
      c.commit();
    }
  }

  private static String script(String name) {
    try (InputStream in = PostgresTaskStore.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("migration " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ transactions

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one transaction; notifies other nodes when it wrote. */
  private <T> T write(Work<T> work) {
    checkOpen();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("writing to " + redact(url) + " failed: " + e.getMessage(), e);
    } finally {
      notifyListeners();
    }
  }

  private <T> T read(Work<T> work) {
    checkOpen();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(true);
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("reading " + redact(url) + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Announces the transaction's writes to other nodes (PostgreSQL delivers it at commit) and
   * reserves {@code count} change numbers, returning the first. This takes the counter row's lock
   * until commit, which makes change numbers commit in order, and every writer of every node waits
   * for that lock: so call it last in a transaction, right before the writes that use the numbers.
   */
  private static long reserveChangeSeqs(Connection c, int count) throws SQLException {
    try (Statement notify = c.createStatement()) {
      notify.execute("NOTIFY " + CHANNEL);
    }
    try (PreparedStatement reserve =
        c.prepareStatement("UPDATE change_counter SET value = value + ? RETURNING value")) {
      reserve.setInt(1, count);
      try (ResultSet rs = reserve.executeQuery()) {
        rs.next();
        return rs.getLong(1) - count + 1;
      }
    }
  }

  // ------------------------------------------------------------------ writes

  @Override
  public StoredTask insert(TaskDefinition definition, TaskState state) {
    return insertAll(List.of(new StoredTask(definition, state))).get(0);
  }

  /** All in one transaction: a duplicate id adds none. */
  @Override
  public List<StoredTask> insertAll(List<StoredTask> tasks) {
    List<StoredTask> stored = new ArrayList<>(tasks.size());
    for (StoredTask task : tasks) {
      stored.add(new StoredTask(task.definition(), task.state().withVersion(1)));
    }
    return write(
        c -> {
          try (PreparedStatement untomb =
              c.prepareStatement("DELETE FROM removed_tasks WHERE id = ?")) {
            for (StoredTask task : stored) {
              untomb.setString(1, task.id());
              untomb.addBatch();
            }
            untomb.executeBatch();
          }
          long seq = reserveChangeSeqs(c, stored.size());
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO tasks (id, definition, state, status, version, next_due_ms,"
                      + " lease_run_id, lease_expires_ms, change_seq)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            for (StoredTask task : stored) {
              insert.setString(1, task.id());
              insert.setString(2, TaskJson.writeDefinition(task.definition()));
              bindState(insert, 3, task.state(), seq++);
              if (insert.executeUpdate() == 0) {
                throw new DuplicateTaskException(task.id()); // rolls the whole batch back
              }
            }
          }
          return stored;
        });
  }

  @Override
  public Optional<StoredTask> update(String taskId, long expectedVersion, TaskState next) {
    return write(
        c -> writeIf(c, taskId, t -> t.version() == expectedVersion, t -> next, null, null));
  }

  @Override
  public Optional<StoredTask> replace(
      String taskId, long expectedVersion, TaskDefinition definition, TaskState next) {
    if (!definition.id().equals(taskId)) {
      throw new IllegalArgumentException(
          "the definition's id " + definition.id() + " is not the task's id " + taskId);
    }
    return write(
        c -> writeIf(c, taskId, t -> t.version() == expectedVersion, t -> next, definition, null));
  }

  @Override
  public Optional<StoredTask> claim(String taskId, long expectedVersion, Lease lease) {
    return write(
        c ->
            writeIf(
                c,
                taskId,
                t -> t.version() == expectedVersion && t.state().status().isQueued(),
                t -> t.state().running(lease, lease.acquiredAt()),
                null,
                null));
  }

  /** One transaction; rows another node is claiming right now are skipped, not waited for. */
  @Override
  public List<StoredTask> claimAll(List<Claim> claims) {
    if (claims.isEmpty()) {
      return List.of();
    }
    return write(
        c -> {
          Map<String, Claim> byId = new HashMap<>();
          claims.forEach(claim -> byId.putIfAbsent(claim.taskId(), claim));
          List<StoredTask> claimed = new ArrayList<>();
          Array ids = c.createArrayOf("text", byId.keySet().toArray());
          List<StoredTask> locked;
          try (PreparedStatement lock =
              c.prepareStatement(
                  "SELECT "
                      + TASK_COLUMNS
                      + " FROM tasks WHERE id = ANY(?) ORDER BY id FOR UPDATE SKIP LOCKED")) {
            lock.setArray(1, ids);
            locked = tasks(lock);
          }
          for (StoredTask current : locked) {
            Claim claim = byId.get(current.id());
            if (claim != null
                && current.version() == claim.expectedVersion()
                && current.state().status().isQueued()) {
              TaskState next = current.state().running(claim.lease(), claim.lease().acquiredAt());
              claimed.add(current.withState(next.withVersion(current.version() + 1)));
            }
          }
          writeStates(c, claimed, null); // one round trip under the counter's lock
          return claimed;
        });
  }

  @Override
  public Optional<StoredTask> renewLease(String taskId, String runId, Instant newExpiry) {
    return write(
        c ->
            writeIf(
                c,
                taskId,
                t -> holdsLease(t, runId),
                t -> t.state().leaseRenewed(newExpiry, t.state().updatedAt()),
                null,
                null));
  }

  @Override
  public Optional<StoredTask> complete(String taskId, String runId, TaskState next, RunRecord run) {
    run.requireTask(taskId);
    return write(c -> writeIf(c, taskId, t -> holdsLease(t, runId), t -> next, null, run));
  }

  @Override
  public Optional<StoredTask> complete(
      String taskId, String runId, TaskState next, RunRecord run, List<RunRecord> notRun) {
    List<RunRecord> runs = new ArrayList<>(notRun);
    runs.add(run); // the run is the newest record
    runs.forEach(r -> r.requireTask(taskId));
    return write(c -> writeIfWithRuns(c, taskId, t -> holdsLease(t, runId), t -> next, null, runs));
  }

  @Override
  public Optional<StoredTask> updateWithRuns(
      String taskId, long expectedVersion, TaskState next, List<RunRecord> runs) {
    runs.forEach(r -> r.requireTask(taskId));
    return write(
        c ->
            writeIfWithRuns(c, taskId, t -> t.version() == expectedVersion, t -> next, null, runs));
  }

  @Override
  public Optional<StoredTask> recoverAbandoned(
      String taskId, long expectedVersion, TaskState next, RunRecord run) {
    run.requireTask(taskId);
    return write(
        c ->
            writeIf(
                c,
                taskId,
                t -> t.version() == expectedVersion && t.state().lease() != null,
                t -> next,
                null,
                run));
  }

  /**
   * The database server's clock ({@code clock_timestamp()}), one query per reading: nodes on
   * different machines measure leases and heartbeats by it, so their own clocks never decide whose
   * lease expired.
   */
  @Override
  public Optional<InstantSource> sharedClock() {
    return Optional.of(this::databaseNow);
  }

  private Instant databaseNow() {
    return read(
        c -> {
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
          }
        });
  }

  private interface NextState {
    TaskState from(StoredTask current);
  }

  private Optional<StoredTask> writeIf(
      Connection c,
      String taskId,
      Predicate<StoredTask> condition,
      NextState next,
      @Nullable TaskDefinition definition,
      @Nullable RunRecord run)
      throws SQLException {
    return writeIfWithRuns(
        c, taskId, condition, next, definition, run == null ? List.of() : List.of(run));
  }

  private Optional<StoredTask> writeIfWithRuns(
      Connection c,
      String taskId,
      Predicate<StoredTask> condition,
      NextState next,
      @Nullable TaskDefinition definition,
      List<RunRecord> runs)
      throws SQLException {
    Optional<StoredTask> current;
    try (PreparedStatement lock =
        c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM tasks WHERE id = ? FOR UPDATE")) {
      lock.setString(1, taskId);
      List<StoredTask> found = tasks(lock);
      current = found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }
    if (current.isEmpty() || !condition.test(current.get())) {
      return Optional.empty();
    }
    StoredTask old =
        definition == null ? current.get() : new StoredTask(definition, current.get().state());
    for (RunRecord run : runs) {
      appendRun(c, run); // before the state: the counter's lock is taken last
    }
    StoredTask stored = old.withState(next.from(current.get()).withVersion(old.version() + 1));
    writeStates(c, List.of(stored), definition);
    return Optional.of(stored);
  }

  /**
   * Writes the tasks' states (already at their next versions), and the definition when one task's
   * is given, in one batch under freshly reserved change numbers.
   */
  private static void writeStates(
      Connection c, List<StoredTask> stored, @Nullable TaskDefinition definition)
      throws SQLException {
    if (stored.isEmpty()) {
      return;
    }
    long seq = reserveChangeSeqs(c, stored.size());
    try (PreparedStatement update =
        c.prepareStatement(
            "UPDATE tasks SET state = ?, status = ?, version = ?, next_due_ms = ?, lease_run_id = ?,"
                + " lease_expires_ms = ?, change_seq = ?, definition = COALESCE(?, definition)"
                + " WHERE id = ?")) {
      for (StoredTask task : stored) {
        bindState(update, 1, task.state(), seq++);
        update.setString(8, definition == null ? null : TaskJson.writeDefinition(definition));
        update.setString(9, task.id());
        update.addBatch();
      }
      update.executeBatch();
    }
  }

  private static void appendRun(Connection c, RunRecord run) throws SQLException {
    try (PreparedStatement insert =
        c.prepareStatement("INSERT INTO runs (task_id, run_id, record) VALUES (?, ?, ?)")) {
      insert.setString(1, run.taskId());
      insert.setString(2, run.runId());
      insert.setString(3, TaskJson.writeRun(run));
      insert.executeUpdate();
    }
    try (PreparedStatement prune =
        c.prepareStatement(
            "DELETE FROM runs WHERE task_id = ? AND seq <= (SELECT seq FROM runs WHERE task_id = ?"
                + " ORDER BY seq DESC OFFSET ? LIMIT 1)")) {
      prune.setString(1, run.taskId());
      prune.setString(2, run.taskId());
      prune.setInt(3, RUNS_KEPT_PER_TASK);
      prune.executeUpdate();
    }
  }

  @Override
  public boolean delete(String taskId) {
    return write(
        c -> {
          try (PreparedStatement delete = c.prepareStatement("DELETE FROM tasks WHERE id = ?")) {
            delete.setString(1, taskId);
            if (delete.executeUpdate() == 0) {
              return false;
            }
          }
          try (PreparedStatement runs = c.prepareStatement("DELETE FROM runs WHERE task_id = ?")) {
            runs.setString(1, taskId);
            runs.executeUpdate();
          }
          try (PreparedStatement tomb =
              c.prepareStatement(
                  "INSERT INTO removed_tasks (id, change_seq) VALUES (?, ?)"
                      + " ON CONFLICT (id) DO UPDATE SET change_seq = EXCLUDED.change_seq")) {
            tomb.setString(1, taskId);
            tomb.setLong(2, reserveChangeSeqs(c, 1));
            tomb.executeUpdate();
          }
          return true;
        });
  }

  private static void bindState(PreparedStatement statement, int first, TaskState state, long seq)
      throws SQLException {
    statement.setString(first, TaskJson.writeState(state));
    statement.setString(first + 1, state.status().wireName());
    statement.setLong(first + 2, state.version());
    Instant due = state.nextDueAt();
    if (due != null) {
      statement.setLong(first + 3, due.toEpochMilli());
    } else {
      statement.setNull(first + 3, Types.BIGINT);
    }
    Lease lease = state.lease();
    if (lease != null) {
      statement.setString(first + 4, lease.runId());
      statement.setLong(first + 5, ceilMillis(lease.expiresAt()));
    } else {
      statement.setNull(first + 4, Types.VARCHAR);
      statement.setNull(first + 5, Types.BIGINT);
    }
    statement.setLong(first + 6, seq);
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<StoredTask> find(String taskId) {
    return read(
        c -> {
          try (PreparedStatement q =
              c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM tasks WHERE id = ?")) {
            q.setString(1, taskId);
            List<StoredTask> found = tasks(q);
            return found.isEmpty() ? Optional.<StoredTask>empty() : Optional.of(found.get(0));
          }
        });
  }

  @Override
  public List<StoredTask> list() {
    return read(
        c -> {
          try (PreparedStatement q =
              c.prepareStatement("SELECT " + TASK_COLUMNS + " FROM tasks ORDER BY id")) {
            return tasks(q);
          }
        });
  }

  @Override
  public List<StoredTask> findExpiredLeases(Instant now, int limit) {
    List<StoredTask> candidates =
        read(
            c -> {
              try (PreparedStatement q =
                  c.prepareStatement(
                      "SELECT "
                          + TASK_COLUMNS
                          + " FROM tasks WHERE lease_expires_ms <= ?"
                          + " ORDER BY lease_expires_ms, id LIMIT ?")) {
                q.setLong(1, ceilMillis(now));
                q.setInt(2, limit);
                return tasks(q);
              }
            });
    List<StoredTask> expired = new ArrayList<>();
    for (StoredTask task : candidates) {
      Lease lease = task.state().lease();
      if (lease != null && !lease.expiresAt().isAfter(now)) {
        expired.add(task);
      }
    }
    expired.sort(
        Comparator.comparing(
                (StoredTask t) -> java.util.Objects.requireNonNull(t.state().lease()).expiresAt())
            .thenComparing(StoredTask::id));
    return expired;
  }

  @Override
  public List<RunRecord> runs(String taskId, int limit) {
    return read(
        c -> {
          try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT record FROM runs WHERE task_id = ? ORDER BY seq DESC LIMIT ?")) {
            q.setString(1, taskId);
            q.setInt(2, limit);
            List<RunRecord> runs = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
              while (rs.next()) {
                runs.add(TaskJson.readRun(rs.getString(1)));
              }
            }
            return runs;
          }
        });
  }

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
          try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT seq, record FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?")) {
            q.setLong(1, before);
            q.setInt(2, limit + 1);
            List<RunRecord> runs = new ArrayList<>();
            long last = 0;
            boolean more = false;
            try (ResultSet rs = q.executeQuery()) {
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
          }
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
    checkOpen();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // one snapshot
      c.setReadOnly(true);
      try {
        long now;
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT value FROM change_counter")) {
          rs.next();
          now = rs.getLong(1);
        }
        if (now == cursor) {
          return new ChangeSet(cursor, List.of(), List.of());
        }
        long upTo = now;
        if (limit != Integer.MAX_VALUE) {
          // The change number of the page's last task, from the index alone; fewer left: all.
          try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT change_seq FROM tasks WHERE change_seq > ? ORDER BY change_seq"
                      + " OFFSET ? LIMIT 1")) {
            q.setLong(1, cursor);
            q.setInt(2, limit - 1);
            try (ResultSet rs = q.executeQuery()) {
              if (rs.next()) {
                upTo = rs.getLong(1);
              }
            }
          }
        }
        List<StoredTask> changed;
        try (PreparedStatement q =
            c.prepareStatement(
                "SELECT "
                    + TASK_COLUMNS
                    + " FROM tasks WHERE change_seq > ? AND change_seq <= ? ORDER BY change_seq")) {
          q.setLong(1, cursor);
          q.setLong(2, upTo);
          changed = tasks(q);
        }
        List<String> removed = new ArrayList<>();
        try (PreparedStatement q =
            c.prepareStatement(
                "SELECT id FROM removed_tasks WHERE change_seq > ? AND change_seq <= ?"
                    + " ORDER BY change_seq")) {
          q.setLong(1, cursor);
          q.setLong(2, upTo);
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              removed.add(rs.getString(1));
            }
          }
        }
        return new ChangeSet(upTo, changed, removed);
      } finally {
        c.rollback();
        c.setReadOnly(false);
        c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
      }
    } catch (SQLException e) {
      throw new StoreException("reading " + redact(url) + " failed: " + e.getMessage(), e);
    }
  }

  private static List<StoredTask> tasks(PreparedStatement query) throws SQLException {
    List<StoredTask> tasks = new ArrayList<>();
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        String definition = rs.getString(1);
        try {
          tasks.add(
              new StoredTask(
                  TaskJson.readDefinition(definition),
                  TaskJson.readState(rs.getString(2), rs.getLong(3))));
        } catch (RuntimeException e) {
          throw new StoreException("a stored task cannot be read (" + e.getMessage() + ")", e);
        }
      }
    }
    return tasks;
  }

  // ------------------------------------------------------------------ nodes

  @Override
  public void heartbeat(NodeInfo node) {
    checkOpen();
    try (Connection c = pool.getConnection();
        PreparedStatement upsert =
            c.prepareStatement(
                "INSERT INTO nodes (node_id, started, last_heartbeat, heartbeat_ms, runs_in_flight)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET"
                    + " started = EXCLUDED.started, last_heartbeat = EXCLUDED.last_heartbeat,"
                    + " heartbeat_ms = EXCLUDED.heartbeat_ms, runs_in_flight = EXCLUDED.runs_in_flight")) {
      upsert.setString(1, node.nodeId());
      upsert.setString(2, node.startedAt().toString());
      upsert.setString(3, node.lastHeartbeat().toString());
      upsert.setLong(4, node.lastHeartbeat().toEpochMilli());
      upsert.setInt(5, node.runsInFlight());
      upsert.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(
          "writing a heartbeat to " + redact(url) + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<NodeInfo> nodes(Instant since) {
    return read(
        c -> {
          try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT node_id, started, last_heartbeat, runs_in_flight FROM nodes"
                      + " WHERE heartbeat_ms >= ? ORDER BY node_id")) {
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
          }
        });
  }

  // ------------------------------------------------------------------ other nodes' changes

  @Override
  public void addChangeListener(Runnable changeListener) {
    listeners.add(changeListener);
  }

  private void notifyListeners() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        log.warn("A store change listener failed", e);
      }
    }
  }

  /** LISTEN on its own connection; reconnects after a failure (the sync interval covers gaps). */
  private void listenLoop() {
    while (!closed) {
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement()) {
        s.execute("LISTEN " + CHANNEL);
        listening.countDown();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(500);
          if (notifications != null && notifications.length > 0) {
            notifyListeners();
          }
        }
      } catch (SQLException e) {
        if (!closed) {
          log.warn(
              "Listening for changes on {} failed ({}); retrying in 1 s",
              redact(url),
              e.getMessage());
          java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L);
        }
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      listener.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    pool.close();
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("the PostgreSQL store " + redact(url) + " is closed");
    }
  }

  private static boolean holdsLease(StoredTask task, String runId) {
    Lease lease = task.state().lease();
    return task.state().status() == TaskStatus.RUNNING
        && lease != null
        && lease.runId().equals(runId);
  }

  private static long ceilMillis(Instant instant) {
    long millis = instant.toEpochMilli();
    return instant.getNano() % 1_000_000 == 0 ? millis : millis + 1;
  }

  /** The URL without its parameters, which may carry the password. */
  static String redact(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?…";
  }
}
