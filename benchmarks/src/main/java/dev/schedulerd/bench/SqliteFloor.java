package dev.schedulerd.bench;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.json.TaskJson;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sqlite.SQLiteConfig;

/**
 * What bounds W1 and W3 on SQLite on this machine: the statements the store runs for an add (write
 * lock, change counter, savepoint, tombstone delete, insert, release, counter, commit), issued
 * straight through JDBC on the store's own schema with no scheduler, no queue and no thread between
 * caller and database, one add per commit and eight per commit (eight clients' adds in one group).
 */
final class SqliteFloor {
  private static final int ADDS = 8_000;

  private SqliteFloor() {}

  /**
   * The printed lines, and the adds/s at {@code synchronous=full} with one add per commit and with
   * eight: what W3 with one thread and with eight is held to.
   */
  record Floor(List<String> lines, double fullOnePerCommit, double fullEightPerCommit) {}

  static Floor measure(Path workDir) throws Exception {
    List<String> lines = new ArrayList<>();
    double fullOne = Double.NaN;
    double fullEight = Double.NaN;
    lines.add(
        "  SQLite floor: the store's statements for an add, straight through JDBC on its schema"
            + " (no scheduler, no writer thread):");
    for (SqliteOptions.Synchronous sync : SqliteOptions.Synchronous.values()) {
      for (int perCommit : new int[] {1, 8}) {
        Path file = Files.createTempDirectory(workDir, "floor").resolve("s.db");
        SqliteTaskStore.open(SqliteOptions.of(file)).close(); // the schema, as the store makes it
        addsPerSecond(file, sync, perCommit, ADDS / 4); // warm-up
        double rate = addsPerSecond(file, sync, perCommit, ADDS);
        if (sync == SqliteOptions.Synchronous.FULL) {
          fullOne = perCommit == 1 ? rate : fullOne;
          fullEight = perCommit == 8 ? rate : fullEight;
        }
        lines.add(
            String.format(
                Locale.ROOT,
                "    synchronous=%-6s %d add(s) per commit: %,9.0f adds/s (%.0f µs per commit)",
                sync.name().toLowerCase(Locale.ROOT),
                perCommit,
                rate,
                1e6 * perCommit / rate));
      }
    }
    return new Floor(lines, fullOne, fullEight);
  }

  private static double addsPerSecond(
      Path file, SqliteOptions.Synchronous sync, int perCommit, int adds) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setSynchronous(
        sync == SqliteOptions.Synchronous.FULL
            ? SQLiteConfig.SynchronousMode.FULL
            : SQLiteConfig.SynchronousMode.NORMAL);
    Instant due = Instant.parse("2099-01-01T00:00:00Z");
    try (Connection c = config.createConnection("jdbc:sqlite:" + file);
        PreparedStatement begin = c.prepareStatement("BEGIN IMMEDIATE");
        PreparedStatement counter = c.prepareStatement("SELECT value FROM change_counter");
        PreparedStatement savepoint = c.prepareStatement("SAVEPOINT write");
        PreparedStatement untomb = c.prepareStatement("DELETE FROM removed_tasks WHERE id = ?");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO tasks (id, definition, state, status, version, next_due_ms,"
                    + " lease_run_id, lease_expires_ms, change_seq, priority)"
                    + " VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?) ON CONFLICT (id) DO NOTHING");
        PreparedStatement release = c.prepareStatement("RELEASE write");
        PreparedStatement advance = c.prepareStatement("UPDATE change_counter SET value = ?");
        PreparedStatement commit = c.prepareStatement("COMMIT")) {
      long start = System.nanoTime();
      for (int done = 0; done < adds; ) {
        begin.execute();
        long seq;
        try (ResultSet rs = counter.executeQuery()) {
          seq = rs.next() ? rs.getLong(1) : 0;
        }
        for (int i = 0; i < perCommit; i++, done++) {
          String id = "floor-" + System.nanoTime() + "-" + done;
          // Encoded here as the caller encodes it before queueing its write.
          TaskDefinition definition =
              TaskDefinition.builder(id, "noop").schedule(Schedule.at(due)).build();
          TaskState state = TaskState.initial(due, due).withVersion(1);
          savepoint.execute();
          untomb.setString(1, id);
          untomb.executeUpdate();
          insert.setString(1, id);
          insert.setString(2, TaskJson.writeDefinition(definition));
          insert.setString(3, TaskJson.writeState(state));
          insert.setString(4, state.status().wireName());
          insert.setLong(5, 1);
          insert.setLong(6, due.toEpochMilli());
          insert.setLong(7, ++seq);
          insert.setString(8, definition.priority().wireName());
          insert.executeUpdate();
          release.execute();
        }
        advance.setLong(1, seq);
        advance.executeUpdate();
        commit.execute();
      }
      return adds / ((System.nanoTime() - start) / 1e9);
    }
  }
}
