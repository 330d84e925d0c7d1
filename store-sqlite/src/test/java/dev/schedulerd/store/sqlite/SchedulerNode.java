package dev.schedulerd.store.sqlite;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One schedulerd node in its own JVM, for the multi-process tests: a scheduler on a shared SQLite
 * file, driven by lines on stdin ({@code add PREFIX FROM COUNT DUE_IN_MS WORK_MS}, {@code quit}),
 * reporting on stdout ({@code ready}, {@code added N}, {@code started TASK}). Every run it starts
 * is also appended to {@code OUT_FILE} as {@code TASK RUN NODE}.
 */
public final class SchedulerNode {
  private SchedulerNode() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    String nodeId = args[1];
    Path outFile = Path.of(args[2]);
    Duration lease = Duration.ofMillis(Long.parseLong(args[3]));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ReentrantLock outLock = new ReentrantLock();

    TaskExecutor work =
        new TaskExecutor() {
          @Override
          public String kind() {
            return "work";
          }

          @Override
          public ExecutionResult execute(ExecutionContext context) throws Exception {
            String line = context.task().id() + " " + context.runId() + " " + nodeId + "\n";
            outLock.lock();
            try {
              Files.writeString(
                  outFile, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
              out.println("started " + context.task().id());
            } finally {
              outLock.unlock();
            }
            long millis = context.config().path("millis").asLong(0);
            if (millis > 0) {
              Thread.sleep(millis); // the work itself: a run that takes a while
            }
            return ExecutionResult.success("done on " + nodeId);
          }
        };

    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(db));
        Scheduler scheduler =
            Scheduler.builder()
                .store(store)
                .executors(ExecutorRegistry.of(work))
                .nodeId(nodeId)
                .leaseDuration(lease)
                .maxConcurrentRuns(256)
                .build()) {
      scheduler.start();
      out.println("ready");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String command;
      while ((command = in.readLine()) != null && !command.equals("quit")) {
        String[] parts = command.split(" ");
        if (parts[0].equals("add")) {
          int added = add(scheduler, parts);
          out.println("added " + added);
        }
      }
    } catch (IOException e) {
      e.printStackTrace();
      System.exit(3);
    }
  }

  /** Adds from 8 threads at once, as several client requests would; each due DUE_IN_MS later. */
  private static int add(Scheduler scheduler, String[] parts) throws Exception {
    String prefix = parts[1];
    int from = Integer.parseInt(parts[2]);
    int count = Integer.parseInt(parts[3]);
    long dueInMs = Long.parseLong(parts[4]);
    long workMs = Long.parseLong(parts[5]);
    try (ExecutorService clients = Executors.newFixedThreadPool(8, Thread.ofVirtual().factory())) {
      List<Future<?>> adds = new ArrayList<>();
      for (int i = from; i < from + count; i++) {
        int n = i;
        adds.add(
            clients.submit(
                () -> {
                  ObjectNode config = JsonNodeFactory.instance.objectNode().put("millis", workMs);
                  scheduler.add(
                      TaskDefinition.builder(prefix + "-" + n, "work")
                          .schedule(Schedule.at(Instant.now().plusMillis(dueInMs + n % 500)))
                          .config(config)
                          .retryPolicy(
                              new RetryPolicy(
                                  3, Duration.ofMillis(100), 1.0, Duration.ofMillis(100), 0))
                          .build());
                }));
      }
      for (Future<?> add : adds) {
        add.get();
      }
    }
    return count;
  }
}
