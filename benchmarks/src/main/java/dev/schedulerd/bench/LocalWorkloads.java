package dev.schedulerd.bench;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * W1 (throughput), W2 (precision) and W3 (durable adds) in this JVM: schedulerd in memory and on
 * the default SQLite store (synchronous=full), beside {@link ScheduledThreadPoolExecutor}, the
 * floor (no persistence, no bookkeeping). Each subject gets a warm-up round first.
 */
final class LocalWorkloads {
  private static final InstantSource CLOCK = InstantSource.system();

  private final int w1Tasks;
  private final int w1SqliteTasks;
  private final int w2Tasks;
  private final List<String> table = new ArrayList<>();
  private final Summary summary;
  private final BadNeighbours neighbours = new BadNeighbours();

  LocalWorkloads(int w1Tasks, int w1SqliteTasks, int w2Tasks, Summary summary) {
    this.summary = summary;
    this.w1Tasks = w1Tasks;
    this.w1SqliteTasks = w1SqliteTasks;
    this.w2Tasks = w2Tasks;
  }

  /** Records each run's start lateness and counts runs down. */
  private static final class Probe implements TaskExecutor {
    volatile CountDownLatch done = new CountDownLatch(0);
    volatile long[] lateness = new long[0];
    final AtomicInteger next = new AtomicInteger();

    void expect(int runs) {
      lateness = new long[runs];
      next.set(0);
      done = new CountDownLatch(runs);
    }

    @Override
    public String kind() {
      return "noop";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      record(context.scheduledFor());
      return ExecutionResult.success();
    }

    void record(Instant due) {
      Instant now = CLOCK.instant();
      int i = next.getAndIncrement();
      long[] l = lateness;
      if (i < l.length) {
        l[i] = BenchNode.micros(now) - BenchNode.micros(due);
      }
      done.countDown();
    }
  }

  List<String> run(Path workDir) throws Exception {
    table.add(
        "W1 throughput, W2 precision, W3 durable adds (this JVM; ratio = tasks/s over"
            + " ScheduledThreadPoolExecutor's; W1: the median of "
            + W1_RUNS
            + " runs after one unmeasured, the range beside it)");
    double[] stpeRuns = w1Runs(W1_RUNS, () -> throughputStpe(w1Tasks));
    double stpeW1 = median(stpeRuns);
    table.add(row("W1", "ScheduledThreadPoolExecutor", w1Tasks, stpeRuns, 1.0));
    double[] quartzRuns = w1Runs(W1_RUNS, () -> throughputQuartz(w1Tasks));
    double quartz = median(quartzRuns);
    table.add(row("W1", "Quartz 2.5.2, RAMJobStore", w1Tasks, quartzRuns, quartz / stpeW1));
    MachineCpu.Sample memoryFrom = MachineCpu.sample();
    double[] memoryRuns =
        w1Runs(W1_RUNS, () -> throughputSchedulerd(new InMemoryTaskStore(), w1Tasks));
    double memoryCores = MachineCpu.busyCores(memoryFrom, MachineCpu.sample());
    double memory = median(memoryRuns);
    table.add(row("W1", "schedulerd, memory", w1Tasks, memoryRuns, memory / stpeW1));
    List<WorkPerRun> sqliteCommits = new ArrayList<>();
    double[] sqliteRuns =
        w1Runs(W1_SQLITE_RUNS, () -> throughputSqlite(workDir, w1SqliteTasks, 8, sqliteCommits));
    double sqlite = median(sqliteRuns);
    table.add(
        row("W1", "schedulerd, SQLite (full sync)", w1SqliteTasks, sqliteRuns, sqlite / stpeW1)
            + commitsPerRun(sqliteCommits));
    List<WorkPerRun> oneSubmitterCommits = new ArrayList<>();
    int oneSubmitterTasks = w1SqliteTasks / 4;
    double[] oneSubmitterRuns =
        w1Runs(
            W1_SQLITE_RUNS,
            () -> throughputSqlite(workDir, oneSubmitterTasks, 1, oneSubmitterCommits));
    double oneSubmitter = median(oneSubmitterRuns);
    table.add(
        row("W1", "SQLite, 1 submitter", oneSubmitterTasks, oneSubmitterRuns, oneSubmitter / stpeW1)
            + commitsPerRun(oneSubmitterCommits));
    String w1Peers =
        Summary.ratio(memory, quartz, "Quartz") + ", " + Summary.ratio(memory, stpeW1, "STPE");
    summary.add(
        "W1",
        "throughput, in memory (median of " + W1_RUNS + ")",
        perSecond(memory) + " (" + range(memoryRuns) + ")",
        w1Peers,
        "≥ 300,000/s",
        Summary.Verdict.of(memory >= 300_000),
        MachineCpu.describe(memoryCores)
            + " (all runs): each task written three times under the store's one lock and read"
            + " back through the change feed; young collections copying the finished tasks the"
            + " store keeps (JFR; BENCHMARKS.md, \"W1 throughput\")");
    summary.add(
        "W1",
        "throughput, SQLite (median of " + W1_SQLITE_RUNS + ")",
        perSecond(sqlite) + " (" + range(sqliteRuns) + ")",
        Summary.ratio(sqlite, quartz, "Quartz (memory)"),
        "≥ 20,000/s",
        Summary.Verdict.of(sqlite >= 20_000),
        String.format(
            Locale.ROOT,
            "the store's one writer thread: its COMMITs (the log's pages written, fsynced) 58 %%"
                + " of its time, the runs' UPDATEs 25 %%, the adds' INSERTs 8 %% (JFR of W1 with"
                + " 8 submitters; BENCHMARKS.md, issue 20's fifth session); this run %.2f"
                + " statements and %.3f fsyncs per run, %s",
            medianOf(sqliteCommits.stream().map(WorkPerRun::statements).toList()),
            medianOf(sqliteCommits.stream().map(WorkPerRun::fsyncs).toList()),
            MachineCpu.describe(
                medianOf(sqliteCommits.stream().map(WorkPerRun::busyCores).toList()))));
    double fsyncsPerRun = medianOf(sqliteCommits.stream().map(WorkPerRun::fsyncs).toList());
    summary.add(
        "W1",
        "fsyncs per run, SQLite, 8 submitters",
        String.format(Locale.ROOT, "%.3f", fsyncsPerRun),
        "—",
        "≤ 0.1",
        Summary.Verdict.of(fsyncsPerRun <= 0.1),
        "W1's shape: 8 submitters with one add each in flight put at most 8 adds in a commit, so"
            + " the adds alone need ≥ 0.125 fsyncs per run; below 0.1 takes adds of many tasks per"
            + " call (Scheduler.addAll, the MCP bulk add), which W1 does not make");

    Stats stpeLate = Stats.of(precisionStpe());
    table.add(precision("ScheduledThreadPoolExecutor", stpeLate, 0));
    precisionQuartz(); // warm-up
    long[] quartzLateness = precisionQuartz();
    Stats quartzLate = Stats.of(quartzLateness);
    table.add(precision("Quartz 2.5.2, RAMJobStore", quartzLate, early(quartzLateness)));
    long[] memoryLateness = precisionSchedulerd(new InMemoryTaskStore(), false);
    table.add(precision("schedulerd, memory", Stats.of(memoryLateness), early(memoryLateness)));
    long[] sqliteLateness =
        precisionSchedulerd(
            SqliteTaskStore.open(
                SqliteOptions.of(Files.createTempDirectory(workDir, "w2").resolve("s.db"))),
            false);
    table.add(
        precision(
            "schedulerd, SQLite (full sync)", Stats.of(sqliteLateness), early(sqliteLateness)));
    precisionSummary(
        "in memory", memoryLateness, stpeLate, quartzLate, quartzLateness, 1_000, 5_000, QUIET);
    precisionSummary(
        "SQLite", sqliteLateness, stpeLate, quartzLate, quartzLateness, 2_000, 10_000, QUIET);

    // The fault suite's timing claim, measured: the same precision run while tasks that throw,
    // hang past their timeout, ignore interrupts and return 10 MB run beside the probes.
    long[] faultyMemory = precisionSchedulerd(new InMemoryTaskStore(), true);
    table.add(
        precision(
            "schedulerd, memory, bad neighbours", Stats.of(faultyMemory), early(faultyMemory)));
    long[] faultySqlite =
        precisionSchedulerd(
            SqliteTaskStore.open(
                SqliteOptions.of(Files.createTempDirectory(workDir, "w2f").resolve("s.db"))),
            true);
    table.add(
        precision(
            "schedulerd, SQLite, bad neighbours", Stats.of(faultySqlite), early(faultySqlite)));
    table.add("     bad neighbours' runs as recorded (every round): " + neighbours.outcomes());
    precisionSummary(
        "in memory, beside misbehaving executors",
        faultyMemory,
        stpeLate,
        quartzLate,
        quartzLateness,
        1_000,
        5_000,
        NEIGHBOURS);
    precisionSummary(
        "SQLite, beside misbehaving executors",
        faultySqlite,
        stpeLate,
        quartzLate,
        quartzLateness,
        2_000,
        10_000,
        NEIGHBOURS);
    double[] w3Adds = new double[2];
    for (int threads : new int[] {1, 8}) {
      SqliteTaskStore store =
          SqliteTaskStore.open(
              SqliteOptions.of(Files.createTempDirectory(workDir, "w3").resolve("s.db")));
      long[] work = new long[3];
      double adds = durableAdds(store, threads, work);
      w3Adds[threads == 1 ? 0 : 1] = adds;
      table.add(
          String.format(
              Locale.ROOT,
              "  W3 schedulerd, SQLite (full sync)  %d thread(s): %,9.0f acknowledged adds/s"
                  + "   commits/add %.2f  fsyncs/add %.2f  statements/add %.2f",
              threads,
              adds,
              work[0] / (adds * W3_SECONDS),
              work[2] / (adds * W3_SECONDS),
              work[1] / (adds * W3_SECONDS)));
    }
    SqliteFloor.Floor floor = SqliteFloor.measure(workDir);
    summary.add(
        "W3",
        "durable adds, 1 thread",
        perSecond(w3Adds[0]),
        "—",
        "≥ 4,000/s",
        Summary.Verdict.of(w3Adds[0] >= 4_000),
        String.format(
            Locale.ROOT,
            "one fsync per acknowledged add (76 %% of an add's wall time in JFR): the floor, the"
                + " store's statements for an add straight through JDBC at one add per commit, ran"
                + " %,.0f/s in this run (W3 %.2f × the floor)",
            floor.fullOnePerCommit(),
            w3Adds[0] / floor.fullOnePerCommit()));
    summary.add(
        "W3",
        "durable adds, 8 threads",
        perSecond(w3Adds[1]),
        "—",
        "≥ 25,000/s",
        Summary.Verdict.of(w3Adds[1] >= 25_000),
        String.format(
            Locale.ROOT,
            "8 threads put at most 8 adds in a commit: the floor at 8 adds per commit ran %,.0f/s"
                + " in this run (W3 %.2f × the floor); the rest is the one writer thread's"
                + " statements and the hand-offs to it",
            floor.fullEightPerCommit(),
            w3Adds[1] / floor.fullEightPerCommit()));
    double oneThreadAdds = w3Adds[0];
    summary.add(
        "W1",
        "SQLite, 1 submitter, beside W3's 1-thread adds",
        perSecond(oneSubmitter) + " (" + range(oneSubmitterRuns) + ")",
        String.format(Locale.ROOT, "%.2f × W3 1 thread", oneSubmitter / oneThreadAdds),
        "≥ 0.90 × W3",
        Summary.Verdict.of(oneSubmitter >= 0.9 * oneThreadAdds),
        String.format(
            Locale.ROOT,
            "the chain of one add (%s): the hand-off to the writer,"
                + " its commit and fsync, the acknowledgement and the wake-up, with the run's claim"
                + " and end (%.1f statements per run) in the same writer (JFR; BENCHMARKS.md, issue"
                + " 20's fourth session)",
            MachineCpu.describe(
                medianOf(oneSubmitterCommits.stream().map(WorkPerRun::busyCores).toList())),
            medianOf(oneSubmitterCommits.stream().map(WorkPerRun::statements).toList())));
    table.addAll(floor.lines());
    return table;
  }

  /**
   * A W1 round's commits, fsyncs (commits that synced the log) and SQL statements, per run, and the
   * machine's cores it kept busy.
   */
  private record WorkPerRun(double commits, double fsyncs, double statements, double busyCores) {}

  /**
   * Commits, fsyncs and statements per run and the cores busy, each the median of the measured
   * rounds.
   */
  private static String commitsPerRun(List<WorkPerRun> perRun) {
    return String.format(
        Locale.ROOT,
        "   commits/run %.3f  fsyncs/run %.3f  statements/run %.2f  %s",
        medianOf(perRun.stream().map(WorkPerRun::commits).toList()),
        medianOf(perRun.stream().map(WorkPerRun::fsyncs).toList()),
        medianOf(perRun.stream().map(WorkPerRun::statements).toList()),
        MachineCpu.describe(medianOf(perRun.stream().map(WorkPerRun::busyCores).toList())));
  }

  private static double medianOf(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted.length == 0 ? 0 : median(sorted);
  }

  private static String perSecond(double perSecond) {
    return String.format(Locale.ROOT, "%,.0f/s", perSecond);
  }

  private static long early(long[] lateness) {
    return java.util.Arrays.stream(lateness).filter(l -> l < 0).count();
  }

  /** What bounds W2's lateness alone, and beside misbehaving executors (BENCHMARKS.md, W2). */
  private static final String QUIET =
      "the ticker waiting for a core or a pause: the machine's cores are shared with the JIT, the"
          + " collector and the store's writer (-Xlog:safepoint beside the probes' instants)";

  private static final String NEIGHBOURS =
      "the garbage the neighbours make (10 MB results ten times a second): young pauses, and"
          + " the cores the neighbours hold while they run (-Xlog:gc, -Xlog:safepoint, JFR;"
          + " BENCHMARKS.md, \"W2 precision\")";

  private void precisionSummary(
      String measure,
      long[] lateness,
      Stats stpe,
      Stats quartz,
      long[] quartzLateness,
      long p99TargetMicros,
      long maxTargetMicros,
      String bound) {
    Stats s = Stats.of(lateness);
    long early = early(lateness);
    summary.add(
        "W2",
        "start lateness, " + measure,
        "p99 " + Stats.ms(s.p99()) + ", max " + Stats.ms(s.max()) + ", " + early + " early",
        String.format(
            Locale.ROOT,
            "p99 %.2f × STPE, %.2f × Quartz (Quartz: %d of %d early)",
            s.p99() / (double) Math.max(1, stpe.p99()),
            s.p99() / (double) Math.max(1, quartz.p99()),
            early(quartzLateness),
            quartzLateness.length),
        "p99 ≤ "
            + Stats.ms(p99TargetMicros)
            + ", max ≤ "
            + Stats.ms(maxTargetMicros)
            + ", none early",
        Summary.Verdict.of(s.p99() <= p99TargetMicros && s.max() <= maxTargetMicros && early == 0),
        bound);
  }

  private static String row(
      String workload, String subject, int tasks, double[] sortedRuns, double ratio) {
    return String.format(
        Locale.ROOT,
        "  %s %-32s %,9d tasks: %,12.0f tasks/s (%,.0f–%,.0f)   ratio %.3f",
        workload,
        subject,
        tasks,
        median(sortedRuns),
        sortedRuns[0],
        sortedRuns[sortedRuns.length - 1],
        ratio);
  }

  private static String precision(String subject, Stats s, long early) {
    return String.format(
        Locale.ROOT,
        "  W2 %-36s %,9d runs: lateness p50 %s, p99 %s, max %s, early %d",
        subject,
        s.count(),
        Stats.ms(s.p50()),
        Stats.ms(s.p99()),
        Stats.ms(s.max()),
        early);
  }

  // ------------------------------------------------------------ W1

  /**
   * Measured runs per subject in memory. One run is far from steady: over six runs in one JVM
   * schedulerd went from 31,000 to 110,000-157,000 tasks/s as the JIT compiled its path.
   */
  private static final int W1_RUNS = 5;

  /** On SQLite each run takes about 5 s and is bound by fsyncs, not by the JIT. */
  private static final int W1_SQLITE_RUNS = 3;

  private interface Throughput {
    double tasksPerSecond() throws Exception;
  }

  /** One unmeasured run (the JIT compiles the subject's path), then {@code runs}; sorted. */
  private static double[] w1Runs(int runs, Throughput subject) throws Exception {
    subject.tasksPerSecond();
    double[] measured = new double[runs];
    for (int i = 0; i < runs; i++) {
      measured[i] = subject.tasksPerSecond();
    }
    java.util.Arrays.sort(measured);
    return measured;
  }

  private static double median(double[] sorted) {
    return sorted[sorted.length / 2];
  }

  private static String range(double[] sorted) {
    return String.format(Locale.ROOT, "%,.0f–%,.0f", sorted[0], sorted[sorted.length - 1]);
  }

  /** All due now; from the first submit to the last run ended. */
  private static double throughputStpe(int tasks) throws InterruptedException {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(Runtime.getRuntime().availableProcessors());
    CountDownLatch done = new CountDownLatch(tasks);
    long start = System.nanoTime();
    for (int i = 0; i < tasks; i++) {
      pool.schedule(done::countDown, 0, TimeUnit.NANOSECONDS);
    }
    done.await();
    long nanos = System.nanoTime() - start;
    pool.shutdown();
    return tasks / (nanos / 1e9);
  }

  private static double throughputQuartz(int tasks) throws Exception {
    Probe probe = new Probe();
    probe.expect(tasks);
    QuartzSubject.report = probe::record;
    try (QuartzSubject quartz = new QuartzSubject()) {
      Instant now = CLOCK.instant();
      long start = System.nanoTime();
      for (int i = 0; i < tasks; i++) {
        quartz.add(now);
      }
      probe.done.await();
      return tasks / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static double throughputSchedulerd(TaskStore store, int tasks) throws Exception {
    return throughputSchedulerd(store, tasks, 8);
  }

  private static double throughputSchedulerd(TaskStore store, int tasks, int submitters)
      throws Exception {
    Probe probe = new Probe();
    try (Scheduler scheduler = Fixtures.started(store, probe)) {
      addAll(scheduler, tasks / 10, "warm-", i -> Schedule.immediate(), probe, submitters);
      probe.done.await();
      long start = System.nanoTime();
      addAll(scheduler, tasks, "t-", i -> Schedule.immediate(), probe, submitters);
      probe.done.await();
      return tasks / ((System.nanoTime() - start) / 1e9);
    } finally {
      store.close();
    }
  }

  /**
   * W1 on a fresh SQLite file; adds the round's commits and statements per run (warm-up included:
   * its runs are written the same way) to {@code workPerRun}.
   */
  private static double throughputSqlite(
      Path workDir, int tasks, int submitters, List<WorkPerRun> workPerRun) throws Exception {
    SqliteTaskStore store =
        SqliteTaskStore.open(
            SqliteOptions.of(Files.createTempDirectory(workDir, "w1").resolve("s.db")));
    MachineCpu.Sample from = MachineCpu.sample();
    double rate = throughputSchedulerd(store, tasks, submitters);
    double busyCores = MachineCpu.busyCores(from, MachineCpu.sample());
    double runs = tasks + tasks / 10.0;
    workPerRun.add(
        new WorkPerRun(
            store.commits() / runs,
            store.syncedCommits() / runs,
            store.statements() / runs,
            busyCores));
    return rate;
  }

  /**
   * W3: adds acknowledged by the default durable store (each returns after its commit), tasks due
   * in a day so no run competes; 5 s from {@code threads} client threads after a warm-up. Sets
   * {@code work} to the commits, the SQL statements and the fsyncs of the measured seconds.
   */
  private static double durableAdds(SqliteTaskStore store, int threads, long[] work)
      throws Exception {
    Probe probe = new Probe();
    try (Scheduler scheduler = Fixtures.started(store, probe)) {
      Instant later = CLOCK.instant().plus(Duration.ofDays(1));
      AtomicInteger ids = new AtomicInteger();
      for (int i = 0; i < 200; i++) { // warm-up
        scheduler.add(
            TaskDefinition.builder("warm-" + i, "noop").schedule(Schedule.at(later)).build());
      }
      AtomicInteger added = new AtomicInteger();
      long commitsBefore = store.commits();
      long statementsBefore = store.statements();
      long fsyncsBefore = store.syncedCommits();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(W3_SECONDS);
      long start = System.nanoTime();
      try (ExecutorService clients = Executors.newFixedThreadPool(threads)) {
        for (int t = 0; t < threads; t++) {
          clients.submit(
              () -> {
                while (System.nanoTime() < end) {
                  scheduler.add(
                      TaskDefinition.builder("t-" + ids.incrementAndGet(), "noop")
                          .schedule(Schedule.at(later))
                          .build());
                  added.incrementAndGet();
                }
                return null;
              });
        }
      }
      work[0] = store.commits() - commitsBefore;
      work[1] = store.statements() - statementsBefore;
      work[2] = store.syncedCommits() - fsyncsBefore;
      return added.get() / ((System.nanoTime() - start) / 1e9);
    } finally {
      store.close();
    }
  }

  private static final int W3_SECONDS = 5;

  private interface ScheduleOf {
    Schedule of(int i);
  }

  /** Adds from 8 threads, as a busy client population would. */
  private static void addAll(
      Scheduler scheduler, int tasks, String prefix, ScheduleOf schedule, Probe probe)
      throws Exception {
    addAll(scheduler, tasks, prefix, schedule, probe, 8);
  }

  private static void addAll(
      Scheduler scheduler,
      int tasks,
      String prefix,
      ScheduleOf schedule,
      Probe probe,
      int submitters)
      throws Exception {
    probe.expect(tasks);
    Fixtures.fromThreads(
        submitters,
        tasks,
        i ->
            scheduler.add(
                TaskDefinition.builder(prefix + i, "noop").schedule(schedule.of(i)).build()));
  }

  // ------------------------------------------------------------ W2

  /** Due uniformly 0.5–3 s ahead. */
  private Instant dueOf(Instant base, int i) {
    return base.plusMillis(500).plusNanos(2_500_000_000L * i / w2Tasks);
  }

  private long[] precisionStpe() throws InterruptedException {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(Runtime.getRuntime().availableProcessors());
    Probe probe = new Probe();
    probe.expect(w2Tasks);
    Instant base = CLOCK.instant();
    for (int i = 0; i < w2Tasks; i++) {
      Instant due = dueOf(base, i);
      long delay = Duration.between(CLOCK.instant(), due).toNanos();
      pool.schedule(() -> probe.record(due), delay, TimeUnit.NANOSECONDS);
    }
    probe.done.await();
    pool.shutdown();
    return probe.lateness;
  }

  private long[] precisionQuartz() throws Exception {
    Probe probe = new Probe();
    probe.expect(w2Tasks);
    QuartzSubject.report = probe::record;
    try (QuartzSubject quartz = new QuartzSubject()) {
      Instant base = CLOCK.instant();
      for (int i = 0; i < w2Tasks; i++) {
        // Quartz keeps milliseconds: due instants are given to it as it will fire them.
        quartz.add(Instant.ofEpochMilli(dueOf(base, i).toEpochMilli()));
      }
      probe.done.await();
      return probe.lateness;
    }
  }

  /**
   * @param badNeighbours whether misbehaving tasks run beside the probes ({@link BadNeighbours}):
   *     every 100 ms of the window, one of each kind
   */
  private long[] precisionSchedulerd(TaskStore store, boolean badNeighbours) throws Exception {
    Probe probe = new Probe();
    Scheduler scheduler =
        Scheduler.builder()
            .store(store)
            .executors(
                badNeighbours ? ExecutorRegistry.of(probe, neighbours) : ExecutorRegistry.of(probe))
            .maxConcurrentRuns(256)
            .build();
    try (scheduler) {
      scheduler.start();
      addAll(scheduler, 500, "warm-", i -> Schedule.immediate(), probe);
      probe.done.await();
      // With neighbours, one unmeasured round first: their paths (exceptions, interrupts, big
      // results) get compiled as in a daemon that has run a while; the second round is measured.
      int rounds = badNeighbours ? 2 : 1;
      for (int round = 0; round < rounds; round++) {
        Instant base = CLOCK.instant();
        List<String> bad = badNeighbours ? neighbours.addAround(scheduler, base, 2_500) : List.of();
        addAll(scheduler, w2Tasks, "t" + round + "-", i -> Schedule.at(dueOf(base, i)), probe);
        probe.done.await();
        neighbours.awaitEnded(scheduler, bad);
      }
      return probe.lateness;
    } finally {
      store.close();
    }
  }
}
