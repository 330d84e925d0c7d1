package dev.schedulerd.store.jdbc;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.json.TaskJson;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.TaskWrite;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code runs} table: run records appended with their task's writes, each task's newest kept,
 * read newest first. {@link JdbcTaskStore} calls it inside its units of work.
 */
final class RunRows {
  private final int keptPerTask;

  RunRows(int keptPerTask) {
    this.keptPerTask = keptPerTask;
  }

  /**
   * The writes' run records as JSON, encoded by the caller before the write is queued (on SQLite
   * one thread writes for the whole process; its time is the store's throughput).
   */
  static Map<RunRecord, String> encode(List<TaskWrite> writes) {
    Map<RunRecord, String> encoded = new IdentityHashMap<>();
    for (TaskWrite write : writes) {
      for (RunRecord run : write.runs()) {
        encoded.put(run, TaskJson.writeRun(run));
      }
    }
    return encoded;
  }

  /**
   * Appends run records and drops each task's oldest beyond the number kept: a statement each for
   * one record, one batch of each for more (the finished runs of many tasks written together).
   *
   * @param encoded the records' JSON by record, from {@link #encode}
   */
  void append(Session s, List<RunRecord> runs, Map<RunRecord, String> encoded) throws SQLException {
    if (runs.isEmpty()) {
      return;
    }
    PreparedStatement insert =
        s.prepare("INSERT INTO runs (task_id, run_id, record) VALUES (?, ?, ?)");
    Set<String> tasks = new LinkedHashSet<>();
    for (RunRecord run : runs) {
      insert.setString(1, run.taskId());
      insert.setString(2, run.runId());
      String json = encoded.get(run);
      insert.setString(3, json != null ? json : TaskJson.writeRun(run));
      tasks.add(run.taskId());
      addOrRun(insert, runs.size());
    }
    runBatch(insert, runs.size());
    PreparedStatement prune =
        s.prepare(
            "DELETE FROM runs WHERE task_id = ? AND seq <= (SELECT seq FROM runs WHERE task_id = ?"
                + " ORDER BY seq DESC LIMIT 1 OFFSET ?)");
    for (String task : tasks) {
      prune.setString(1, task);
      prune.setString(2, task);
      prune.setInt(3, keptPerTask);
      addOrRun(prune, tasks.size());
    }
    runBatch(prune, tasks.size());
  }

  /** One of {@code count} bound statements: run now when it is the only one, else batched. */
  private static void addOrRun(PreparedStatement statement, int count) throws SQLException {
    if (count == 1) {
      statement.executeUpdate();
    } else {
      statement.addBatch();
    }
  }

  private static void runBatch(PreparedStatement statement, int count) throws SQLException {
    if (count > 1) {
      statement.executeBatch();
    }
  }

  /** Removes every run record of the task (it is being removed). */
  void deleteOf(Session s, String taskId) throws SQLException {
    PreparedStatement delete = s.prepare("DELETE FROM runs WHERE task_id = ?");
    delete.setString(1, taskId);
    delete.executeUpdate();
  }

  List<RunRecord> newest(Session s, String taskId, int limit) throws SQLException {
    PreparedStatement query =
        s.prepare("SELECT record FROM runs WHERE task_id = ? ORDER BY seq DESC LIMIT ?");
    query.setString(1, taskId);
    query.setInt(2, limit);
    List<RunRecord> runs = new ArrayList<>();
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        runs.add(TaskJson.readRun(rs.getString(1)));
      }
    }
    return runs;
  }

  /**
   * The position a page cursor stands for: before this record (all records for none).
   *
   * @throws IllegalArgumentException when it is not one this store gave
   */
  static long position(@Nullable String cursor) {
    try {
      return cursor == null ? Long.MAX_VALUE : Long.parseLong(cursor);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cursor '" + cursor + "' is not one this store gave", e);
    }
  }

  /** Records of one task (or all) before {@code before}, newest first, and the next cursor. */
  RunPage page(Session s, @Nullable String taskId, int limit, long before) throws SQLException {
    PreparedStatement query;
    if (taskId == null) {
      query = s.prepare("SELECT seq, record FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?");
    } else {
      query =
          s.prepare(
              "SELECT seq, record FROM runs WHERE task_id = ? AND seq < ?"
                  + " ORDER BY seq DESC LIMIT ?");
      query.setString(1, taskId);
    }
    int first = taskId == null ? 1 : 2;
    query.setLong(first, before);
    query.setInt(first + 1, limit + 1);
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
  }
}
