package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real JVMs sharing one SQLite file, as several MCP clients' schedulerd processes do. */
class MultiProcessTest {
  @TempDir Path dir;

  private final List<Node> nodes = new ArrayList<>();

  @AfterEach
  void stopNodes() {
    nodes.forEach(n -> n.process.destroyForcibly());
  }

  @Test
  void threeProcesses_add5000Tasks_eachRunsExactlyOnce() throws Exception {
    Path db = dir.resolve("shared.db");
    SqliteTaskStore.open(SqliteOptions.of(db)).close();
    for (int n = 0; n < 3; n++) {
      nodes.add(Node.start(db, "node-" + n, dir, Duration.ofSeconds(30)));
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
    for (int n = 0; n < 3; n++) {
      nodes.add(Node.start(db, "node-" + n, dir, lease));
    }
    Node victim = nodes.get(0);
    // 60 runs of 1.5 s each, due at once: every node has runs in flight.
    victim.send("add slow 0 60 0 1500");
    victim.awaitLine("added", Duration.ofSeconds(30));
    victim.awaitLine("started", Duration.ofSeconds(30));

    victim.process.destroyForcibly(); // SIGKILL: no shutdown hook, no lease handed back
    victim.process.waitFor(10, TimeUnit.SECONDS);
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

  /** A child JVM running {@link SchedulerNode}. */
  private static final class Node {
    final Process process;
    final Path runsFile;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Writer stdin;

    private Node(Process process, Path runsFile) {
      this.process = process;
      this.runsFile = runsFile;
      this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread.ofVirtual()
          .start(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = out.readLine()) != null) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process died; its lines so far are kept
                }
              });
    }

    static Node start(Path db, String nodeId, Path dir, Duration lease) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Path runsFile = dir.resolve(nodeId + ".runs");
      Process process =
          new ProcessBuilder(
                  java,
                  "--enable-native-access=ALL-UNNAMED",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Dorg.sqlite.tmpdir=" + dir, // a killed node's native-library copy stays here
                  "-cp",
                  System.getProperty("java.class.path"),
                  SchedulerNode.class.getName(),
                  db.toString(),
                  nodeId,
                  runsFile.toString(),
                  Long.toString(lease.toMillis()))
              .redirectError(dir.resolve(nodeId + ".log").toFile())
              .start();
      Node node = new Node(process, runsFile);
      node.awaitLine("ready", Duration.ofSeconds(60));
      return node;
    }

    void send(String command) throws IOException {
      stdin.write(command + "\n");
      stdin.flush();
    }

    void awaitLine(String prefix, Duration timeout) {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> lines.stream().anyMatch(l -> l.startsWith(prefix)) || !process.isAlive());
      assertThat(lines)
          .as("%s printed a line starting with '%s'; its log:%n%s", runsFile, prefix, logTail())
          .anyMatch(l -> l.startsWith(prefix));
    }

    String logTail() {
      Path log =
          runsFile.resolveSibling(runsFile.getFileName().toString().replace(".runs", ".log"));
      try {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }

    Set<String> startedTasks() {
      return lines.stream()
          .filter(l -> l.startsWith("started "))
          .map(l -> l.substring("started ".length()))
          .collect(Collectors.toSet());
    }

    List<String> runLines() throws IOException {
      return Files.exists(runsFile) ? Files.readAllLines(runsFile) : List.of();
    }

    void quit() throws Exception {
      send("quit");
      stdin.close();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("node exits after quit").isTrue();
      assertThat(process.exitValue()).isZero();
    }
  }
}
