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
import dev.schedulerd.runtime.nodes.TestNodes;
import dev.schedulerd.runtime.nodes.TestNodes.Node;
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
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes as separate JVMs on one PostgreSQL ({@link TestNodes}, the harness the SQLite multi-process
 * tests use too): every task runs exactly once.
 */
class PostgresMultiNodeTest {
  @TempDir Path dir;
  private @Nullable TestNodes nodes;

  @AfterEach
  void killNodes() {
    if (nodes != null) {
      nodes.close();
    }
  }

  /** A fresh database, migrated once up front, and the launcher of nodes on it. */
  private TestNodes freshCluster() {
    String url = EmbeddedDatabase.freshDatabase();
    PostgresTaskStore.open(url).close();
    nodes = new TestNodes("postgres", url, dir);
    return nodes;
  }

  private static PostgresTaskStore observe(TestNodes cluster) {
    return PostgresTaskStore.open(cluster.location());
  }

  @Test
  void threeNodes_10000Tasks_eachRunsExactlyOnce() throws Exception {
    TestNodes cluster = freshCluster();
    int total = 10_000;
    List<Node> started = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      started.add(cluster.start("node-" + n, Duration.ofSeconds(30), 256));
    }
    int share = total / 3 + 1;
    for (int n = 0; n < 3; n++) {
      int from = n * share;
      int count = Math.min(share, total - from);
      started.get(n).send("add task " + from + " " + count + " 3000 0");
    }
    for (Node node : started) {
      node.awaitLine("added", Duration.ofSeconds(120));
    }

    try (PostgresTaskStore observer = observe(cluster)) {
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  observer.list().stream()
                          .filter(t -> t.state().status() == TaskStatus.COMPLETED)
                          .count()
                      == total);
      for (Node node : started) {
        node.quit();
      }
      Map<String, Integer> starts = new HashMap<>();
      Set<String> nodesThatRan = new HashSet<>();
      for (String line : cluster.runLines("node-0", "node-1", "node-2")) {
        String[] parts = line.split(" "); // TASK RUN NODE
        starts.merge(parts[0], 1, Integer::sum);
        nodesThatRan.add(parts[2]);
      }
      assertThat(starts).hasSize(total);
      assertThat(starts.values()).allMatch(c -> c == 1);
      assertThat(nodesThatRan).as("the work was shared").hasSizeGreaterThan(1);
      long oneSuccessEach =
          observer.runPage(null, total + 10, null).runs().stream()
              .filter(r -> r.outcome() == RunOutcome.SUCCESS)
              .map(r -> r.taskId())
              .distinct()
              .count();
      assertThat(oneSuccessEach).isEqualTo(total);
      assertThat(observer.runPage(null, total + 10, null).runs()).hasSize(total);
    }
  }

  @Test
  void killedNode_itsRunFinishesOnAnotherNodeAfterItsLease() throws Exception {
    TestNodes cluster = freshCluster();
    Node victim = cluster.start("victim", Duration.ofSeconds(2), 8);
    victim.send("slow job 600000");
    victim.awaitLine("slow added");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> victim.runLines().stream().anyMatch(l -> l.startsWith("start job victim")));
    String victimRun = victim.runLines().get(0).split(" ")[3];
    cluster.start("survivor", Duration.ofSeconds(2), 8);

    victim.signal("KILL"); // no shutdown, no hand-back: the lease is left to expire

    try (PostgresTaskStore observer = observe(cluster)) {
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
    assertThat(cluster.runLines("survivor")).anyMatch(l -> l.startsWith("end job survivor"));
  }

  @Test
  void pausedNodePastItsLease_cannotRecordTheRunAnotherNodeTookOver() throws Exception {
    TestNodes cluster = freshCluster();
    Node paused = cluster.start("paused", Duration.ofSeconds(2), 8);
    paused.send("slow job 8000 -1");
    paused.awaitLine("slow added");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> paused.runLines().stream().anyMatch(l -> l.startsWith("start job paused")));
    String pausedRun = paused.runLines().get(0).split(" ")[3];

    paused.signal("STOP"); // frozen mid-run, holding its lease, like a long GC pause or a VM freeze
    Node other = cluster.start("other", Duration.ofSeconds(2), 8);
    // The other node records the run abandoned and reruns it; the rerun is held until released.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> other.runLines().stream().anyMatch(l -> l.startsWith("start job other")));

    paused.signal("CONT"); // it wakes up believing it still runs the job, under a lease now other's
    Path log = paused.log();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                Files.readString(log).contains("lost its lease")
                    || Files.readString(log).contains("after its lease was lost")
                    // woke past its lease's end: stopped at once, before even asking the store
                    || Files.readString(log).contains("stopping it now"));
    try (PostgresTaskStore observer = observe(cluster)) {
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
    paused.send("add task 0 1 0 0");
    assertThat(paused.awaitLine("added")).isEqualTo("added 1");
  }

  @Test
  void moreDueThanTheClusterCanRun_higherPrioritiesAreClaimedFirst() throws Exception {
    TestNodes cluster = freshCluster();
    cluster.start("n1", Duration.ofSeconds(30), 1);
    cluster.start("n2", Duration.ofSeconds(30), 1);
    Priority[] order = {Priority.LOW, Priority.CRITICAL, Priority.MEDIUM, Priority.HIGH};
    Map<String, Priority> priorities = new HashMap<>();
    Instant now = Instant.now();
    Instant due = now.plusSeconds(3);
    try (PostgresTaskStore observer = observe(cluster)) {
      for (int i = 0; i < 20; i++) {
        String id = String.format(java.util.Locale.ROOT, "t%02d", i);
        Priority priority = order[i % order.length];
        priorities.put(id, priority);
        observer.insert(
            TaskDefinition.builder(id, "slow")
                .priority(priority)
                .schedule(Schedule.at(due))
                // 300 ms on whichever node runs it (TestNode sleeps ms only on the node named in
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
    for (String line : cluster.runLines("n1", "n2")) {
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
