package dev.schedulerd.bench;

import dev.schedulerd.store.postgres.PostgresTaskStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * W8 under faults: three nodes (separate JVMs) drain a backlog of no-op runs on one PostgreSQL
 * while it restarts three times, then again through an outage of 20 s. For each: runs/s over the
 * whole drain, runs executed twice per 1,000 (the nodes' own counts beyond one per task), and the
 * recovery time: from the database accepting connections again to the next run recorded.
 */
@SuppressForbidden(reason = "measures wall-clock intervals across processes")
final class ScaleOutFaults {
  private static final int NODES = 3;

  private final int backlog;
  private final Path logs;
  private final Summary summary;
  private final List<String> table = new ArrayList<>();
  private @Nullable EmbeddedPostgres postgres;
  private int port;
  private Path data = Path.of("");

  ScaleOutFaults(int backlog, Path logs, Summary summary) {
    this.backlog = backlog;
    this.logs = logs;
    this.summary = summary;
  }

  List<String> run() throws Exception {
    data = Files.createTempDirectory("schedulerd-w8f-").resolve("pgdata");
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    startDatabase();
    table.add(
        "W8 under faults: " + NODES + " nodes drain " + backlog + " no-op runs on PostgreSQL");
    try {
      String restarts = drain("w8f_restarts", "restarted 3 times, 4 s apart", 3, Duration.ZERO);
      String outage = drain("w8f_outage", "away for 20 s", 1, Duration.ofSeconds(20));
      summary.add(
          "W8F",
          "runs twice per 1,000 / recovery, PostgreSQL restarted 3× · away 20 s",
          restarts + " · " + outage,
          "—",
          "0 runs twice",
          restarts.startsWith("0.0 ") && outage.startsWith("0.0 ")
              ? Summary.Verdict.MET
              : Summary.Verdict.MISSED,
          "a run whose end was written but not acknowledged before the database went away runs"
              + " again: the node logs under this run's folder name each one (not profiled: met in"
              + " every run recorded)");
    } finally {
      stopDatabase();
    }
    return table;
  }

  private void startDatabase() throws IOException {
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setPort(port)
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("max_connections", "200")
            .start();
  }

  private void stopDatabase() throws IOException {
    EmbeddedPostgres running = postgres;
    if (running != null) {
      running.close(); // pg_ctl stop -m fast: sessions terminated, as a restart does
      postgres = null;
    }
  }

  private String url(String database) {
    return "jdbc:postgresql://localhost:" + port + "/" + database + "?user=postgres";
  }

  /**
   * One drain with {@code faults} faults, each {@code down} long (zero: a restart), the first after
   * 3 s and then every 4 s; returns "duplicates per 1,000 / recovery".
   */
  private String drain(String database, String what, int faults, Duration down) throws Exception {
    ScaleOut.createDatabase(url("postgres"), database);
    String url = url(database);
    PostgresTaskStore.open(url).close();
    Instant stored = Instant.now();
    ScaleOut.addTasks(url, backlog, i -> stored, "task-");
    List<ScaleOut.Node> nodes = ScaleOut.startNodes(logs, url, database, NODES);
    List<Long> backAt = new CopyOnWriteArrayList<>();
    try {
      long t0 = System.nanoTime();
      for (ScaleOut.Node node : nodes) {
        node.in().write("start\n");
        node.in().flush();
      }
      for (ScaleOut.Node node : nodes) {
        ScaleOut.expect(node.out().readLine(), "started");
      }
      Thread faultThread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      for (int f = 0; f < faults; f++) {
                        park(Duration.ofSeconds(f == 0 ? 3 : 4));
                        stopDatabase();
                        park(down);
                        startDatabase();
                        backAt.add(System.nanoTime());
                      }
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  });
      List<Long> recoveries = awaitDrained(url, backAt, faults, Duration.ofMinutes(5));
      faultThread.join();
      double seconds = (System.nanoTime() - t0) / 1e9;
      int executed = ScaleOut.reports(nodes).stream().mapToInt(ScaleOut.Report::runs).sum();
      double perThousand = 1000.0 * Math.max(0, executed - backlog) / backlog;
      String recovery =
          recoveries.stream()
              .map(ns -> String.format(Locale.ROOT, "%.1f s", ns / 1e9))
              .reduce((a, b) -> a + ", " + b)
              .orElse("—");
      table.add(
          String.format(
              Locale.ROOT,
              "  %s: %,d runs in %.1f s = %,.0f runs/s; executed %,d (%.1f per 1,000 twice);"
                  + " next run recorded %s after the database was back",
              what,
              backlog,
              seconds,
              backlog / seconds,
              executed,
              perThousand,
              recovery));
      return String.format(Locale.ROOT, "%.1f / %s", perThousand, recovery);
    } finally {
      ScaleOut.stop(nodes);
    }
  }

  /**
   * Polls the completed count until the backlog is done; for each instant in {@code backAt} (the
   * database back), how long until the count next grew.
   */
  private List<Long> awaitDrained(String url, List<Long> backAt, int faults, Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    List<Long> recoveries = new ArrayList<>();
    long lastCount = -1;
    while (true) {
      long count = -1;
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM tasks WHERE status = 'completed'")) {
        rs.next();
        count = rs.getLong(1);
      } catch (SQLException e) {
        // the database is away: that is the fault
      }
      long now = System.nanoTime();
      if (count > lastCount && recoveries.size() < backAt.size()) {
        long back = backAt.get(recoveries.size());
        if (lastCount >= 0 && now > back) {
          recoveries.add(now - back);
        }
      }
      if (count >= 0) {
        lastCount = count;
      }
      if (count >= backlog && recoveries.size() >= faults) {
        return recoveries;
      }
      if (now > deadline) {
        throw new IllegalStateException("the backlog was not drained within " + atMost);
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }

  private static void park(Duration wait) {
    long end = System.nanoTime() + wait.toNanos();
    for (long left; (left = end - System.nanoTime()) > 0; ) {
      LockSupport.parkNanos(left);
    }
  }
}
