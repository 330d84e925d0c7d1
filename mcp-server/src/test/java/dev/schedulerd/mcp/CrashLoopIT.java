package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash fault suite: the real jar on the default SQLite store, under a stream of adds and runs,
 * killed with SIGKILL at a random moment 20 times in a row. Every acknowledged task survives and
 * completes; a run executes twice only if it was in flight at a kill.
 */
final class CrashLoopIT {
  private static final int CYCLES = 20;
  private static final int TASKS_PER_CYCLE = 30;

  @TempDir Path home;

  @Test
  void killedTwentyTimes_losesNoAcknowledgedTask_andRepeatsOnlyRunsInFlight() throws Exception {
    Path config = home.resolve("schedulerd.properties");
    Files.writeString(
        config, "executors.shell.enabled=true\nexecutors.shell.allow=/bin/sh\nstop-grace=1\n");
    Path trace = home.resolve("runs.log");
    Path database = home.resolve(".memory/scheduler.db");
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Random random = new Random(20261126L);
    int inFlightAtKills = 0;

    for (int cycle = 0; cycle < CYCLES; cycle++) {
      Process daemon = start(config, "cycle-" + cycle);
      ProcessClient client = new ProcessClient(daemon);
      int cycleNumber = cycle;
      Thread adder =
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int n = 0; n < TASKS_PER_CYCLE; n++) {
                      String id = "t-" + cycleNumber + "-" + n;
                      try {
                        JsonNode result = client.call("scheduler_add_task", addArgs(id, trace));
                        if (!result.path("isError").asBoolean(true)) {
                          acknowledged.add(id);
                        }
                      } catch (Throwable killedMidCall) {
                        return; // the daemon died under the call: not acknowledged
                      }
                    }
                  });
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(900)));
      daemon.destroyForcibly(); // SIGKILL: no shutdown hook, no hand-back
      assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
      adder.join();

      try (SqliteTaskStore store =
          SqliteTaskStore.open(dev.schedulerd.store.sqlite.SqliteOptions.of(database))) {
        for (String id : acknowledged) {
          assertThat(store.find(id))
              .as("acknowledged task %s after kill %d", id, cycle)
              .isPresent();
        }
        for (StoredTask task : store.list()) {
          Lease lease = task.state().lease();
          if (task.state().status() == TaskStatus.RUNNING && lease != null) {
            inFlightAtKills++;
          }
        }
      }
    }
    assertThat(acknowledged).hasSizeGreaterThan(CYCLES); // the kills did not stop every add

    Process last = start(config, "final");
    try (ProcessClient client = new ProcessClient(last)) {
      try {
        await("every acknowledged task completed")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> completed(database, acknowledged));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // The nodes' logs outlive the temporary folder, for whoever reads the CI failure.
        for (Path log : Files.newDirectoryStream(home, "*.log")) {
          Files.copy(
              log,
              Path.of(System.getProperty("java.io.tmpdir"), "crashloop-" + log.getFileName()),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        throw new AssertionError("not all completed: " + situation(database, acknowledged), e);
      }
      assertThat(client.call("scheduler_daemon_status", "{}").path("isError").asBoolean())
          .isFalse();
    }
    assertThat(last.exitValue()).isZero();

    Map<String, Integer> starts = new HashMap<>();
    for (String line : Files.readAllLines(trace)) {
      String[] parts = line.split(" ");
      if (parts[0].equals("start")) {
        starts.merge(parts[1], 1, Integer::sum);
      }
    }
    for (String id : acknowledged) {
      assertThat(starts.getOrDefault(id, 0)).as("runs of %s", id).isGreaterThanOrEqualTo(1);
    }
    int duplicates = starts.values().stream().mapToInt(n -> n - 1).sum();
    assertThat(duplicates)
        .as("repeated runs, against %d runs in flight at the kills", inFlightAtKills)
        .isLessThanOrEqualTo(inFlightAtKills);
  }

  private Process start(Path config, String log) throws Exception {
    return JarProcess.builder(
            home, List.of("--config", config.toString(), "--node-id", "crash-test-node"))
        .redirectError(home.resolve(log + ".log").toFile())
        .start();
  }

  private static String addArgs(String id, Path trace) {
    String script = "echo start $0 >> '" + trace + "'; sleep 0.05; echo end $0 >> '" + trace + "'";
    return "{\"task_id\":\""
        + id
        + "\",\"task_type\":\"shell\",\"config\":{\"command\":[\"/bin/sh\",\"-c\",\""
        + script.replace("\"", "\\\"")
        + "\",\""
        + id
        + "\"]}}";
  }

  /** Tasks by status, and the latest runs of one that did not complete. */
  private static String situation(Path database, Set<String> ids) {
    try (SqliteTaskStore store =
        SqliteTaskStore.open(dev.schedulerd.store.sqlite.SqliteOptions.of(database))) {
      Map<String, Integer> byStatus = new HashMap<>();
      Map<String, String> examples = new HashMap<>();
      for (String id : ids) {
        StoredTask task = store.find(id).orElse(null);
        String status = task == null ? "missing" : task.state().status().wireName();
        byStatus.merge(status, 1, Integer::sum);
        if (task != null && !status.equals("completed")) {
          examples.putIfAbsent(status, id + " " + task.state() + " runs " + store.runs(id, 5));
        }
      }
      return byStatus + "; e.g. " + examples;
    }
  }

  private static boolean completed(Path database, Set<String> ids) {
    try (SqliteTaskStore store =
        SqliteTaskStore.open(dev.schedulerd.store.sqlite.SqliteOptions.of(database))) {
      for (String id : ids) {
        if (store.find(id).map(t -> t.state().status()).orElse(null) != TaskStatus.COMPLETED) {
          return false;
        }
      }
      return true;
    }
  }
}
