package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's cluster runbook with the real jar: two {@code daemon} nodes and an MCP client's node
 * on one PostgreSQL, one command each.
 */
final class PostgresNodesIT {
  @TempDir Path home;

  @Test
  void daemonNodesAndAnAgentsNode_shareOneDatabase() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      String store = "postgres:" + postgres.getJdbcUrl("postgres", "postgres");
      List<Process> daemons = new ArrayList<>();
      try {
        for (String node : List.of("node-a", "node-b")) {
          daemons.add(
              JarProcess.builder(
                      home,
                      // several nodes of one store on one machine: only one could take its socket
                      List.of("daemon", "--store", store, "--node-id", node, "--socket", "none"))
                  .redirectErrorStream(true)
                  .redirectOutput(home.resolve(node + ".log").toFile())
                  .start());
        }
        Process agent =
            JarProcess.builder(home, List.of("--store", store, "--node-id", "agent"))
                .redirectError(home.resolve("agent.log").toFile())
                .start();
        try (ProcessClient client = new ProcessClient(agent)) {
          for (int i = 0; i < 30; i++) {
            JsonNode added =
                client.call(
                    "scheduler_add_task",
                    "{\"task_id\":\"t"
                        + i
                        + "\",\"task_type\":\"log\",\"config\":{\"message\":\"hi\"}}");
            assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();
          }
          for (int i = 0; i < 30; i++) {
            assertThat(client.awaitFinished("t" + i).path("status").asText())
                .isEqualTo("completed");
          }
          JsonNode nodes =
              await("all three nodes listed")
                  .atMost(Duration.ofSeconds(30))
                  .pollInterval(Duration.ofMillis(200))
                  .until(
                      () ->
                          client
                              .call("scheduler_daemon_status", "{}")
                              .path("structuredContent")
                              .path("daemon")
                              .path("nodes"),
                      n -> n.findValuesAsText("node_id").size() == 3);
          assertThat(nodes.findValuesAsText("node_id"))
              .containsExactlyInAnyOrder("agent", "node-a", "node-b");

          JsonNode runs =
              client.call("scheduler_list_runs", "{\"limit\":100}").path("structuredContent");
          Set<String> ranOn = new HashSet<>(runs.findValuesAsText("node"));
          assertThat(runs.path("runs").size()).isEqualTo(30);
          assertThat(ranOn).isSubsetOf("agent", "node-a", "node-b").isNotEmpty();

          // The operator's CLI on the shared database, no daemon socket to ask: it reads and
          // changes the store itself, and the nodes see the change.
          client.call(
              "scheduler_add_task",
              "{\"task_id\":\"nightly\",\"task_type\":\"log\",\"priority\":\"high\","
                  + "\"cron_expression\":\"0 3 * * *\",\"config\":{\"message\":\"m\"}}");
          JarProcess tasks = JarProcess.run(home, "", "tasks", "--store", store, "--limit", "100");
          assertThat(tasks.exitCode()).as(tasks.stderr()).isZero();
          assertThat(tasks.stdout())
              .containsPattern("(?m)^nightly\\s+scheduled\\s+high\\s+")
              .containsPattern("(?m)^t29\\s+completed\\s+medium\\s+success$")
              .contains("31 task(s)");
          JarProcess status = JarProcess.run(home, "", "status", "--store", store);
          assertThat(status.stdout()).contains("answered by the store (no daemon runs)");
          JarProcess pause = JarProcess.run(home, "", "pause", "nightly", "--store", store);
          assertThat(pause.exitCode()).as(pause.stderr()).isZero();
          assertThat(
                  client
                      .call("scheduler_get_task", "{\"task_id\":\"nightly\"}")
                      .path("structuredContent")
                      .path("task")
                      .path("status")
                      .asText())
              .isEqualTo("paused");
          JarProcess retry = JarProcess.run(home, "", "retry", "t0", "--store", store);
          assertThat(retry.exitCode()).isEqualTo(1);
          assertThat(retry.stderr()).contains("is completed: only a failed task can be retried");
        }
        assertThat(agent.exitValue()).isZero();
      } finally {
        for (Process daemon : daemons) {
          daemon.destroy(); // SIGTERM, as systemd stops it
        }
        for (Process daemon : daemons) {
          assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(daemon.exitValue())
              .as(Files.readString(home.resolve("node-a.log")))
              .isIn(0, 143);
        }
      }
    }
  }
}
