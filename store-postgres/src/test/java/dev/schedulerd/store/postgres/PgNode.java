package dev.schedulerd.store.postgres;

import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One schedulerd node in its own JVM on a shared PostgreSQL, for the multi-node tests. Arguments:
 * URL NODE_ID OUT_FILE [LEASE_MS [MAX_CONCURRENT_RUNS]]. Reads {@code add FROM COUNT DUE_IN_MS},
 * {@code slow ID MS [RETRY_MS]} and {@code quit} on stdin and prints {@code ready}, {@code added}
 * and {@code slow added}. Executor {@code work} appends {@code TASK NODE} to OUT_FILE; executor
 * {@code slow} appends {@code start TASK NODE RUN_ID INSTANT}, sleeps the task's {@code ms} (its
 * first attempt on the node that added it) or {@code retry_ms} (a rerun; -1 waits until the file
 * OUT_FILE.release exists), then appends {@code end TASK NODE RUN_ID INSTANT}.
 */
public final class PgNode {
  private PgNode() {}

  private interface Appender {
    void line(String line) throws java.io.IOException;
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String nodeId = args[1];
    Path outFile = Path.of(args[2]);
    Duration lease = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 30_000);
    int maxConcurrent = args.length > 4 ? Integer.parseInt(args[4]) : 256;
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ReentrantLock fileLock = new ReentrantLock();
    Appender append =
        line -> {
          fileLock.lock();
          try {
            Files.writeString(
                outFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          } finally {
            fileLock.unlock();
          }
        };
    TaskExecutor work =
        new TaskExecutor() {
          @Override
          public String kind() {
            return "work";
          }

          @Override
          public ExecutionResult execute(ExecutionContext context) throws Exception {
            append.line(context.task().id() + " " + nodeId);
            return ExecutionResult.success();
          }
        };
    TaskExecutor slow =
        new TaskExecutor() {
          @Override
          public String kind() {
            return "slow";
          }

          @Override
          public ExecutionResult execute(ExecutionContext context) throws Exception {
            String run = context.task().id() + " " + nodeId + " " + context.runId();
            append.line("start " + run + " " + Instant.now());
            // The node that added it sleeps ms on the first attempt; a rerun (a retry, or a run
            // taken over from a dead node, whose attempt does not count) sleeps retry_ms.
            long ms =
                context.attempt() == 1 && nodeId.equals(context.config().path("node").asText())
                    ? context.config().path("ms").asLong()
                    : context.config().path("retry_ms").asLong();
            if (ms >= 0) {
              Thread.sleep(ms);
            } else { // held until the test lets it go
              Path release = Path.of(outFile + ".release");
              while (!Files.exists(release)) {
                Thread.sleep(20);
              }
            }
            append.line("end " + run + " " + Instant.now());
            return ExecutionResult.success(nodeId);
          }
        };
    try (PostgresTaskStore store = PostgresTaskStore.open(url);
        Scheduler scheduler =
            Scheduler.builder()
                .store(store)
                .executors(ExecutorRegistry.of(work, slow))
                .nodeId(nodeId)
                .leaseDuration(lease)
                .maxConcurrentRuns(maxConcurrent)
                .build()) {
      scheduler.start();
      out.println("ready");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("quit")) {
        String[] parts = line.split(" ");
        if (parts[0].equals("slow")) {
          scheduler.add(
              TaskDefinition.builder(parts[1], "slow")
                  .config(
                      com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                          .objectNode()
                          .put("node", nodeId)
                          .put("ms", Long.parseLong(parts[2]))
                          .put("retry_ms", parts.length > 3 ? Long.parseLong(parts[3]) : 0))
                  .retryPolicy(
                      new RetryPolicy(3, Duration.ZERO, 1.0, Duration.ZERO, 0)) // retry at once
                  .timeout(Duration.ofMinutes(5))
                  .build());
          out.println("slow added");
          continue;
        }
        int from = Integer.parseInt(parts[1]);
        int count = Integer.parseInt(parts[2]);
        long dueInMs = Long.parseLong(parts[3]);
        try (ExecutorService clients =
            Executors.newFixedThreadPool(8, Thread.ofVirtual().factory())) {
          for (int i = from; i < from + count; i++) {
            int n = i;
            clients.submit(
                () ->
                    scheduler.add(
                        TaskDefinition.builder("task-" + n, "work")
                            .schedule(
                                Schedule.at(
                                    Instant.now().plus(Duration.ofMillis(dueInMs + n % 1000))))
                            .build()));
          }
        }
        out.println("added " + count);
      }
    }
  }
}
