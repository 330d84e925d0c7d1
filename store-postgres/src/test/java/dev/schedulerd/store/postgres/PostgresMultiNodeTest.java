package dev.schedulerd.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.TaskStatus;
import java.io.BufferedReader;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes as separate JVMs on one PostgreSQL: every task runs exactly once. */
class PostgresMultiNodeTest {
  @TempDir Path dir;
  private final List<Process> nodes = new ArrayList<>();

  @AfterEach
  void killNodes() {
    nodes.forEach(Process::destroyForcibly);
  }

  @Test
  void threeNodes_10000Tasks_eachRunsExactlyOnce() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    PostgresTaskStore.open(url).close(); // migrate once, up front
    int total = 10_000;
    List<Writer> inputs = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      Process node =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  PgNode.class.getName(),
                  url,
                  "node-" + n,
                  dir.resolve("node-" + n + ".runs").toString())
              .redirectError(dir.resolve("node-" + n + ".log").toFile())
              .start();
      nodes.add(node);
      inputs.add(new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8));
      BufferedReader out =
          new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
      outputs.add(out);
      assertThat(out.readLine()).as("node-%d starts", n).isEqualTo("ready");
    }
    int share = total / 3 + 1;
    for (int n = 0; n < 3; n++) {
      int from = n * share;
      int count = Math.min(share, total - from);
      inputs.get(n).write("add " + from + " " + count + " 3000\n");
      inputs.get(n).flush();
    }
    for (BufferedReader out : outputs) {
      assertThat(out.readLine()).startsWith("added");
    }

    try (PostgresTaskStore observer = PostgresTaskStore.open(url)) {
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  observer.list().stream()
                          .filter(t -> t.state().status() == TaskStatus.COMPLETED)
                          .count()
                      == total);
      for (Writer in : inputs) {
        in.write("quit\n");
        in.close();
      }
      for (Process node : nodes) {
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      Map<String, Integer> starts = new HashMap<>();
      Set<String> nodesThatRan = new HashSet<>();
      for (int n = 0; n < 3; n++) {
        Path runs = dir.resolve("node-" + n + ".runs");
        if (Files.exists(runs)) {
          for (String line : Files.readAllLines(runs)) {
            String[] parts = line.split(" ");
            starts.merge(parts[0], 1, Integer::sum);
            nodesThatRan.add(parts[1]);
          }
        }
      }
      assertThat(starts).hasSize(total);
      assertThat(starts.values()).allMatch(c -> c == 1);
      assertThat(nodesThatRan).as("the work was shared").hasSizeGreaterThan(1);
      long oneSuccessEach =
          observer.allRuns(total + 10, null).runs().stream()
              .filter(r -> r.outcome() == RunOutcome.SUCCESS)
              .map(r -> r.taskId())
              .distinct()
              .count();
      assertThat(oneSuccessEach).isEqualTo(total);
      assertThat(observer.allRuns(total + 10, null).runs()).hasSize(total);
    }
  }
}
