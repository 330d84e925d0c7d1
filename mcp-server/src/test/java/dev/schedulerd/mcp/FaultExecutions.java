package dev.schedulerd.mcp;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.json.TaskJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one checker of the fault suite. Tasks' commands append {@code START}, {@code TICK} (every
 * {@link #TICK_MS} ms) and {@code END} lines, with the task, the process and the time, to a marker
 * file: executions counted outside the database. Checked against the store's run records:
 *
 * <ul>
 *   <li>every acknowledged task ran to its end;
 *   <li>each is recorded with exactly one success: none twice, and a run that succeeded is never
 *       recorded as failed (a task that ran to its end twice, its first end unrecorded, is allowed
 *       and counted: {@link #duplicates});
 *   <li>no two executions of a task overlap in time: a killed execution's last sign of life is its
 *       last tick, and it may have lived one tick past it.
 * </ul>
 */
final class FaultExecutions {
  static final int TICK_MS = 200;

  /** One process that ran a task, from its markers. */
  record Execution(String task, String process, long startMs, long lastMs, boolean ended) {
    /** The latest instant it may have been alive. */
    long aliveUntilMs() {
      return ended ? lastMs : lastMs + TICK_MS;
    }
  }

  private final Map<String, List<Execution>> byTask;

  private FaultExecutions(Map<String, List<Execution>> byTask) {
    this.byTask = byTask;
  }

  /**
   * The shell command of a task that runs {@code ticks} ticks and appends its markers to {@code
   * markers}; the task id and the file are its arguments.
   */
  static List<String> command(String taskId, Path markers, int ticks) {
    String script =
        "t=$1; f=$2; echo \"START $t $$ $(date +%s%3N)\" >> \"$f\"; i=0;"
            + " while [ $i -lt "
            + ticks
            + " ]; do sleep 0."
            + (TICK_MS / 100)
            + "; echo \"TICK $t $$ $(date +%s%3N)\" >> \"$f\"; i=$((i+1)); done;"
            + " echo \"END $t $$ $(date +%s%3N)\" >> \"$f\"";
    return List.of("/bin/sh", "-c", script, "marker", taskId, markers.toString());
  }

  static FaultExecutions read(Path markers) throws IOException {
    Map<String, Execution> byProcess = new LinkedHashMap<>();
    if (Files.exists(markers)) {
      for (String line : Files.readAllLines(markers)) {
        String[] f = line.strip().split(" ");
        if (f.length != 4) {
          continue; // a line cut by a kill
        }
        String key = f[1] + " " + f[2];
        long at = Long.parseLong(f[3]);
        Execution seen = byProcess.get(key);
        switch (f[0]) {
          case "START" -> byProcess.put(key, new Execution(f[1], f[2], at, at, false));
          case "TICK", "END" -> {
            if (seen != null) {
              byProcess.put(
                  key,
                  new Execution(
                      seen.task(), seen.process(), seen.startMs(), at, f[0].equals("END")));
            }
          }
          default -> {}
        }
      }
    }
    Map<String, List<Execution>> byTask = new HashMap<>();
    for (Execution e : byProcess.values()) {
      byTask.computeIfAbsent(e.task(), k -> new ArrayList<>()).add(e);
    }
    byTask.values().forEach(l -> l.sort(Comparator.comparingLong(Execution::startMs)));
    return new FaultExecutions(byTask);
  }

  List<Execution> of(String task) {
    return byTask.getOrDefault(task, List.of());
  }

  int executions() {
    return byTask.values().stream().mapToInt(List::size).sum();
  }

  /**
   * Executions that ran to their end beyond each task's first: a run that finished but was not
   * recorded and ran again (allowed, at least once; counted for the record).
   */
  long duplicates() {
    return byTask.values().stream()
        .mapToLong(l -> Math.max(0, l.stream().filter(Execution::ended).count() - 1))
        .sum();
  }

  /** Executions that were stopped before their end (fenced, killed with their node, ...). */
  long stopped() {
    return byTask.values().stream().flatMap(List::stream).filter(e -> !e.ended()).count();
  }

  /**
   * {@link #violations(Collection, Map)} from each task's count of successes alone (a store read
   * through a node's answers).
   */
  List<String> violationsBySuccesses(Collection<String> acknowledged, Map<String, Long> successes) {
    Map<String, List<RunRecord>> runs = new HashMap<>();
    java.time.Instant t = java.time.Instant.EPOCH;
    successes.forEach(
        (task, count) -> {
          List<RunRecord> records = new ArrayList<>();
          for (long i = 0; i < count; i++) {
            records.add(
                new RunRecord(
                    "run-" + i, task, 1, t, t, t, RunOutcome.SUCCESS, null, null, "node"));
          }
          runs.put(task, records);
        });
    return violations(acknowledged, runs);
  }

  /** What broke the rules, one line each; empty when all held. */
  List<String> violations(Collection<String> acknowledged, Map<String, List<RunRecord>> runs) {
    List<String> broken = new ArrayList<>();
    for (String task : acknowledged) {
      List<Execution> executions = of(task);
      long ended = executions.stream().filter(Execution::ended).count();
      List<RunRecord> records = runs.getOrDefault(task, List.of());
      long successes = records.stream().filter(r -> r.outcome() == RunOutcome.SUCCESS).count();
      if (ended == 0) {
        broken.add(
            task
                + ": acknowledged, never ran to its end "
                + executions
                + "; recorded "
                + records.stream()
                    .map(r -> r.outcome() + " on " + r.node() + " (" + r.error() + ")")
                    .toList());
      } else if (successes != 1) {
        // more than one: a success recorded twice; none: a run that succeeded recorded otherwise
        broken.add(
            task
                + ": ran to its end "
                + ended
                + " time(s), recorded "
                + successes
                + " success(es) "
                + records.stream().map(r -> r.outcome() + " on " + r.node()).toList());
      }
      for (int i = 1; i < executions.size(); i++) {
        Execution before = executions.get(i - 1);
        Execution after = executions.get(i);
        if (after.startMs() <= before.aliveUntilMs()) {
          broken.add(
              task
                  + ": two executions at once, "
                  + before
                  + " and "
                  + after
                  + " (overlap "
                  + (before.aliveUntilMs() - after.startMs())
                  + " ms)");
        }
      }
    }
    return broken;
  }

  /** Every task's run records, from the PostgreSQL store's table. */
  static Map<String, List<RunRecord>> runsIn(String jdbcUrl) throws SQLException {
    Map<String, List<RunRecord>> runs = new HashMap<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT task_id, record FROM runs ORDER BY seq")) {
      while (rows.next()) {
        runs.computeIfAbsent(rows.getString(1), k -> new ArrayList<>())
            .add(TaskJson.readRun(rows.getString(2)));
      }
    }
    return runs;
  }
}
