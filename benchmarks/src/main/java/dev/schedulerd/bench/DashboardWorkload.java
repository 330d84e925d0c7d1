package dev.schedulerd.bench;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.mcp.dashboard.DashboardServer;
import dev.schedulerd.mcp.tools.SchedulerTools;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * W9: the dashboard's pages at 100,000 stored tasks — each API call a page makes, answered over
 * HTTP by the daemon's own dashboard server on a started scheduler on SQLite, from a client in this
 * JVM; 50 unmeasured calls then 300 measured per page, median and p99.
 */
final class DashboardWorkload {
  static final int TASKS = 100_000;
  private static final int WARM_UP = 50;
  private static final int MEASURED = 300;

  private final Fixtures fixtures;
  private final Path workDir;
  private final Summary summary;

  DashboardWorkload(Fixtures fixtures, Path workDir, Summary summary) {
    this.fixtures = fixtures;
    this.workDir = workDir;
    this.summary = summary;
  }

  List<String> run() throws Exception {
    List<String> rows = new ArrayList<>();
    rows.add(
        String.format(
            Locale.ROOT,
            "W9 dashboard: each page's API call at %,d stored tasks (SQLite), %d measured after %d",
            TASKS,
            MEASURED,
            WARM_UP));
    Path db = fixtures.sqliteWithPending(TASKS);
    TaskExecutor noop = TaskExecutor.of("noop", run -> ExecutionResult.success());
    Path tokenFile = Files.createTempDirectory(workDir, "w9").resolve("dashboard.token");
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(db));
        Scheduler scheduler = Fixtures.started(store, noop);
        DashboardServer dashboard =
            DashboardServer.start(
                scheduler,
                new SchedulerTools(
                    scheduler, io.modelcontextprotocol.json.McpJsonDefaults.getMapper(), Map::of),
                "127.0.0.1",
                0,
                tokenFile,
                List.of(),
                false,
                () -> {})) {
      recordRuns(store, scheduler.clock().instant());
      String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      String base = "http://127.0.0.1:" + dashboard.port();
      HttpClient client = HttpClient.newHttpClient();
      double slowestMedian = 0;
      String slowest = "";
      for (String page :
          List.of(
              "/",
              "/api/overview",
              "/api/activity",
              "/api/tasks?limit=100",
              "/api/tasks?limit=100&cursor=p-50000",
              "/api/tasks?status=scheduled&limit=100",
              "/api/tasks?priority=medium&limit=100",
              "/api/tasks/p-" + (TASKS - 1),
              "/api/runs?limit=500",
              "/api/executors")) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(base + page))
                .header("Authorization", "Bearer " + token)
                .build();
        for (int i = 0; i < WARM_UP; i++) {
          check(client.send(request, HttpResponse.BodyHandlers.ofByteArray()), page);
        }
        double[] millis = new double[MEASURED];
        for (int i = 0; i < MEASURED; i++) {
          long started = System.nanoTime();
          check(client.send(request, HttpResponse.BodyHandlers.ofByteArray()), page);
          millis[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(millis);
        double median = millis[MEASURED / 2];
        double p99 = millis[(int) (MEASURED * 0.99)];
        rows.add(
            String.format(
                Locale.ROOT, "  W9 %-40s median %6.2f ms, p99 %6.2f ms", page, median, p99));
        if (median > slowestMedian) {
          slowestMedian = median;
          slowest = page;
        }
      }
      summary.add(
          "W9",
          String.format(
              Locale.ROOT, "dashboard page at %,d tasks, slowest (%s), median", TASKS, slowest),
          String.format(Locale.ROOT, "%.2f ms", slowestMedian),
          "—",
          "≤ 50 ms",
          Summary.Verdict.of(slowestMedian <= 50),
          "the store's query for the page and the decoding of its tasks (not profiled: met in"
              + " every run recorded)");
    }
    return rows;
  }

  /** Runs enough for the overview's plots to read their whole bound: 50 tasks, 110 runs each. */
  private static void recordRuns(SqliteTaskStore store, Instant now) {
    for (int task = 0; task < 50; task++) {
      String id = "p-" + task;
      StoredTask stored = store.find(id).orElseThrow();
      List<RunRecord> runs = new ArrayList<>();
      for (int i = 110; i > 0; i--) {
        Instant finished = now.minusSeconds(i * 60L + task);
        Instant started = finished.minusMillis(5 + task);
        runs.add(
            new RunRecord(
                "w9-" + task + "-" + i,
                id,
                1,
                started.minusMillis(i % 7),
                started,
                finished,
                i % 10 == 0 ? RunOutcome.FAILED : RunOutcome.SUCCESS,
                null,
                i % 10 == 0 ? "exit code 1" : null,
                "w9"));
      }
      store.write(TaskWrite.updateWithRuns(id, stored.version(), stored.state(), runs));
    }
  }

  private static void check(HttpResponse<byte[]> response, String page) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          page
              + " answered "
              + response.statusCode()
              + ": "
              + new String(response.body(), StandardCharsets.UTF_8));
    }
  }
}
