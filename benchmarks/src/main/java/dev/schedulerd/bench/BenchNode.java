package dev.schedulerd.bench;

import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.metrics.TimedTaskStore;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.postgres.PostgresTaskStore;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One schedulerd node of the scale-out workload, in its own JVM: arguments URL NODE_ID. Its
 * executor {@code noop} records each run's start lateness (start minus due, by the wall clock that
 * all processes on the machine share). Commands on stdin: {@code start} (starts the scheduler),
 * {@code reset} (forgets what was measured so far), {@code report} (prints {@code report RUNS
 * FIRST_START_US LAST_END_US CLAIM_P50_US CLAIM_P99_US CLAIM_COUNT LATENESS_US,...}), {@code quit}.
 */
@SuppressForbidden(reason = "reads the wall clock shared by the node processes; stdout is its pipe")
public final class BenchNode {
  private BenchNode() {}

  /** What the node saw of its runs. */
  static final class Runs {
    private final ReentrantLock lock = new ReentrantLock();
    private long[] lateness = new long[1024];
    private int count;
    private long firstStart = Long.MAX_VALUE;
    private long lastEnd = Long.MIN_VALUE;

    void record(Instant due, Instant started, Instant ended) {
      long startUs = micros(started);
      lock.lock();
      try {
        if (count == lateness.length) {
          lateness = Arrays.copyOf(lateness, count * 2);
        }
        lateness[count++] = startUs - micros(due);
        firstStart = Math.min(firstStart, startUs);
        lastEnd = Math.max(lastEnd, micros(ended));
      } finally {
        lock.unlock();
      }
    }

    void reset() {
      lock.lock();
      try {
        count = 0;
        firstStart = Long.MAX_VALUE;
        lastEnd = Long.MIN_VALUE;
      } finally {
        lock.unlock();
      }
    }

    String report(@Nullable Timer claims, double lostClaims) {
      lock.lock();
      try {
        StringBuilder line =
            new StringBuilder("report ")
                .append(count)
                .append(' ')
                .append(count == 0 ? 0 : firstStart)
                .append(' ')
                .append(count == 0 ? 0 : lastEnd);
        ValueAtPercentile[] percentiles =
            claims == null ? new ValueAtPercentile[0] : claims.takeSnapshot().percentileValues();
        line.append(' ').append(percentileUs(percentiles, 0.5));
        line.append(' ').append(percentileUs(percentiles, 0.99));
        line.append(' ').append(claims == null ? 0 : claims.count());
        line.append(' ').append((long) lostClaims).append(' ');
        for (int i = 0; i < count; i++) {
          line.append(i == 0 ? "" : ",").append(lateness[i]);
        }
        return line.toString();
      } finally {
        lock.unlock();
      }
    }
  }

  private static long percentileUs(ValueAtPercentile[] values, double percentile) {
    for (ValueAtPercentile v : values) {
      if (v.percentile() == percentile) {
        return (long) v.value(TimeUnit.MICROSECONDS);
      }
    }
    return -1;
  }

  static long micros(Instant instant) {
    return TimeUnit.SECONDS.toMicros(instant.getEpochSecond()) + instant.getNano() / 1_000;
  }

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String nodeId = args[1];
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    Runs runs = new Runs();
    InstantSource wallClock = InstantSource.system(); // the clock the node processes share
    TaskExecutor noop =
        new TaskExecutor() {
          @Override
          public String kind() {
            return "noop";
          }

          @Override
          public ExecutionResult execute(ExecutionContext context) {
            Instant started = wallClock.instant();
            runs.record(context.scheduledFor(), started, wallClock.instant());
            return ExecutionResult.success();
          }
        };
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                return DistributionStatisticConfig.builder()
                    .percentiles(0.5, 0.99)
                    .build()
                    .merge(config);
              }
            });
    // The node's SQL counted on its way to the server (CountingDataSource), in a pool of the size
    // the store opens for itself.
    org.postgresql.ds.PGSimpleDataSource server = new org.postgresql.ds.PGSimpleDataSource();
    server.setURL(url);
    CountingDataSource counting = new CountingDataSource(server);
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setDataSource(counting.dataSource());
    config.setMaximumPoolSize(8);
    config.setPoolName("node-" + nodeId);
    try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config);
        PostgresTaskStore postgres = PostgresTaskStore.open(pool);
        Scheduler scheduler =
            Scheduler.builder()
                .store(new TimedTaskStore(postgres, registry))
                .executors(ExecutorRegistry.of(noop))
                .nodeId(nodeId)
                .stopGrace(Duration.ofSeconds(5))
                .build()) {
      out.println("ready");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null && !line.equals("quit")) {
        switch (line) {
          case "start" -> {
            scheduler.start();
            out.println("started");
          }
          case "reset" -> {
            runs.reset();
            registry.clear();
            out.println("reset");
          }
          case "report" -> {
            Timer claims =
                registry.find("schedulerd.store.operation").tag("operation", "claim_batch").timer();
            io.micrometer.core.instrument.Counter lost =
                registry.find("schedulerd.claims.lost").counter();
            out.println(
                runs.report(claims, lost == null ? 0 : lost.count())
                    + String.format(
                        Locale.ROOT,
                        " %d %d %d",
                        counting.statements(),
                        counting.roundTrips(),
                        counting.commits()));
          }
          default -> out.println("unknown command " + line);
        }
      }
    }
  }
}
