package dev.schedulerd.bench;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Stores prepared for the scale workloads, and the heap measurement they share. */
@SuppressForbidden(
    reason = "progress goes to stderr; the heap measurement lets collections settle between GCs")
final class Fixtures {
  private static final InstantSource CLOCK = InstantSource.system();
  private static final int INSERT_BATCH = 10_000;

  private final Path workDir;
  private final Map<Integer, Path> sqliteWithPending = new HashMap<>();

  Fixtures(Path workDir) {
    this.workDir = workDir;
  }

  /** A no-op task of kind "noop", one-shot, due at {@code due}. */
  static TaskDefinition noop(String id, Instant due) {
    return TaskDefinition.builder(id, "noop").schedule(Schedule.at(due)).build();
  }

  /**
   * A default-store (SQLite) file holding {@code pending} one-shot tasks due in a day, made once
   * per harness run and copied for each use (a run changes the file). Written in batches of 10,000
   * per transaction, as an import would: how the tasks got there is not what is measured.
   */
  Path sqliteWithPending(int pending) throws Exception {
    Path master = sqliteWithPending.get(pending);
    if (master == null) {
      master = workDir.resolve("pending-" + pending + ".db");
      long started = System.nanoTime();
      Instant now = CLOCK.instant();
      Instant later = now.plus(Duration.ofDays(1));
      try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(master))) {
        List<StoredTask> batch = new ArrayList<>(INSERT_BATCH);
        for (int i = 0; i < pending; i++) {
          batch.add(new StoredTask(noop("p-" + i, later), TaskState.initial(later, now)));
          if (batch.size() == INSERT_BATCH || i == pending - 1) {
            store.insertAll(batch);
            batch.clear();
          }
        }
      }
      System.err.printf(
          Locale.ROOT,
          "bench: prepared %,d stored tasks in %s (%.1f s)%n",
          pending,
          master,
          (System.nanoTime() - started) / 1e9);
      sqliteWithPending.put(pending, master);
    }
    Path copy = Files.createTempDirectory(workDir, "copy").resolve("s.db");
    Files.copy(master, copy);
    Path wal = master.resolveSibling(master.getFileName() + "-wal");
    if (Files.exists(wal)) {
      Files.copy(wal, copy.resolveSibling("s.db-wal"));
    }
    return copy;
  }

  /** A started scheduler on {@code store} with these executors and room for 256 runs at once. */
  static Scheduler started(TaskStore store, TaskExecutor... executors) {
    Scheduler scheduler =
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(executors))
            .maxConcurrentRuns(256)
            .build();
    scheduler.start();
    return scheduler;
  }

  /** One step of {@link #from8Threads}: the work for index {@code i}. */
  interface Step {
    void run(int i) throws Exception;
  }

  /**
   * Runs {@code step} for 0 ≤ i < {@code count} from 8 threads (thread t takes t, t+8, …), as a
   * busy population of clients would; returns when all are done, rethrowing the first failure.
   */
  static void from8Threads(int count, Step step) throws Exception {
    fromThreads(8, count, step);
  }

  /** {@link #from8Threads} from {@code threads} threads. */
  static void fromThreads(int threads, int count, Step step) throws Exception {
    try (ExecutorService clients = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(
            clients.submit(
                () -> {
                  for (int i = first; i < count; i += threads) {
                    step.run(i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    }
  }

  /** Heap in use after full collections: what is reachable, give or take a few kilobytes. */
  static long usedHeapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50); // lets reference processing and cleaners settle between collections
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
