package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.runtime.nodes.TestNodes;
import dev.schedulerd.runtime.nodes.TestNodes.Node;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real JVMs sharing one SQLite file, as several MCP clients' schedulerd processes do ({@link
 * TestNodes}, the harness the PostgreSQL multi-node tests use too).
 */
class MultiProcessTest {
  @TempDir Path dir;

  private final List<Node> nodes = new ArrayList<>();
  private @Nullable TestNodes launcher;

  @AfterEach
  void stopNodes() {
    if (launcher != null) {
      launcher.close();
    }
  }

  private TestNodes launcher(Path db) {
    launcher = new TestNodes("sqlite", db.toString(), dir);
    return launcher;
  }

  @Test
  void threeProcesses_add5000Tasks_eachRunsExactlyOnce() throws Exception {
    Path db = dir.resolve("shared.db");
    SqliteTaskStore.open(SqliteOptions.of(db)).close();
    TestNodes launcher = launcher(db);
    for (int n = 0; n < 3; n++) {
      nodes.add(launcher.start("node-" + n, Duration.ofSeconds(30), 256));
    }
    int total = 5_000;
    int[] shares = {1_667, 1_667, 1_666};
    int from = 0;
    for (int n = 0; n < 3; n++) {
      // Due 3 s from now, spread over one second: the three processes add while they also run.
      nodes.get(n).send("add task " + from + " " + shares[n] + " 3000 0");
      from += shares[n];
    }
    for (Node node : nodes) {
      node.awaitLine("added", Duration.ofSeconds(60));
    }

    try (SqliteTaskStore observer = SqliteTaskStore.open(SqliteOptions.of(db))) {
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> countWithStatus(observer, TaskStatus.COMPLETED) == total);

      for (Node node : nodes) {
        node.quit();
      }
      Map<String, Integer> starts = new HashMap<>();
      Set<String> nodesThatRan = new HashSet<>();
      for (Node node : nodes) {
        for (String line : node.runLines()) {
          String[] parts = line.split(" ");
          starts.merge(parts[0], 1, Integer::sum);
          nodesThatRan.add(parts[2]);
        }
      }
      assertThat(starts).hasSize(total);
      assertThat(starts.values()).allMatch(count -> count == 1);
      assertThat(nodesThatRan).as("the work was shared").hasSizeGreaterThan(1);
      for (StoredTask task : observer.list()) {
        List<RunRecord> runs = observer.runs(task.id(), 10);
        assertThat(runs).as(task.id()).hasSize(1);
        assertThat(runs.get(0).outcome()).isEqualTo(RunOutcome.SUCCESS);
      }
    }
  }

  @Test
  void killedProcess_itsRunsAreRecoveredByTheOthers() throws Exception {
    Path db = dir.resolve("shared.db");
    SqliteTaskStore.open(SqliteOptions.of(db)).close();
    Duration lease = Duration.ofSeconds(2);
    TestNodes launcher = launcher(db);
    for (int n = 0; n < 3; n++) {
      nodes.add(launcher.start("node-" + n, lease, 256));
    }
    Node victim = nodes.get(0);
    // 60 runs of 1.5 s each, due at once: every node has runs in flight.
    victim.send("add slow 0 60 0 1500");
    victim.awaitLine("added", Duration.ofSeconds(30));
    // Runs may start while the adds go on: any started line will do, before "added" or after.
    await().atMost(Duration.ofSeconds(30)).until(() -> !victim.startedTasks().isEmpty());

    victim.process().destroyForcibly(); // SIGKILL: no shutdown hook, no lease handed back
    victim.process().waitFor(10, TimeUnit.SECONDS);
    Set<String> inFlightOnVictim = victim.startedTasks();

    try (SqliteTaskStore observer = SqliteTaskStore.open(SqliteOptions.of(db))) {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> countWithStatus(observer, TaskStatus.COMPLETED) == 60);
      for (Node node : nodes.subList(1, 3)) {
        node.quit();
      }
      Set<String> recovered = new HashSet<>();
      for (StoredTask task : observer.list()) {
        List<RunRecord> runs = observer.runs(task.id(), 10);
        assertThat(runs.get(0).outcome()).as(task.id()).isEqualTo(RunOutcome.SUCCESS);
        assertThat(runs.get(0).node()).isNotEqualTo("node-0");
        for (RunRecord run : runs) {
          if (run.outcome() == RunOutcome.ABANDONED) {
            recovered.add(task.id());
            assertThat(run.error()).contains("node node-0 stopped renewing its lease");
          }
        }
      }
      // Every run the victim had started (or only claimed) was recovered by the others.
      assertThat(recovered).isNotEmpty().containsAll(inFlightOnVictim);
    }
  }

  private static long countWithStatus(SqliteTaskStore store, TaskStatus status) {
    return store.list().stream().filter(t -> t.state().status() == status).count();
  }
}
