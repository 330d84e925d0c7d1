package dev.schedulerd.bench;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.store.postgres.PostgresTaskStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * W8, scale-out: schedulerd nodes as separate JVMs on one PostgreSQL (started here, durable: fsync
 * and synchronous commit on, unless a URL is given).
 *
 * <ul>
 *   <li><b>Throughput</b> with 1, 2 and 3 nodes: a backlog of no-op runs, all due, stored before
 *       the nodes start; from the moment the nodes are told to start until the last run ended.
 *   <li><b>Precision</b> with 3 nodes, after a warm-up: runs due uniformly over 10 s, added while
 *       the nodes run, all of them before the first is due; start lateness (start minus due) over
 *       all nodes, and the latency of the nodes' batch claims (one transaction each, {@code SELECT
 *       … FOR UPDATE SKIP LOCKED}).
 * </ul>
 */
@SuppressForbidden(reason = "compares wall-clock instants taken in several processes")
final class ScaleOut {
  private final int backlog;
  private final int precisionRuns;
  private final Path logs;
  private final List<String> table = new ArrayList<>();
  private final Summary summary;

  /** Runs/s and the machine's busy cores with 1, 2, 3 nodes, in that order. */
  private final List<Double> rates = new ArrayList<>();

  private final List<Double> busyCores = new ArrayList<>();

  ScaleOut(int backlog, int precisionRuns, Path logs, Summary summary) {
    this.summary = summary;
    this.backlog = backlog;
    this.precisionRuns = precisionRuns;
    this.logs = logs;
  }

  /** A node process and its pipes. */
  record Node(Process process, Writer in, BufferedReader out) {
    String ask(String command) throws IOException {
      in.write(command + "\n");
      in.flush();
      String answer = out.readLine();
      if (answer == null) {
        throw new IOException("a node exited; see its log");
      }
      return answer;
    }
  }

  /** What a node reported. */
  record Report(
      int runs,
      long firstStartUs,
      long lastEndUs,
      long claimP50Us,
      long claimP99Us,
      long claims,
      long lostClaims,
      long[] latenessUs,
      long statements,
      long roundTrips,
      long commits) {
    static Report parse(String line) {
      String[] parts = line.split(" ", -1);
      if (!parts[0].equals("report")) {
        throw new IllegalStateException("unexpected answer from a node: " + line);
      }
      long[] lateness =
          parts[8].isEmpty()
              ? new long[0]
              : java.util.Arrays.stream(parts[8].split(",")).mapToLong(Long::parseLong).toArray();
      return new Report(
          Integer.parseInt(parts[1]),
          Long.parseLong(parts[2]),
          Long.parseLong(parts[3]),
          Long.parseLong(parts[4]),
          Long.parseLong(parts[5]),
          Long.parseLong(parts[6]),
          Long.parseLong(parts[7]),
          lateness,
          Long.parseLong(parts[9]),
          Long.parseLong(parts[10]),
          Long.parseLong(parts[11]));
    }
  }

  List<String> run(@Nullable String givenUrl) throws Exception {
    if (givenUrl != null) {
      runAll(name -> databaseOn(givenUrl, name));
    } else {
      try (EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("max_connections", "200")
              .start()) {
        runAll(
            name -> {
              createDatabase(postgres.getJdbcUrl("postgres", "postgres"), name);
              return postgres.getJdbcUrl("postgres", name);
            });
      }
    }
    return table;
  }

  private interface Databases {
    String fresh(String name) throws SQLException;
  }

  private String databaseOn(String url, String name) throws SQLException {
    createDatabase(url, name);
    int slash = url.lastIndexOf('/');
    int query = url.indexOf('?');
    return url.substring(0, slash + 1) + name + (query < 0 ? "" : url.substring(query));
  }

  static void createDatabase(String url, String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
      s.execute("CREATE DATABASE " + name);
    }
  }

  private void runAll(Databases databases) throws Exception {
    table.add("W8 scale-out on PostgreSQL (nodes are separate JVMs on this machine's cores)");
    for (int nodes = 1; nodes <= 3; nodes++) {
      String url = databases.fresh("w8_backlog_" + nodes);
      throughput(url, nodes);
    }
    precision(databases.fresh("w8_precision"), 3);
    summary.add(
        "W8",
        "runs/s with 1, 2, 3 nodes on one PostgreSQL (one machine)",
        String.join(
            " / ", rates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList()),
        String.format(Locale.ROOT, "3 nodes %.2f × 1 node", rates.get(2) / rates.get(0)),
        "3 nodes ≥ 1 node",
        Summary.Verdict.of(rates.get(2) >= rates.get(0)),
        String.format(
            Locale.ROOT,
            "the machine's cores, which the nodes' JVMs and PostgreSQL share: one node kept %s,"
                + " three %s; each node also reads every other's writes (round trips per run"
                + " above)",
            MachineCpu.describe(busyCores.get(0)),
            MachineCpu.describe(busyCores.get(2))));
  }

  private void throughput(String url, int nodeCount) throws Exception {
    PostgresTaskStore.open(url).close(); // migrate before the nodes race to
    Instant stored = Instant.now();
    addTasks(url, backlog, i -> stored, "task-");
    List<Node> nodes = startNodes(url, "backlog" + nodeCount, nodeCount);
    try {
      MachineCpu.Sample cpuFrom = MachineCpu.sample();
      long t0 = BenchNode.micros(Instant.now());
      for (Node node : nodes) {
        node.in().write("start\n");
        node.in().flush();
      }
      for (Node node : nodes) {
        expect(node.out().readLine(), "started");
      }
      awaitCompleted(url, backlog, Duration.ofMinutes(10));
      double cores = MachineCpu.busyCores(cpuFrom, MachineCpu.sample());
      List<Report> reports = reports(nodes);
      long lastEnd = reports.stream().mapToLong(Report::lastEndUs).max().orElse(t0);
      double seconds = (lastEnd - t0) / 1e6;
      StringBuilder shares = new StringBuilder();
      long lost = 0;
      long statements = 0;
      long roundTrips = 0;
      long commits = 0;
      for (Report r : reports) {
        shares.append(shares.isEmpty() ? "" : "/").append(r.runs());
        lost += r.lostClaims();
        statements += r.statements();
        roundTrips += r.roundTrips();
        commits += r.commits();
      }
      double lostPerRun = lost / (double) backlog;
      table.add(
          String.format(
              Locale.ROOT,
              "  %d node(s): %,d runs in %.2f s = %,.0f runs/s (runs per node %s); lost claim"
                  + " attempts %,d = %.3f per run; per run (all nodes, start-up included): commits"
                  + " %.2f, statements %.2f, round trips %.2f; %s",
              nodeCount,
              backlog,
              seconds,
              backlog / seconds,
              shares,
              lost,
              lostPerRun,
              commits / (double) backlog,
              statements / (double) backlog,
              roundTrips / (double) backlog,
              MachineCpu.describe(cores)));
      if (nodeCount == 3) {
        summary.add(
            "W8",
            "lost claim attempts per run, 3 nodes",
            String.format(Locale.ROOT, "%.3f", lostPerRun),
            "—",
            "≤ 0.05",
            Summary.Verdict.of(lostPerRun <= 0.05),
            "the start, and claims in flight on two nodes at once: a node that comes up after the"
                + " others loses what they claimed of its share before they saw it (a probe logging"
                + " each lost claim with its instant; BENCHMARKS.md, issue 20's fourth session)");
      }
      rates.add(backlog / seconds);
      busyCores.add(cores);
    } finally {
      stop(nodes);
    }
  }

  private void precision(String url, int nodeCount) throws Exception {
    PostgresTaskStore.open(url).close();
    List<Node> nodes = startNodes(url, "precision", nodeCount);
    try {
      for (Node node : nodes) {
        expect(node.ask("start"), "started");
      }
      // Warm-up, not measured: the nodes' JIT compilers and connection pools get going.
      Instant warmUp = Instant.now();
      addTasks(url, precisionRuns, i -> warmUp, "warm-up-");
      // The measured runs are all stored before the first is due: lead by 1.5 times what adding
      // took just now, under the same load.
      Duration lead =
          Duration.ofSeconds(1)
              .plus(Duration.between(warmUp, Instant.now()).multipliedBy(3).dividedBy(2));
      awaitCompleted(url, precisionRuns, Duration.ofMinutes(5));
      for (Node node : nodes) {
        expect(node.ask("reset"), "reset");
      }
      Instant base = Instant.now().plus(lead);
      long spreadMicros = 10_000_000; // 100 runs/s at the default count: within the cluster's means
      Instant addStart = Instant.now();
      addTasks(
          url,
          precisionRuns,
          i -> base.plus(Duration.ofNanos(1_000 * (spreadMicros * i / precisionRuns))),
          "task-");
      Duration adding = Duration.between(addStart, Instant.now());
      if (adding.compareTo(lead) > 0) {
        table.add("  !! adding took longer than the lead: the first runs were stored late");
      }
      awaitCompleted(url, 2 * precisionRuns, Duration.ofMinutes(5));
      List<Report> reports = reports(nodes);
      long[] lateness =
          reports.stream().flatMapToLong(r -> java.util.Arrays.stream(r.latenessUs())).toArray();
      Stats stats = Stats.of(lateness);
      long early = java.util.Arrays.stream(lateness).filter(l -> l < 0).count();
      table.add(
          String.format(
              Locale.ROOT,
              "  %d nodes, %,d runs due over 10 s starting %.1f s ahead (added in %d ms): start"
                  + " lateness p50 %s, p99 %s, max %s, early starts %d",
              nodeCount,
              precisionRuns,
              lead.toMillis() / 1000.0,
              adding.toMillis(),
              Stats.ms(stats.p50()),
              Stats.ms(stats.p99()),
              Stats.ms(stats.max()),
              early));
      for (int n = 0; n < reports.size(); n++) {
        Report r = reports.get(n);
        table.add(
            String.format(
                Locale.ROOT,
                "    node %d: %,d runs; batch claim latency p50 %s, p99 %s over %,d claims, %,d"
                    + " claim attempts lost",
                n,
                r.runs(),
                Stats.ms(r.claimP50Us()),
                Stats.ms(r.claimP99Us()),
                r.claims(),
                r.lostClaims()));
      }
    } finally {
      stop(nodes);
    }
  }

  /**
   * Stores {@code count} no-op tasks (ids {@code idPrefix} + number), task i due at {@code
   * due.apply(i)}, from 8 threads.
   */
  static void addTasks(String url, int count, IntFunction<Instant> due, String idPrefix)
      throws Exception {
    Instant now = Instant.now();
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      Fixtures.from8Threads(
          count,
          i -> {
            Instant at = due.apply(i);
            store.insert(
                TaskDefinition.builder(String.format(Locale.ROOT, "%s%07d", idPrefix, i), "noop")
                    .schedule(Schedule.at(at))
                    .build(),
                TaskState.initial(at, now));
          });
    }
  }

  private static void awaitCompleted(String url, int expected, Duration atMost)
      throws SQLException {
    long deadline = System.nanoTime() + atMost.toNanos();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      while (true) {
        try (ResultSet rs =
            s.executeQuery("SELECT count(*) FROM tasks WHERE status = 'completed'")) {
          rs.next();
          if (rs.getInt(1) >= expected) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("runs did not complete within " + atMost);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private List<Node> startNodes(String url, String label, int count) throws IOException {
    return startNodes(logs, url, label, count);
  }

  /** Starts {@code count} node processes on {@code url}, each ready when this returns. */
  static List<Node> startNodes(Path logs, String url, String label, int count) throws IOException {
    List<Node> nodes = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      String id = label + "-node-" + n;
      Process process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  BenchNode.class.getName(),
                  url,
                  id)
              .redirectError(logs.resolve(id + ".log").toFile())
              .start();
      Node node =
          new Node(
              process,
              new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8),
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
      nodes.add(node);
      expect(node.out().readLine(), "ready");
    }
    return nodes;
  }

  static List<Report> reports(List<Node> nodes) throws IOException {
    List<Report> reports = new ArrayList<>();
    for (Node node : nodes) {
      reports.add(Report.parse(node.ask("report")));
    }
    return reports;
  }

  static void stop(List<Node> nodes) throws InterruptedException {
    for (Node node : nodes) {
      try {
        node.in().write("quit\n");
        node.in().close();
      } catch (IOException ignored) {
        // already gone
      }
    }
    for (Node node : nodes) {
      if (!node.process().waitFor(30, TimeUnit.SECONDS)) {
        node.process().destroyForcibly();
      }
    }
  }

  static void expect(String actual, String expected) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException("a node answered '" + actual + "', not '" + expected + "'");
    }
  }
}
