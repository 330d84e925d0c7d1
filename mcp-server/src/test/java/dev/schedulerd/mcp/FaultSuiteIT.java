package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite: three nodes of the real jar (two daemons and an MCP client's node) on one
 * PostgreSQL, while the database restarts, goes away, a node is cut off, frozen or killed. Tasks
 * are shell commands that count their own executions in a marker file, and one checker ({@link
 * FaultExecutions}) holds each case to the same rules: every acknowledged task ran to its end,
 * once, recorded as one success; no two executions of a task at once. Leases are 6 s here (the
 * operator's {@code lease-seconds}) so that each case takes well under a minute.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
final class FaultSuiteIT {
  private static final int LEASE_SECONDS = 6;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path suiteDir;

  @SuppressWarnings("NullAway.Init")
  private Path pgData;

  private int pgPort;

  @SuppressWarnings("NullAway.Init") // started before all tests
  private EmbeddedPostgres postgres;

  private int databases;

  @BeforeAll
  void startPostgres() throws IOException {
    pgData = suiteDir.resolve("pgdata");
    try (ServerSocket probe = new ServerSocket(0)) {
      pgPort = probe.getLocalPort();
    }
    startDatabase();
  }

  @AfterAll
  void stopPostgres() throws IOException {
    postgres.close();
  }

  /** Starts PostgreSQL on its data folder and port: the same server again after a stop. */
  private void startDatabase() throws IOException {
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setPort(pgPort)
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_connections", "300")
            .start();
  }

  /** A fast shutdown (open sessions terminated, as {@code pg_ctl stop -m fast}). */
  private void stopDatabase() throws IOException {
    postgres.close();
  }

  @Test
  void postgresRestartedFiveTimesUnderLoad() throws Exception {
    try (Cluster cluster = new Cluster("restarts")) {
      cluster.startNodes(false);
      List<String> acknowledged = cluster.add("r", 40, Duration.ofSeconds(12), 8, 3);
      cluster.startNodeB();
      for (int i = 0; i < 5; i++) {
        cluster.awaitRunning(1, null);
        stopDatabase();
        startDatabase();
      }
      cluster.awaitAllFinished(Duration.ofSeconds(90));
      cluster.check(acknowledged);
    }
  }

  @Test
  void anOutageOfMoreThanThreeLeases_losesNothing() throws Exception {
    try (Cluster cluster = new Cluster("outage")) {
      cluster.startNodes(false);
      List<String> acknowledged = cluster.add("o", 30, Duration.ofSeconds(8), 10, 1);
      cluster.startNodeB();
      cluster.awaitRunning(2, null);
      stopDatabase();
      hold(Duration.ofSeconds(LEASE_SECONDS * 3 + 2)); // the outage itself
      startDatabase();
      long back = System.nanoTime();
      cluster.awaitAllFinished(Duration.ofSeconds(90));
      cluster.note(
          "all finished " + Duration.ofNanos(System.nanoTime() - back).toMillis() + " ms after");
      cluster.check(acknowledged);
    }
  }

  @Test
  void aPartitionedNode_stopsItsRunsBeforeOthersTakeThemOver() throws Exception {
    try (Cluster cluster = new Cluster("partition")) {
      cluster.startNodes(true);
      List<String> acknowledged = cluster.add("p", 12, Duration.ZERO, 40, 3); // 8 s each
      cluster.startNodeB();
      cluster.awaitExecuting("node-a");
      cluster.proxy().partition(); // sockets stay open; nothing gets through
      hold(Duration.ofSeconds(LEASE_SECONDS * 2 + 3));
      cluster.proxy().heal();
      cluster.awaitAllFinished(Duration.ofSeconds(90));
      cluster.check(acknowledged);
      assertThat(cluster.log("node-a")).contains("stopping it now, before another node may take");
    }
  }

  @Test
  void aFrozenNode_hasItsRunsKilledByTheirWatchdogs() throws Exception {
    try (Cluster cluster = new Cluster("frozen")) {
      cluster.startNodes(false);
      List<String> acknowledged = cluster.add("f", 12, Duration.ZERO, 40, 3); // 8 s each
      cluster.startNodeB();
      cluster.awaitExecuting("node-a");
      long pid = cluster.daemon("node-a").pid();
      signal("STOP", pid); // the JVM cannot fence itself now
      hold(Duration.ofSeconds(LEASE_SECONDS * 2 + 3));
      signal("CONT", pid);
      cluster.awaitAllFinished(Duration.ofSeconds(90));
      cluster.check(acknowledged);
      assertThat(FaultExecutions.read(cluster.markers).stopped())
          .as("the frozen node's runs were killed by their watchdogs")
          .isPositive();
    }
  }

  @Test
  void aKilledNode_leavesNoProcessAndItsRunsRunAgainOnce() throws Exception {
    try (Cluster cluster = new Cluster("killed")) {
      cluster.startNodes(false);
      List<String> acknowledged = cluster.add("k", 12, Duration.ZERO, 20, 3); // 4 s each
      cluster.startNodeB();
      cluster.awaitExecuting("node-a");
      cluster.daemon("node-a").destroyForcibly(); // SIGKILL
      long killedAt = Instant.now().toEpochMilli();
      cluster.awaitAllFinished(Duration.ofSeconds(90));
      cluster.check(acknowledged);
      FaultExecutions executions = FaultExecutions.read(cluster.markers);
      assertThat(executions.stopped()).as("runs of the killed node died with it").isPositive();
      for (String task : acknowledged) {
        for (FaultExecutions.Execution e : executions.of(task)) {
          if (!e.ended()) {
            assertThat(e.lastMs())
                .as("a run of the killed node went on after it: %s", e)
                .isLessThan(killedAt + 1_000);
          }
        }
      }
    }
  }

  @Test
  void theSqliteFileDeletedThenReplaced_isNeverWrittenAndNothingMoreIsAcknowledged()
      throws Exception {
    Path home = Files.createDirectories(suiteDir.resolve("sqlite"));
    Path markers = home.resolve("markers");
    Path db = home.resolve("tasks.db");
    Path config = home.resolve("schedulerd.properties");
    Files.writeString(config, "executors.shell.enabled=true\nexecutors.shell.allow=/bin/sh\n");
    Process node =
        JarProcess.builder(home, List.of("--store", "sqlite:" + db, "--config", config.toString()))
            .redirectError(home.resolve("node.log").toFile())
            .start();
    try (ProcessClient client = new ProcessClient(node)) {
      List<String> acknowledged = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        if (!addShell(client, "s" + i, markers).path("isError").asBoolean()) {
          acknowledged.add("s" + i);
        }
      }
      assertThat(acknowledged).hasSize(5);
      acknowledged.forEach(client::awaitFinished);

      Files.delete(db);
      Files.deleteIfExists(home.resolve("tasks.db-wal"));
      Files.deleteIfExists(home.resolve("tasks.db-shm"));
      JsonNode afterDelete = addShell(client, "lost", markers);
      assertThat(afterDelete.path("isError").asBoolean())
          .as("not acknowledged: %s", afterDelete)
          .isTrue();
      assertThat(afterDelete.toString()).contains(db.toString()).contains("deleted");

      Files.writeString(db, ""); // another file where the store's was: never written into
      JsonNode afterReplace = addShell(client, "lost2", markers);
      assertThat(afterReplace.path("isError").asBoolean()).isTrue();
      assertThat(Files.size(db)).as("nothing written into the replacement").isZero();
      assertThat(
              client
                  .call("scheduler_daemon_status", "{}")
                  .path("structuredContent")
                  .path("daemon")
                  .path("store_problem")
                  .asText())
          .contains(db.toString());

      Map<String, Long> successes = new LinkedHashMap<>();
      for (JsonNode run :
          client
              .call("scheduler_list_runs", "{\"limit\":100}")
              .path("structuredContent")
              .path("runs")) {
        if (run.path("outcome").asText().equals("success")) {
          successes.merge(run.path("task_id").asText(), 1L, Long::sum);
        }
      }
      FaultExecutions executions = FaultExecutions.read(markers);
      String summary =
          "sqlite: "
              + acknowledged.size()
              + " tasks acknowledged before the file was deleted, 2 adds refused after";
      System.err.println("fault suite: " + summary);
      assertThat(executions.violationsBySuccesses(acknowledged, successes)).as(summary).isEmpty();
      assertThat(executions.of("lost")).as("a refused add never runs").isEmpty();
    }
  }

  private static JsonNode addShell(ProcessClient client, String id, Path markers)
      throws IOException {
    ObjectNode args = JSON.createObjectNode();
    args.put("task_id", id).put("task_type", "shell");
    args.putObject("config")
        .set("command", JSON.valueToTree(FaultExecutions.command(id, markers, 2)));
    return client.call("scheduler_add_task", JSON.writeValueAsString(args));
  }

  private static void hold(Duration fault) {
    long end = System.nanoTime() + fault.toNanos();
    for (long left; (left = end - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(left);
    }
  }

  private static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  /** One case's nodes on a fresh database of the suite's server, and what they ran. */
  private final class Cluster implements AutoCloseable {
    final Path home;
    final Path markers;
    final String jdbcUrl;
    private final String name;
    private final Map<String, Process> daemons = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private @Nullable TcpProxy proxy;
    private @Nullable Process agentProcess;
    private @Nullable ProcessClient agent;

    Cluster(String name) throws Exception {
      this.name = name;
      this.home = Files.createDirectories(suiteDir.resolve(name));
      this.markers = home.resolve("markers");
      String db = "faults_" + name + "_" + ++databases;
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + db);
      }
      this.jdbcUrl = postgres.getJdbcUrl("postgres", db);
    }

    /** A node's config file: shell runs allowed, short leases, at most {@code maxRuns} at once. */
    private Path config(String node, int maxRuns) throws IOException {
      Path file = home.resolve(node + ".properties");
      Files.writeString(
          file,
          "executors.shell.enabled=true\nexecutors.shell.allow=/bin/sh\nlease-seconds="
              + LEASE_SECONDS
              + "\ndashboard.enabled=false\nmax-concurrent-runs="
              + maxRuns
              + "\n");
      return file;
    }

    /**
     * The daemon node-a (through a TCP proxy when {@code proxied}), four runs at a time, and the
     * agent's node (the MCP client that adds the tasks), one at a time: node-a surely runs some of
     * what is added before {@link #startNodeB}.
     */
    void startNodes(boolean proxied) throws Exception {
      String url = jdbcUrl;
      if (proxied) {
        proxy = new TcpProxy(pgPort);
        url = jdbcUrl.replace(":" + pgPort + "/", ":" + proxy.port() + "/");
      }
      daemons.put("node-a", start("node-a", url, true, 4));
      agentProcess = start("agent", jdbcUrl, false, 1);
      agent = new ProcessClient(agentProcess);
    }

    /** The daemon node-b, with room for sixteen runs: it can take over what others drop. */
    void startNodeB() throws IOException {
      daemons.put("node-b", start("node-b", jdbcUrl, true, 16));
    }

    private Process start(String node, String url, boolean daemon, int maxRuns) throws IOException {
      List<String> args = new ArrayList<>();
      if (daemon) {
        args.add("daemon");
      }
      args.addAll(
          List.of(
              "--store",
              "postgres:" + url,
              "--node-id",
              node,
              "--config",
              config(node, maxRuns).toString()));
      if (daemon) {
        args.addAll(List.of("--socket", "none"));
      }
      ProcessBuilder builder = JarProcess.builder(home, args);
      if (daemon) {
        builder.redirectErrorStream(true).redirectOutput(home.resolve(node + ".log").toFile());
      } else {
        builder.redirectError(home.resolve(node + ".log").toFile());
      }
      return builder.start();
    }

    TcpProxy proxy() {
      return java.util.Objects.requireNonNull(proxy, "started without a proxy");
    }

    Process daemon(String node) {
      return java.util.Objects.requireNonNull(daemons.get(node), node);
    }

    String log(String node) throws IOException {
      return Files.readString(home.resolve(node + ".log"));
    }

    void note(String text) {
      notes.add(text);
    }

    /**
     * Adds {@code count} one-shot tasks due over {@code spread}, each running {@code ticks} ticks;
     * returns those whose add was acknowledged.
     */
    List<String> add(String prefix, int count, Duration spread, int ticks, int maxRetries)
        throws IOException {
      List<String> acknowledged = new ArrayList<>();
      List<String> refusals = new ArrayList<>();
      Instant first = Instant.now().plusSeconds(1);
      for (int i = 0; i < count; i++) {
        String id = prefix + i;
        ObjectNode args = JSON.createObjectNode();
        args.put("task_id", id).put("task_type", "shell").put("max_retries", maxRetries);
        args.put("run_at", first.plus(spread.multipliedBy(i).dividedBy(count)).toString());
        args.putObject("config")
            .set("command", JSON.valueToTree(FaultExecutions.command(id, markers, ticks)));
        JsonNode added =
            java.util.Objects.requireNonNull(agent, "nodes not started")
                .call("scheduler_add_task", JSON.writeValueAsString(args));
        if (!added.path("isError").asBoolean()) {
          acknowledged.add(id);
        } else {
          refusals.add(id + ": " + added.path("content").path(0).path("text").asText());
        }
      }
      assertThat(acknowledged).as("adds acknowledged (refused: %s)", refusals).hasSize(count);
      return acknowledged;
    }

    /** Waits until at least {@code count} runs are in flight (on {@code node} when given). */
    void awaitRunning(int count, @Nullable String node) {
      String where =
          "status = 'running'"
              + (node == null ? "" : " AND state LIKE '%\"owner\":\"" + node + "\"%'");
      await(count + " run(s) in flight" + (node == null ? "" : " on " + node))
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> count("SELECT count(*) FROM tasks WHERE " + where) >= count);
    }

    /**
     * Waits until a run of {@code node} is executing: claimed by it in the store and its process
     * started (its marker written), so that a fault of the node meets a process.
     */
    void awaitExecuting(String node) {
      await("a run executing on " + node)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(
              () -> {
                List<String> held = new ArrayList<>();
                try (Connection c = DriverManager.getConnection(jdbcUrl);
                    Statement s = c.createStatement();
                    ResultSet rows =
                        s.executeQuery(
                            "SELECT id FROM tasks WHERE status = 'running' AND state LIKE"
                                + " '%\"owner\":\""
                                + node
                                + "\"%'")) {
                  while (rows.next()) {
                    held.add(rows.getString(1));
                  }
                }
                FaultExecutions seen = FaultExecutions.read(markers);
                return held.stream().anyMatch(id -> seen.of(id).stream().anyMatch(e -> !e.ended()));
              });
    }

    void awaitAllFinished(Duration atMost) {
      await("every task finished")
          .atMost(atMost)
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptions()
          .until(
              () ->
                  count(
                          "SELECT count(*) FROM tasks WHERE status NOT IN"
                              + " ('completed', 'failed', 'cancelled')")
                      == 0);
    }

    private long count(String sql) throws SQLException {
      try (Connection c = DriverManager.getConnection(jdbcUrl);
          Statement s = c.createStatement();
          ResultSet rows = s.executeQuery(sql)) {
        rows.next();
        return rows.getLong(1);
      }
    }

    /** The checker's rules, and one line for the suite's record. */
    void check(List<String> acknowledged) throws Exception {
      FaultExecutions executions = FaultExecutions.read(markers);
      List<String> violations =
          executions.violations(acknowledged, FaultExecutions.runsIn(jdbcUrl));
      String summary =
          name
              + ": "
              + acknowledged.size()
              + " tasks, "
              + executions.executions()
              + " executions, "
              + executions.stopped()
              + " stopped before their end, "
              + executions.duplicates()
              + " ran to their end twice"
              + (notes.isEmpty() ? "" : ", " + String.join(", ", notes));
      System.err.println("fault suite: " + summary);
      if (!violations.isEmpty()) {
        keepLogs();
      }
      assertThat(violations).as(summary).isEmpty();
    }

    /** The nodes' logs and the markers, kept beside the build's reports for a failed case. */
    private void keepLogs() throws IOException {
      Path kept = Files.createDirectories(Path.of("target", "fault-suite", name));
      try (var files = Files.list(home)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".log")).toList()) {
          Files.copy(file, kept.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.copy(markers, kept.resolve("markers"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws Exception {
      if (agent != null) {
        agent.close();
      }
      for (Process daemon : daemons.values()) {
        daemon.destroy();
      }
      for (Process daemon : daemons.values()) {
        if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
          daemon.destroyForcibly();
        }
      }
      if (agentProcess != null) {
        agentProcess.destroyForcibly();
      }
      if (proxy != null) {
        proxy.close();
      }
    }
  }
}
