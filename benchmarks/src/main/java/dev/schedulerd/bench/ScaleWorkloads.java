package dev.schedulerd.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * W4 (retained heap per pending task) and W5 (cost per add and per dispatch as the number of
 * pending tasks grows), each subject in this JVM one after the other.
 */
final class ScaleWorkloads {
  private static final InstantSource CLOCK = InstantSource.system();

  /** W4's one key of data per task, as the issue measured every subject with. */
  private static final String CONFIG_KEY = "n";

  private final int pending;
  private final int[] growthSizes;
  private final Fixtures fixtures;
  private final List<String> table = new ArrayList<>();

  private final Summary summary;

  ScaleWorkloads(int pending, int[] growthSizes, Fixtures fixtures, Summary summary) {
    this.summary = summary;
    this.pending = pending;
    this.growthSizes = growthSizes.clone();
    this.fixtures = fixtures;
  }

  /** Counts runs down; does nothing else. */
  private static final class Countdown implements TaskExecutor {
    volatile CountDownLatch done = new CountDownLatch(0);

    @Override
    public String kind() {
      return "noop";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      done.countDown();
      return ExecutionResult.success();
    }
  }

  // ------------------------------------------------------------ W4

  List<String> memory() throws Exception {
    table.add(
        String.format(
            Locale.ROOT,
            "W4 retained heap per pending task, %,d tasks due in a day, each with one key of"
                + " data (a config, a JobDataMap, a captured map; SQLite's tasks, in the file, have"
                + " none) (heap after full GCs, before and after adding them)",
            pending));
    double stpe = perTask(this::pendingStpe);
    double quartz = perTask(this::pendingQuartz);
    double memory = perTask(this::pendingSchedulerdMemory);
    double sqlite = perTask(this::pendingSchedulerdSqlite);
    table.add(bytesRow("ScheduledThreadPoolExecutor", stpe, stpe, quartz));
    table.add(bytesRow("Quartz 2.5.2, RAMJobStore", quartz, stpe, quartz));
    table.add(bytesRow("schedulerd, memory", memory, stpe, quartz));
    table.add(
        bytesRow("schedulerd, SQLite (heap only)", sqlite, stpe, quartz)
            + "  (the tasks themselves live in the file)");
    summary.add(
        "W4",
        "heap per pending task, in memory",
        String.format(Locale.ROOT, "%,.0f B", memory),
        Summary.ratio(memory, quartz, "Quartz") + ", " + Summary.ratio(memory, stpe, "STPE"),
        "≤ 300 B",
        Summary.Verdict.of(memory <= 300),
        "what each pending task holds (a class histogram of 200,000 of them, one key of config"
            + " each): its queue entry 88 B, two hash-map nodes (the queue's index and the"
            + " store's) 64 B, its definition 64 B, its state 56 B, its id ~59 B, the store's slot"
            + " 32 B, the config 72 B (node, one-entry map, value), the StoredTask 24 B, an Instant"
            + " 24 B, tables ~36 B. The task's own model objects (definition, state, id, config,"
            + " instant) are 275 B of it: under 300 takes pending tasks held serialized, decoded"
            + " when they run (BENCHMARKS.md, issue 20's fifth session)");
    summary.add(
        "W4",
        "heap per pending task, SQLite (tasks in the file)",
        String.format(Locale.ROOT, "%,.0f B", sqlite),
        Summary.ratio(sqlite, quartz, "Quartz") + ", " + Summary.ratio(sqlite, stpe, "STPE"),
        "≤ 300 B",
        Summary.Verdict.of(sqlite <= 300),
        "the queue's entry and index per task (the tasks themselves are in the file)");
    return table;
  }

  private static String bytesRow(String subject, double bytes, double stpe, double quartz) {
    return String.format(
        Locale.ROOT,
        "  W4 %-32s %,8.0f bytes per pending task   ratio to STPE %.2f, to Quartz %.2f",
        subject,
        bytes,
        bytes / stpe,
        bytes / quartz);
  }

  /** Something holding tasks until it is released. */
  private interface Holder {
    void release() throws Exception;
  }

  private interface HolderFactory {
    Holder fill() throws Exception;
  }

  private double perTask(HolderFactory factory) throws Exception {
    long before = Fixtures.usedHeapAfterGc();
    Holder holder = factory.fill();
    try {
      long after = Fixtures.usedHeapAfterGc();
      return (after - before) / (double) pending;
    } finally {
      holder.release();
    }
  }

  private Holder pendingStpe() {
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2);
    for (int i = 0; i < pending; i++) {
      Map<String, Integer> data = Map.of(CONFIG_KEY, i); // the task's one key, as the others carry
      pool.schedule(data::size, 1, TimeUnit.DAYS);
    }
    return pool::shutdownNow;
  }

  private Holder pendingQuartz() throws Exception {
    QuartzSubject quartz = new QuartzSubject();
    Instant later = CLOCK.instant().plus(Duration.ofDays(1));
    for (int i = 0; i < pending; i++) {
      quartz.add(later, Map.of(CONFIG_KEY, i));
    }
    return quartz::close;
  }

  private Holder pendingSchedulerdMemory() throws Exception {
    InMemoryTaskStore store = new InMemoryTaskStore();
    Scheduler scheduler = Fixtures.started(store, new Countdown());
    Schedule later = Schedule.at(CLOCK.instant().plus(Duration.ofDays(1)));
    Fixtures.from8Threads(
        pending,
        i ->
            scheduler.add(
                TaskDefinition.builder("p-" + i, "noop")
                    .schedule(later)
                    .config(JsonNodeFactory.instance.objectNode().put(CONFIG_KEY, i))
                    .build()));
    return () -> {
      scheduler.close();
      store.close();
    };
  }

  private Holder pendingSchedulerdSqlite() throws Exception {
    SqliteTaskStore store =
        SqliteTaskStore.open(SqliteOptions.of(fixtures.sqliteWithPending(pending)));
    Scheduler scheduler = Fixtures.started(store, new Countdown());
    return () -> {
      scheduler.close();
      store.close();
    };
  }

  private static void addFrom8Threads(Scheduler scheduler, int tasks, String prefix, Instant due)
      throws Exception {
    addFrom8Threads(scheduler, tasks, prefix, Schedule.at(due));
  }

  private static void addFrom8Threads(
      Scheduler scheduler, int tasks, String prefix, Schedule schedule) throws Exception {
    Fixtures.from8Threads(
        tasks,
        i -> scheduler.add(TaskDefinition.builder(prefix + i, "noop").schedule(schedule).build()));
  }

  // ------------------------------------------------------------ W5

  /** Adds measured per size, and runs dispatched per size. */
  private static final int MEMORY_PROBE = 20_000;

  private static final int SQLITE_ADD_PROBE = 2_000;
  private static final int SQLITE_RUN_PROBE = 5_000;

  List<String> growth() throws Exception {
    List<String> rows = new ArrayList<>();
    rows.add(
        "W5 growth: cost per add (1 client thread) and per dispatch (a burst due at one instant)"
            + " beside N pending tasks due in a day, median of 5 probes after a full GC; ratio = cost"
            + " over the cost"
            + " at the smallest N");
    for (String store : new String[] {"memory", "SQLite (full sync)"}) {
      double firstAdd = 0;
      double firstRun = 0;
      double lastAdd = 0;
      double lastRun = 0;
      for (int size : growthSizes) {
        double[] costs = store.equals("memory") ? growthMemory(size) : growthSqlite(size);
        if (firstAdd == 0) {
          firstAdd = costs[0];
          firstRun = costs[1];
        }
        rows.add(
            String.format(
                Locale.ROOT,
                "  W5 schedulerd, %-18s N = %,9d: add %8.2f µs (ratio %.2f), dispatch %8.2f µs"
                    + " (ratio %.2f)",
                store,
                size,
                costs[0],
                costs[0] / firstAdd,
                costs[1],
                costs[1] / firstRun));
        lastAdd = costs[0];
        lastRun = costs[1];
      }
      double addRatio = lastAdd / firstAdd;
      double runRatio = lastRun / firstRun;
      summary.add(
          "W5",
          "cost at "
              + String.format(Locale.ROOT, "%,d", growthSizes[growthSizes.length - 1])
              + " pending / at "
              + String.format(Locale.ROOT, "%,d", growthSizes[0])
              + ", "
              + store,
          String.format(Locale.ROOT, "add %.2f×, dispatch %.2f×", addRatio, runRatio),
          "—",
          "≤ 2×",
          Summary.Verdict.of(addRatio <= 2 && runRatio <= 2),
          "the collector copying a larger live heap, and cache misses in indexes of every pending"
              + " task (not profiled: met in every run recorded)");
    }
    return rows;
  }

  private double[] growthMemory(int size) throws Exception {
    InMemoryTaskStore store = new InMemoryTaskStore();
    Countdown executor = new Countdown();
    try (Scheduler scheduler = Fixtures.started(store, executor)) {
      Instant later = CLOCK.instant().plus(Duration.ofDays(1));
      addFrom8Threads(scheduler, size, "p-", later);
      warmUp(scheduler, executor, 20_000);
      Fixtures.usedHeapAfterGc(); // the collector's work on the tasks just built is not the probes'
      return medianOf5(
          () -> addCost(scheduler, MEMORY_PROBE, later),
          () -> dispatchCost(scheduler, executor, MEMORY_PROBE));
    } finally {
      store.close();
    }
  }

  private double[] growthSqlite(int size) throws Exception {
    try (SqliteTaskStore store =
        SqliteTaskStore.open(SqliteOptions.of(fixtures.sqliteWithPending(size)))) {
      Countdown executor = new Countdown();
      try (Scheduler scheduler = Fixtures.started(store, executor)) {
        Instant later = CLOCK.instant().plus(Duration.ofDays(1));
        warmUp(scheduler, executor, 2_000);
        Fixtures.usedHeapAfterGc();
        return medianOf5(
            () -> addCost(scheduler, SQLITE_ADD_PROBE, later),
            () -> dispatchCost(scheduler, executor, SQLITE_RUN_PROBE));
      }
    }
  }

  private static int probeRound;

  private interface Probe {
    double microseconds() throws Exception;
  }

  /**
   * Each probe five times, alternating; the median of each. A probe takes tens of milliseconds, so
   * one young collection (up to 200 ms with a million tasks live) decides the one it lands in.
   */
  private static double[] medianOf5(Probe add, Probe dispatch) throws Exception {
    double[] adds = new double[5];
    double[] dispatches = new double[5];
    for (int i = 0; i < 5; i++) {
      adds[i] = add.microseconds();
      dispatches[i] = dispatch.microseconds();
    }
    java.util.Arrays.sort(adds);
    java.util.Arrays.sort(dispatches);
    return new double[] {adds[2], dispatches[2]};
  }

  private static void warmUp(Scheduler scheduler, Countdown executor, int runs) throws Exception {
    executor.done = new CountDownLatch(runs);
    addFrom8Threads(scheduler, runs, "warm-" + probeRound++ + "-", Schedule.immediate());
    executor.done.await();
  }

  /** Microseconds per add from one client thread, tasks due in a day. */
  private static double addCost(Scheduler scheduler, int adds, Instant due) {
    String prefix = "add-" + probeRound++ + "-";
    long started = System.nanoTime();
    for (int i = 0; i < adds; i++) {
      scheduler.add(Fixtures.noop(prefix + i, due));
    }
    return (System.nanoTime() - started) / 1e3 / adds;
  }

  /**
   * Microseconds per run dispatched: {@code runs} tasks due at one instant a little ahead, added
   * before it; from that instant to the last run's end.
   */
  private static double dispatchCost(Scheduler scheduler, Countdown executor, int runs)
      throws Exception {
    executor.done = new CountDownLatch(runs);
    Instant due = CLOCK.instant().plusSeconds(3);
    addFrom8Threads(scheduler, runs, "run-" + probeRound++ + "-", due);
    if (!CLOCK.instant().isBefore(due)) {
      throw new IllegalStateException("adding the burst took longer than 3 s; measure fewer runs");
    }
    executor.done.await();
    Instant ended = CLOCK.instant();
    return Duration.between(due, ended).toNanos() / 1e3 / runs;
  }
}
