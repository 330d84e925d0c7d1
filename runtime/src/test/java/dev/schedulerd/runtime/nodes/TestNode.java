package dev.schedulerd.runtime.nodes;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.StoreRegistry;
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
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One scheduler node in its own JVM, for the multi-node tests of every shared store (SQLite file,
 * PostgreSQL): {@link TestNodes} starts it. Arguments: {@code STORE_NAME STORE_LOCATION NODE_ID
 * OUT_FILE LEASE_MS MAX_CONCURRENT_RUNS}; the store is opened through its provider, as the daemon
 * opens it.
 *
 * <p>Reads commands on stdin, answers on stdout:
 *
 * <ul>
 *   <li>{@code add PREFIX FROM COUNT DUE_IN_MS WORK_MS} adds PREFIX-FROM … from 8 threads at once
 *       (as several client requests would), each due DUE_IN_MS later (spread over a second), of
 *       executor {@code work}: answers {@code added COUNT};
 *   <li>{@code slow ID MS [RETRY_MS]} adds one task of executor {@code slow}: answers {@code slow
 *       added};
 *   <li>{@code quit} stops the node.
 * </ul>
 *
 * Executor {@code work} appends {@code TASK RUN NODE} to OUT_FILE, prints {@code started TASK} and
 * sleeps the task's {@code millis}. Executor {@code slow} appends {@code start TASK NODE RUN
 * INSTANT}, sleeps {@code ms} (its first attempt on the node that added it) or {@code retry_ms} (a
 * rerun; -1 waits until the file OUT_FILE.release exists), then appends {@code end TASK NODE RUN
 * INSTANT}.
 */
public final class TestNode {
  private final String nodeId;
  private final Path outFile;
  private final PrintStream out;
  private final ReentrantLock outLock = new ReentrantLock();

  private TestNode(String nodeId, Path outFile, PrintStream out) {
    this.nodeId = nodeId;
    this.outFile = outFile;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    String storeName = args[0];
    String location = args[1];
    TestNode node =
        new TestNode(
            args[2], Path.of(args[3]), new PrintStream(System.out, true, StandardCharsets.UTF_8));
    Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
    int maxConcurrent = Integer.parseInt(args[5]);
    TaskStore store =
        StoreRegistry.load(TestNode.class.getClassLoader())
            .find(storeName)
            .orElseThrow(() -> new IllegalArgumentException("no store " + storeName))
            .open(new StoreSettings(location, Map.of()));
    try (store;
        Scheduler scheduler =
            Scheduler.builder()
                .store(store)
                .executors(ExecutorRegistry.of(node.work(), node.slow()))
                .nodeId(node.nodeId)
                .leaseDuration(lease)
                .maxConcurrentRuns(maxConcurrent)
                .build()) {
      scheduler.start();
      node.println("ready");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String command;
      while ((command = in.readLine()) != null && !command.equals("quit")) {
        String[] parts = command.split(" ");
        switch (parts[0]) {
          case "add" -> node.println("added " + add(scheduler, parts));
          case "slow" -> {
            scheduler.add(slowTask(node.nodeId, parts));
            node.println("slow added");
          }
          default -> node.println("unknown command " + command);
        }
      }
    } catch (IOException e) {
      e.printStackTrace();
      System.exit(3);
    }
  }

  private void println(String line) {
    outLock.lock();
    try {
      out.println(line);
    } finally {
      outLock.unlock();
    }
  }

  private void append(String line) throws IOException {
    outLock.lock();
    try {
      Files.writeString(outFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } finally {
      outLock.unlock();
    }
  }

  private TaskExecutor work() {
    return TaskExecutor.of(
        "work",
        context -> {
          append(context.task().id() + " " + context.runId() + " " + nodeId);
          println("started " + context.task().id());
          long millis = context.config().path("millis").asLong(0);
          if (millis > 0) {
            Thread.sleep(millis); // the work itself: a run that takes a while
          }
          return ExecutionResult.success("done on " + nodeId);
        });
  }

  private TaskExecutor slow() {
    return TaskExecutor.of("slow", this::slowRun);
  }

  private ExecutionResult slowRun(ExecutionContext context) throws Exception {
    String run = context.task().id() + " " + nodeId + " " + context.runId();
    append("start " + run + " " + Instant.now());
    // The node that added it sleeps ms on the first attempt; a rerun (a retry, or a run taken
    // over from a dead node, whose attempt does not count) sleeps retry_ms.
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
    append("end " + run + " " + Instant.now());
    return ExecutionResult.success(nodeId);
  }

  private static TaskDefinition slowTask(String nodeId, String[] parts) {
    return TaskDefinition.builder(parts[1], "slow")
        .config(
            JsonNodeFactory.instance
                .objectNode()
                .put("node", nodeId)
                .put("ms", Long.parseLong(parts[2]))
                .put("retry_ms", parts.length > 3 ? Long.parseLong(parts[3]) : 0))
        .retryPolicy(new RetryPolicy(3, Duration.ZERO, 1.0, Duration.ZERO, 0)) // retry at once
        .timeout(Duration.ofMinutes(5))
        .build();
  }

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
                () ->
                    scheduler.add(
                        TaskDefinition.builder(prefix + "-" + n, "work")
                            .schedule(Schedule.at(Instant.now().plusMillis(dueInMs + n % 1000)))
                            .config(JsonNodeFactory.instance.objectNode().put("millis", workMs))
                            .retryPolicy(
                                new RetryPolicy(
                                    3, Duration.ofMillis(100), 1.0, Duration.ofMillis(100), 0))
                            .build())));
      }
      for (Future<?> add : adds) {
        add.get();
      }
    }
    return count;
  }
}
