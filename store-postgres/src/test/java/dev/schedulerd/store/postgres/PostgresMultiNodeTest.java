package dev.schedulerd.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes as separate JVMs on one PostgreSQL: every task runs exactly once. */
class PostgresMultiNodeTest {
  @TempDir Path dir;
  private final List<Process> nodes = new ArrayList<>();

  /** A running {@link PgNode}: its process, its stdin and its stdout. */
  private record Node(String id, Process process, Writer in, BufferedReader out) {
    void send(String line) throws IOException {
      in.write(line + "\n");
      in.flush();
    }

    void signal(String signal) throws Exception {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).as("kill -%s %s", signal, id).isZero();
    }
  }

  private Node startNode(String url, String nodeId, long leaseMs, int maxConcurrentRuns)
      throws IOException {
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                PgNode.class.getName(),
                url,
                nodeId,
                dir.resolve(nodeId + ".runs").toString(),
                Long.toString(leaseMs),
                Integer.toString(maxConcurrentRuns))
            .redirectError(dir.resolve(nodeId + ".log").toFile())
            .start();
    nodes.add(process);
    Node node =
        new Node(
            nodeId,
            process,
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
    assertThat(node.out().readLine()).as("%s starts", nodeId).isEqualTo("ready");
    return node;
  }

  /** The lines the nodes' {@code slow} executor wrote, from every node's file. */
  private List<String> slowLines(String... nodeIds) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String id : nodeIds) {
      Path file = dir.resolve(id + ".runs");
      if (Files.exists(file)) {
        lines.addAll(Files.readAllLines(file));
      }
    }
    return lines;
  }

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
      Node node = startNode(url, "node-" + n, 30_000, 256);
      inputs.add(node.in());
      outputs.add(node.out());
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

  @Test
  void killedNode_itsRunFinishesOnAnotherNodeAfterItsLease() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    PostgresTaskStore.open(url).close();
    Node victim = startNode(url, "victim", 2_000, 8);
    victim.send("slow job 600000");
    assertThat(victim.out().readLine()).isEqualTo("slow added");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> slowLines("victim").stream().anyMatch(l -> l.startsWith("start job victim")));
    String victimRun = slowLines("victim").get(0).split(" ")[3];
    startNode(url, "survivor", 2_000, 8);

    victim.signal("KILL"); // no shutdown, no hand-back: the lease is left to expire

    try (PostgresTaskStore observer = PostgresTaskStore.open(url)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> observer.find("job").orElseThrow().state().status() == TaskStatus.COMPLETED);
      List<RunRecord> runs = observer.runs("job", 10);
      assertThat(runs)
          .extracting(RunRecord::outcome)
          .containsExactly(RunOutcome.SUCCESS, RunOutcome.ABANDONED);
      assertThat(runs.get(1).runId()).isEqualTo(victimRun);
      assertThat(runs.get(1).error()).contains("node victim stopped renewing its lease");
      assertThat(runs.get(0).node()).isEqualTo("survivor");
      assertThat(runs.get(0).attempt())
          .as("the abandoned attempt does not count: its node died, not the task")
          .isEqualTo(1);
    }
    assertThat(slowLines("survivor")).anyMatch(l -> l.startsWith("end job survivor"));
  }

  @Test
  void pausedNodePastItsLease_cannotRecordTheRunAnotherNodeTookOver() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    PostgresTaskStore.open(url).close();
    Node paused = startNode(url, "paused", 2_000, 8);
    paused.send("slow job 8000 -1");
    assertThat(paused.out().readLine()).isEqualTo("slow added");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> slowLines("paused").stream().anyMatch(l -> l.startsWith("start job paused")));
    String pausedRun = slowLines("paused").get(0).split(" ")[3];

    paused.signal("STOP"); // frozen mid-run, holding its lease, like a long GC pause or a VM freeze
    startNode(url, "other", 2_000, 8);
    // The other node records the run abandoned and reruns it; the rerun is held until released.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> slowLines("other").stream().anyMatch(l -> l.startsWith("start job other")));

    paused.signal("CONT"); // it wakes up believing it still runs the job, under a lease now other's
    Path log = dir.resolve("paused.log");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Files.readString(log).contains("lost its lease")
                    || Files.readString(log).contains("after its lease was lost"));
    try (PostgresTaskStore observer = PostgresTaskStore.open(url)) {
      StoredTask meanwhile = observer.find("job").orElseThrow();
      assertThat(meanwhile.state().status()).isEqualTo(TaskStatus.RUNNING);
      assertThat(Objects.requireNonNull(meanwhile.state().lease()).owner()).isEqualTo("other");
      assertThat(observer.runs("job", 10))
          .extracting(RunRecord::outcome)
          .containsExactly(RunOutcome.ABANDONED);

      Files.createFile(dir.resolve("other.runs.release"));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> observer.find("job").orElseThrow().state().status() == TaskStatus.COMPLETED);
      List<RunRecord> runs = observer.runs("job", 10);
      assertThat(runs)
          .extracting(RunRecord::outcome)
          .containsExactly(RunOutcome.SUCCESS, RunOutcome.ABANDONED);
      assertThat(runs.get(0).node()).isEqualTo("other");
      assertThat(runs.get(0).result()).isEqualTo("other");
      assertThat(runs.get(1).runId()).isEqualTo(pausedRun);
      assertThat(runs).noneMatch(r -> r.node().equals("paused"));
      StoredTask job = observer.find("job").orElseThrow();
      assertThat(job.state().lastRun()).isEqualTo(runs.get(0));
    }
    // The resumed node goes on working.
    paused.send("add 0 1 0");
    assertThat(paused.out().readLine()).isEqualTo("added 1");
  }

  @Test
  void moreDueThanTheClusterCanRun_higherPrioritiesAreClaimedFirst() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    PostgresTaskStore.open(url).close();
    startNode(url, "n1", 30_000, 1);
    startNode(url, "n2", 30_000, 1);
    Priority[] order = {Priority.LOW, Priority.CRITICAL, Priority.MEDIUM, Priority.HIGH};
    Map<String, Priority> priorities = new HashMap<>();
    Instant now = Instant.now();
    Instant due = now.plusSeconds(3);
    try (PostgresTaskStore observer = PostgresTaskStore.open(url)) {
      for (int i = 0; i < 20; i++) {
        String id = String.format(java.util.Locale.ROOT, "t%02d", i);
        Priority priority = order[i % order.length];
        priorities.put(id, priority);
        observer.insert(
            TaskDefinition.builder(id, "slow")
                .priority(priority)
                .schedule(Schedule.at(due))
                // 300 ms on whichever node runs it (PgNode sleeps ms only on the node named in
                // "node", retry_ms elsewhere: without both, every run took 0 ms and the two nodes'
                // race to claim the last MEDIUM and the first LOW read as an inversion).
                .config(JsonNodeFactory.instance.objectNode().put("ms", 300).put("retry_ms", 300))
                .build(),
            TaskState.initial(due, now));
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  observer.list().stream()
                      .allMatch(t -> t.state().status() == TaskStatus.COMPLETED));
    }
    // Two slots for twenty runs: a run of higher priority never waits for a lower one to end.
    Map<String, Instant> starts = new HashMap<>();
    Map<String, Instant> ends = new HashMap<>();
    for (String line : slowLines("n1", "n2")) {
      String[] parts = line.split(" ");
      (parts[0].equals("start") ? starts : ends).put(parts[1], Instant.parse(parts[4]));
    }
    assertThat(starts).hasSize(20);
    List<String> inversions = new ArrayList<>();
    for (String high : priorities.keySet()) {
      for (String low : priorities.keySet()) {
        if (priorities.get(high).compareTo(Objects.requireNonNull(priorities.get(low))) < 0
            && !Objects.requireNonNull(starts.get(high))
                .isBefore(Objects.requireNonNull(ends.get(low)))) {
          inversions.add(high + " (" + priorities.get(high) + ") after " + low);
        }
      }
    }
    assertThat(inversions).isEmpty();
  }
}
