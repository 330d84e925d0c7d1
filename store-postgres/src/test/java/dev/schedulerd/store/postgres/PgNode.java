package dev.schedulerd.store.postgres;

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
 * One schedulerd node in its own JVM on a shared PostgreSQL, for {@link PostgresMultiNodeTest}:
 * reads {@code add FROM COUNT DUE_IN_MS} and {@code quit} on stdin, prints {@code ready} and {@code
 * added}, and appends each run it starts to OUT_FILE as {@code TASK NODE}.
 */
public final class PgNode {
  private PgNode() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String nodeId = args[1];
    Path outFile = Path.of(args[2]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ReentrantLock fileLock = new ReentrantLock();
    TaskExecutor work =
        new TaskExecutor() {
          @Override
          public String kind() {
            return "work";
          }

          @Override
          public ExecutionResult execute(ExecutionContext context) throws Exception {
            fileLock.lock();
            try {
              Files.writeString(
                  outFile,
                  context.task().id() + " " + nodeId + "\n",
                  StandardOpenOption.CREATE,
                  StandardOpenOption.APPEND);
            } finally {
              fileLock.unlock();
            }
            return ExecutionResult.success();
          }
        };
    try (PostgresTaskStore store = PostgresTaskStore.open(url);
        Scheduler scheduler =
            Scheduler.builder()
                .store(store)
                .executors(ExecutorRegistry.of(work))
                .nodeId(nodeId)
                .maxConcurrentRuns(256)
                .build()) {
      scheduler.start();
      out.println("ready");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("quit")) {
        String[] parts = line.split(" ");
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
