package dev.schedulerd.bench;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.json.TaskJson;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What bounds W3 on PostgreSQL on this machine: an acknowledged add as each subject sends it,
 * straight through JDBC (no scheduler, no pool, a connection per thread, autocommit): schedulerd's
 * one statement (its row, the removal record dropped, the change number from the transaction),
 * db-scheduler's two (the existence check, the insert), and schedulerd's statement for four adds at
 * once (what its adds written together cost a row). Each add waits for its commit's fsync.
 */
final class PostgresFloor {
  private static final int ADDS = 4_000;
  private static final Instant DUE = Instant.parse("2099-01-01T00:00:00Z");

  /** The store's single add, as JdbcTaskStore sends it on PostgreSQL. */
  private static final String STORE_ADD =
      "WITH untomb AS (DELETE FROM removed_tasks WHERE id = ?) INSERT INTO tasks (id, definition,"
          + " state, status, version, next_due_ms, lease_run_id, lease_expires_ms, change_seq,"
          + " priority) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL,"
          + " ((pg_current_xact_id()::text::bigint << 20) + ?), ?) ON CONFLICT (id) DO NOTHING";

  private static final String STORE_ADD_FOUR =
      "WITH untomb AS (DELETE FROM removed_tasks WHERE id = ANY(?)) INSERT INTO tasks (id,"
          + " definition, state, status, version, next_due_ms, lease_run_id, lease_expires_ms,"
          + " change_seq, priority) SELECT r.id, r.definition, r.state, r.status, 1, r.due, NULL,"
          + " NULL, ((pg_current_xact_id()::text::bigint << 20) + r.n - 1), r.priority FROM"
          + " unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[]) WITH"
          + " ORDINALITY AS r(id, definition, state, status, due, priority, n) ORDER BY r.n"
          + " ON CONFLICT (id) DO NOTHING RETURNING id";

  private enum Add {
    STORE("schedulerd's add, 1 statement"),
    DB_SCHEDULER("db-scheduler's add, 2 statements"),
    STORE_FOUR("schedulerd's statement of 4 adds");

    final String label;

    Add(String label) {
      this.label = label;
    }
  }

  private PostgresFloor() {}

  /**
   * The printed lines, and the adds/s of schedulerd's one-statement add and of db-scheduler's add
   * from 1 and 8 threads, and of schedulerd's statement of four adds from 8: what W3 on PostgreSQL
   * is held to.
   */
  record Floor(
      List<String> lines,
      double storeOne,
      double storeEight,
      double dbSchedulerOne,
      double dbSchedulerEight,
      double storeFourEight) {}

  /**
   * @param url a database holding both subjects' empty tables
   */
  static Floor measure(String url) throws Exception {
    List<String> lines = new ArrayList<>();
    double[][] rates = new double[Add.values().length][2];
    lines.add(
        "  PostgreSQL floor: an add as each subject sends it, straight through JDBC (a connection"
            + " per thread, autocommit, no scheduler):");
    for (Add add : Add.values()) {
      StringBuilder line =
          new StringBuilder(String.format(Locale.ROOT, "    %-34s", add.label + ":"));
      for (int threads : new int[] {1, 8}) {
        addsPerSecond(url, add, threads, ADDS / 8); // warm-up
        double rate = addsPerSecond(url, add, threads, ADDS);
        rates[add.ordinal()][threads == 1 ? 0 : 1] = rate;
        line.append(String.format(Locale.ROOT, "  %d thread(s) %,7.0f adds/s", threads, rate));
      }
      lines.add(line.toString());
    }
    return new Floor(
        lines,
        rates[Add.STORE.ordinal()][0],
        rates[Add.STORE.ordinal()][1],
        rates[Add.DB_SCHEDULER.ordinal()][0],
        rates[Add.DB_SCHEDULER.ordinal()][1],
        rates[Add.STORE_FOUR.ordinal()][1]);
  }

  private static final AtomicLong IDS = new AtomicLong();

  private static double addsPerSecond(String url, Add add, int threads, int adds) throws Exception {
    AtomicInteger left = new AtomicInteger(adds);
    List<Connection> connections = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        connections.add(DriverManager.getConnection(url));
      }
      long start = System.nanoTime();
      Fixtures.fromThreads(
          threads,
          threads,
          t -> {
            Connection c = connections.get(t);
            int per = add == Add.STORE_FOUR ? 4 : 1;
            while (left.getAndAdd(-per) > 0) {
              switch (add) {
                case STORE -> storeAdd(c);
                case DB_SCHEDULER -> dbSchedulerAdd(c);
                case STORE_FOUR -> storeAddFour(c);
              }
            }
          });
      return adds / ((System.nanoTime() - start) / 1e9);
    } finally {
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  private static String nextId() {
    return "floor-" + IDS.incrementAndGet();
  }

  private static TaskDefinition definition(String id) {
    return TaskDefinition.builder(id, "noop").schedule(Schedule.at(DUE)).build();
  }

  private static void storeAdd(Connection c) throws SQLException {
    String id = nextId();
    TaskDefinition definition = definition(id);
    TaskState state = TaskState.initial(DUE, DUE).withVersion(1);
    PreparedStatement insert = c.prepareStatement(STORE_ADD);
    insert.setString(1, id);
    insert.setString(2, id);
    // Encoded here, as the caller encodes it before its write.
    insert.setString(3, TaskJson.writeDefinition(definition));
    insert.setString(4, TaskJson.writeState(state));
    insert.setString(5, state.status().wireName());
    insert.setLong(6, 1);
    insert.setLong(7, DUE.toEpochMilli());
    insert.setLong(8, 0);
    insert.setString(9, definition.priority().wireName());
    insert.executeUpdate();
    insert.close();
  }

  private static void storeAddFour(Connection c) throws SQLException {
    String[] ids = new String[4];
    String[] definitions = new String[4];
    String[] states = new String[4];
    String[] statuses = new String[4];
    Long[] dues = new Long[4];
    String[] priorities = new String[4];
    for (int i = 0; i < 4; i++) {
      ids[i] = nextId();
      TaskDefinition definition = definition(ids[i]);
      TaskState state = TaskState.initial(DUE, DUE).withVersion(1);
      definitions[i] = TaskJson.writeDefinition(definition);
      states[i] = TaskJson.writeState(state);
      statuses[i] = state.status().wireName();
      dues[i] = DUE.toEpochMilli();
      priorities[i] = definition.priority().wireName();
    }
    PreparedStatement insert = c.prepareStatement(STORE_ADD_FOUR);
    java.sql.Array idArray = c.createArrayOf("text", ids);
    insert.setArray(1, idArray);
    insert.setArray(2, idArray);
    insert.setArray(3, c.createArrayOf("text", definitions));
    insert.setArray(4, c.createArrayOf("text", states));
    insert.setArray(5, c.createArrayOf("text", statuses));
    insert.setArray(6, c.createArrayOf("bigint", dues));
    insert.setArray(7, c.createArrayOf("text", priorities));
    try (ResultSet rs = insert.executeQuery()) {
      while (rs.next()) {
        rs.getString(1);
      }
    }
    insert.close();
  }

  private static void dbSchedulerAdd(Connection c) throws SQLException {
    String id = nextId();
    PreparedStatement exists =
        c.prepareStatement(
            "SELECT * FROM scheduled_tasks WHERE task_name = ? AND task_instance = ?");
    exists.setString(1, "noop");
    exists.setString(2, id);
    try (ResultSet rs = exists.executeQuery()) {
      rs.next();
    }
    exists.close();
    PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO scheduled_tasks (task_name, task_instance, task_data, execution_time,"
                + " picked, version, priority) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert.setString(1, "noop");
    insert.setString(2, id);
    insert.setBytes(3, null);
    insert.setTimestamp(4, Timestamp.from(DUE));
    insert.setBoolean(5, false);
    insert.setLong(6, 1);
    insert.setInt(7, 0);
    insert.executeUpdate();
    insert.close();
  }
}
