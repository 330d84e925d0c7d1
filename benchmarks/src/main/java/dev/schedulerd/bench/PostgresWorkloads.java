package dev.schedulerd.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.postgres.PostgresTaskStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * WP: W1 (throughput) and W3 (durable adds) on PostgreSQL, schedulerd's PostgreSQL store beside
 * db-scheduler ({@link DbSchedulerSubject}), on one server (embedded, fsync and synchronous commit
 * on, unless a URL is given). Each run gets a fresh database; per subject one unmeasured run, then
 * {@value #RUNS} measured runs, the subjects taking turns. Beside each figure, the work it took:
 * commits as the server counts them and SQL as the client sent it ({@link CountingDataSource}).
 */
@SuppressForbidden(reason = "progress goes to stderr")
final class PostgresWorkloads {
  private static final InstantSource CLOCK = InstantSource.system();
  private static final int RUNS = 3;
  private static final int POOL_SIZE = 8;
  private static final int W3_WARM_UP = 200;
  private static final Duration W3_WINDOW = Duration.ofSeconds(5);

  private final int tasks;
  private final Summary summary;
  private final List<String> table = new ArrayList<>();
  private int databases;

  PostgresWorkloads(int tasks, Summary summary) {
    this.tasks = tasks;
    this.summary = summary;
  }

  private enum Subject {
    SCHEDULERD("schedulerd, PostgreSQL store"),
    DB_SCHEDULER("db-scheduler 16.7.1");

    final String label;

    Subject(String label) {
      this.label = label;
    }
  }

  /** Where fresh databases are made: an administrative URL and the URL of a database by name. */
  private record Server(String adminUrl, UnaryOperator<String> urlOf) {}

  /** What a subject did in one run: its rate and how many runs (W1) or adds (W3) in its life. */
  private record Timed(double perSecond, long units) {}

  /** One run's rate and the work over the subject's life in its database. */
  private record Run(double perSecond, long units, long commits, long statements, long trips) {}

  /** A subject's measured runs: the rates sorted, and the work per unit of each run. */
  private record Series(double[] rates, double[] commits, double[] statements, double[] trips) {
    static Series of(List<Run> runs) {
      double[] rates = runs.stream().mapToDouble(Run::perSecond).sorted().toArray();
      return new Series(
          rates,
          runs.stream().mapToDouble(r -> r.commits() / (double) r.units()).sorted().toArray(),
          runs.stream().mapToDouble(r -> r.statements() / (double) r.units()).sorted().toArray(),
          runs.stream().mapToDouble(r -> r.trips() / (double) r.units()).sorted().toArray());
    }

    double median() {
      return rates[rates.length / 2];
    }
  }

  private interface Workload {
    Timed run(Subject subject, DataSource pool, int threads) throws Exception;
  }

  List<String> run(@Nullable String givenUrl) throws Exception {
    if (givenUrl != null) {
      int query = givenUrl.indexOf('?'); // its parameters may carry the password
      measureAll(
          new Server(givenUrl, name -> urlOn(givenUrl, name)),
          "at " + (query < 0 ? givenUrl : givenUrl.substring(0, query)));
    } else {
      try (EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .start()) {
        measureAll(
            new Server(
                postgres.getJdbcUrl("postgres", "postgres"),
                name -> postgres.getJdbcUrl("postgres", name)),
            "embedded, fsync=on, synchronous_commit=on");
      }
    }
    return table;
  }

  private static String urlOn(String url, String name) {
    int slash = url.lastIndexOf('/');
    int query = url.indexOf('?');
    return url.substring(0, slash + 1) + name + (query < 0 ? "" : url.substring(query));
  }

  private void measureAll(Server server, String where) throws Exception {
    String version;
    try (Connection c = DriverManager.getConnection(server.adminUrl());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      version = rs.getString(1);
    }
    table.add(
        "WP: W1 throughput and W3 durable adds on PostgreSQL "
            + version
            + " ("
            + where
            + "); a fresh database per run; the median of "
            + RUNS
            + " runs per subject after one unmeasured, the subjects taking turns, the range beside"
            + " it");
    table.add(
        "    both subjects: one HikariCP pool of "
            + POOL_SIZE
            + " connections over a counting PGSimpleDataSource (schedulerd keeps one of them for"
            + " LISTEN)");
    table.add(
        "    schedulerd: Scheduler.builder() defaults (64 runs at once, sync every 1 s, claims"
            + " 500 ms ahead), PostgresTaskStore.open(dataSource)");
    table.add("    " + DbSchedulerSubject.configuration());
    table.add(
        "    work per run (W3: per add): commits = the database's pg_stat_database.xact_commit"
            + " delta; statements and round trips counted on the client; both over the subject's"
            + " whole life in its database (start, warm-up adds, the measured part, stop)");
    Series[] w1One = series(server, "W1", 1, this::throughput);
    Series[] w1Eight = series(server, "W1", 8, this::throughput);
    Series[] w3One = series(server, "W3", 1, PostgresWorkloads::durableAdds);
    Series[] w3Eight = series(server, "W3", 8, PostgresWorkloads::durableAdds);
    String floorDatabase = "wp_floor";
    ScaleOut.createDatabase(server.adminUrl(), floorDatabase);
    String floorUrl = server.urlOf().apply(floorDatabase);
    PostgresTaskStore.open(floorUrl).close(); // the store's schema, as it makes it
    try (Connection c = DriverManager.getConnection(floorUrl)) {
      DbSchedulerSubject.createTable(c);
    }
    PostgresFloor.Floor floor = PostgresFloor.measure(floorUrl);
    table.addAll(floor.lines());
    summarize("W1", "runs/s, 1 submitter", w1One, ROW_VERSIONS);
    summarize("W1", "runs/s, 8 submitters", w1Eight, ROW_VERSIONS);
    double w3Peer = w3One[1].median();
    summarize(
        "W3",
        "durable adds/s, 1 thread",
        w3One,
        String.format(
            Locale.ROOT,
            "one fsynced commit per acknowledged add: 1.5 × db-scheduler would be %,.0f/s, %s"
                + " the floor of either subject's add straight through JDBC from one thread in this"
                + " run (schedulerd's one statement %,.0f/s, db-scheduler's two %,.0f/s)",
            1.5 * w3Peer,
            1.5 * w3Peer > Math.max(floor.storeOne(), floor.dbSchedulerOne()) ? "above" : "within",
            floor.storeOne(),
            floor.dbSchedulerOne()));
    summarize(
        "W3",
        "durable adds/s, 8 threads",
        w3Eight,
        String.format(
            Locale.ROOT,
            "the latency of a written batch (its round trips and its commit's fsync, on the two"
                + " cores the server shares) times the batches under way, by Little's law: 8"
                + " callers at %.2f ms per acknowledged add; the same rows as one statement of four"
                + " adds ran %,.0f/s straight through JDBC in this run, one add per statement"
                + " %,.0f/s (BENCHMARKS.md, issue 20's third session)",
            8_000 / w3Eight[0].median(),
            floor.storeFourEight(),
            floor.storeEight()));
    double w1Gain = w1Eight[0].median() / w1One[0].median();
    double w3Gain = w3Eight[0].median() / w3One[0].median();
    summary.add(
        "WP",
        "adding threads never lowers throughput (schedulerd, 8 threads / 1 thread)",
        String.format(Locale.ROOT, "W1 %.2f ×, W3 %.2f ×", w1Gain, w3Gain),
        "—",
        "8 threads ≥ 1 thread (within 5 %)",
        Summary.Verdict.of(w1Gain >= 0.95 && w3Gain >= 0.95),
        "the server's commits and row locks the threads share (not profiled since the third"
            + " session: met in every run recorded since)");
  }

  /** What bounds schedulerd's writes on PostgreSQL, from EXPLAIN ANALYZE and timed claims. */
  private static final String ROW_VERSIONS =
      "the server's work per row version: no update is HOT (change_seq is indexed and changes), so"
          + " every claim and end writes all five index entries anew; a claim timed alone took"
          + " 570–720 µs whether sent as one statement or as a read and a write (BENCHMARKS.md,"
          + " issue 20's fourth session)";

  private void summarize(String workload, String measure, Series[] series, String bound) {
    double schedulerd = series[0].median();
    double peer = series[1].median();
    summary.add(
        "WP " + workload,
        measure + " on PostgreSQL (median of " + RUNS + ")",
        String.format(
            Locale.ROOT,
            "%,.0f/s (%,.0f–%,.0f)",
            schedulerd,
            series[0].rates()[0],
            series[0].rates()[RUNS - 1]),
        Summary.ratio(schedulerd, peer, "db-scheduler"),
        "≥ 1.5× db-scheduler",
        Summary.Verdict.of(schedulerd >= 1.5 * peer),
        bound);
  }

  /** Warm-up, then the measured runs, interleaved; [schedulerd, db-scheduler]. */
  private Series[] series(Server server, String workload, int threads, Workload body)
      throws Exception {
    String what = workload + " " + threads + (threads == 1 ? " thread" : " threads");
    for (Subject subject : Subject.values()) {
      measure(server, subject, body, threads, what + " warm-up");
    }
    List<List<Run>> runs = List.of(new ArrayList<>(), new ArrayList<>());
    for (int r = 0; r < RUNS; r++) {
      for (Subject subject : Subject.values()) {
        runs.get(subject.ordinal())
            .add(measure(server, subject, body, threads, what + " run " + (r + 1)));
      }
    }
    Series[] series = {Series.of(runs.get(0)), Series.of(runs.get(1))};
    boolean w1 = workload.equals("W1");
    String unit = w1 ? "run" : "add";
    for (Subject subject : Subject.values()) {
      Series s = series[subject.ordinal()];
      table.add(
          String.format(
              Locale.ROOT,
              "  %s %-28s %d %-10s %s %,7.0f %s %-15s  commits/%s %5.2f  statements/%s %5.2f"
                  + "  round trips/%s %5.2f  (medians)",
              workload,
              subject.label,
              threads,
              w1
                  ? (threads == 1 ? "submitter" : "submitters")
                  : (threads == 1 ? "thread" : "threads"),
              w1 ? String.format(Locale.ROOT, "%,7d tasks:", tasks) : "5 s of adds:",
              s.median(),
              unit + "s/s",
              String.format(Locale.ROOT, "(%,.0f–%,.0f)", s.rates()[0], s.rates()[RUNS - 1]),
              unit,
              s.commits()[RUNS / 2],
              unit,
              s.statements()[RUNS / 2],
              unit,
              s.trips()[RUNS / 2]));
    }
    return series;
  }

  /**
   * One run on a fresh database: its schema made first (not counted), then the subject opened on a
   * pool over a counting data source, run and closed; the commits counted by the server from before
   * the pool opened to after it closed.
   */
  private Run measure(Server server, Subject subject, Workload body, int threads, String what)
      throws Exception {
    String name = "wp_" + (++databases);
    ScaleOut.createDatabase(server.adminUrl(), name);
    String url = server.urlOf().apply(name);
    if (subject == Subject.SCHEDULERD) {
      PostgresTaskStore.open(url).close(); // creates the schema
    } else {
      try (Connection c = DriverManager.getConnection(url)) {
        DbSchedulerSubject.createTable(c);
      }
    }
    long before = settledCommits(server, name);
    PGSimpleDataSource postgres = new PGSimpleDataSource();
    postgres.setURL(url);
    // Counted below the pool: both subjects' SQL passes the same proxies; the pool's own checks
    // (isValid) are not SQL and are not counted.
    CountingDataSource counting = new CountingDataSource(postgres);
    HikariConfig config = new HikariConfig();
    config.setDataSource(counting.dataSource());
    config.setMaximumPoolSize(POOL_SIZE);
    config.setPoolName("wp-" + name);
    Timed timed;
    try (HikariDataSource pool = new HikariDataSource(config)) {
      timed = body.run(subject, pool, threads);
    }
    long commits = settledCommits(server, name) - before;
    dropDatabase(server.adminUrl(), name);
    System.err.printf(
        Locale.ROOT,
        "bench: WP %s, %s: %,.0f/s, %,d commits, %,d statements for %,d%n",
        what,
        subject.label,
        timed.perSecond(),
        commits,
        counting.statements(),
        timed.units());
    return new Run(
        timed.perSecond(), timed.units(), commits, counting.statements(), counting.roundTrips());
  }

  /**
   * The database's committed transactions as the server counts them, once nothing is left to count.
   * A backend adds its counts to the shared statistics asynchronously (when idle, at most about
   * once a second; at exit at the latest), so this is read after the subject's pool closed: it
   * waits until no backend is connected to the database (their exits flushed their counts), then
   * until two readings 300 ms apart agree; 30 s at most. pg_stat_clear_snapshot() before each
   * reading, so that a cached snapshot is not read again.
   */
  private static long settledCommits(Server server, String name) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (Connection c = DriverManager.getConnection(server.adminUrl());
        Statement clear = c.createStatement();
        PreparedStatement connected =
            c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = ?");
        PreparedStatement commits =
            c.prepareStatement("SELECT xact_commit FROM pg_stat_database WHERE datname = ?")) {
      connected.setString(1, name);
      commits.setString(1, name);
      long last = -1;
      while (true) {
        clear.execute("SELECT pg_stat_clear_snapshot()");
        long now = single(commits);
        if (single(connected) == 0) {
          if (now == last) {
            return now;
          }
          last = now;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the commit count of " + name + " did not settle");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
      }
    }
  }

  private static long single(PreparedStatement query) throws SQLException {
    try (ResultSet rs = query.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void dropDatabase(String adminUrl, String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE " + name);
    }
  }

  // ------------------------------------------------------------ the workloads

  /**
   * W1: {@link #tasks} no-op one-shot tasks due now, added from {@code threads} threads; from the
   * first add to the last run ended.
   */
  private Timed throughput(Subject subject, DataSource pool, int threads) throws Exception {
    CountDownLatch done = new CountDownLatch(tasks);
    if (subject == Subject.SCHEDULERD) {
      TaskExecutor noop =
          TaskExecutor.of(
              "noop",
              context -> {
                done.countDown();
                return ExecutionResult.success();
              });
      try (PostgresTaskStore store = PostgresTaskStore.open(pool);
          Scheduler scheduler = Scheduler.builder().store(store).executor(noop).build()) {
        scheduler.start();
        long start = System.nanoTime();
        Fixtures.fromThreads(
            threads,
            tasks,
            i ->
                scheduler.add(
                    TaskDefinition.builder("t-" + i, "noop")
                        .schedule(Schedule.immediate())
                        .build()));
        return new Timed(tasks / awaitSeconds(done, start), tasks);
      }
    }
    try (DbSchedulerSubject peer = new DbSchedulerSubject(pool, done::countDown)) {
      long start = System.nanoTime();
      Fixtures.fromThreads(threads, tasks, i -> peer.add("t-" + i, CLOCK.instant()));
      return new Timed(tasks / awaitSeconds(done, start), tasks);
    }
  }

  /** Seconds since {@code start} once {@code done} is down; 10 minutes at most. */
  private double awaitSeconds(CountDownLatch done, long start) throws InterruptedException {
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException(
          (tasks - done.getCount()) + " of " + tasks + " runs ended in 10 minutes");
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** How a subject adds one task, due at {@code due}. */
  private interface Adder {
    void add(String id, Instant due) throws Exception;
  }

  /**
   * W3: adds acknowledged after their commit, tasks due in a day so no run competes; 5 s from
   * {@code threads} threads after {@value #W3_WARM_UP} adds.
   */
  private static Timed durableAdds(Subject subject, DataSource pool, int threads) throws Exception {
    if (subject == Subject.SCHEDULERD) {
      TaskExecutor noop = TaskExecutor.of("noop", context -> ExecutionResult.success());
      try (PostgresTaskStore store = PostgresTaskStore.open(pool);
          Scheduler scheduler = Scheduler.builder().store(store).executor(noop).build()) {
        scheduler.start();
        return durableAdds(
            threads,
            (id, due) ->
                scheduler.add(
                    TaskDefinition.builder(id, "noop").schedule(Schedule.at(due)).build()));
      }
    }
    try (DbSchedulerSubject peer = new DbSchedulerSubject(pool, () -> {})) {
      return durableAdds(threads, peer::add);
    }
  }

  private static Timed durableAdds(int threads, Adder adder) throws Exception {
    Instant later = CLOCK.instant().plus(Duration.ofDays(1));
    for (int i = 0; i < W3_WARM_UP; i++) {
      adder.add("warm-" + i, later);
    }
    AtomicInteger added = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + W3_WINDOW.toNanos();
    Fixtures.fromThreads(
        threads,
        threads,
        t -> {
          while (System.nanoTime() < end) {
            adder.add("t-" + added.incrementAndGet(), later);
          }
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Timed(added.get() / seconds, W3_WARM_UP + added.get());
  }
}
