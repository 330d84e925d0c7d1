package dev.schedulerd.mcp.dashboard;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.runtime.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the overview plots, from the store's newest run records (every node's, not only this one's):
 * runs per minute, runs per hour by outcome over the last day, a lateness histogram and run
 * durations per task. Reads at most {@link #MAX_RUNS} records, so its cost has a bound however busy
 * the store is; the answer says when the day held more.
 */
final class DashboardActivity {
  private DashboardActivity() {}

  static final int MAX_RUNS = 5_000;
  private static final int PAGE = 500;
  private static final Duration DAY = Duration.ofHours(24);
  private static final int SLOWEST = 10;

  /** Upper bounds of the lateness histogram's buckets, ms; the last bucket has none. */
  static final long[] LATENESS_BOUNDS_MS = {1, 5, 10, 50, 100, 500, 1_000, 5_000, 60_000};

  /** The overview's figures and plots at {@code now}, as the JSON API answers them. */
  static Map<String, Object> of(Scheduler scheduler, Instant now) {
    Instant since = now.minus(DAY);
    List<RunRecord> runs = new ArrayList<>();
    boolean whole = readDay(scheduler, since, runs);

    long firstHour = hourOf(now) - 23 * 3_600_000L;
    long[] success = new long[24];
    long[] failed = new long[24];
    long[] notRun = new long[24];
    long[] lateness = new long[LATENESS_BOUNDS_MS.length + 1];
    long lastMinute = 0;
    long lastTenMinutes = 0;
    Map<String, List<Long>> durations = new HashMap<>();
    for (RunRecord run : runs) {
      // A node whose clock runs ahead records runs that end "later": they count as ending now.
      Instant ended = run.finishedAt().isAfter(now) ? now : run.finishedAt();
      int hour = (int) ((ended.toEpochMilli() - firstHour) / 3_600_000L);
      if (hour >= 0 && hour < 24) {
        (run.outcome() == RunOutcome.SUCCESS ? success : run.outcome().isNotRun() ? notRun : failed)
            [hour]++;
      }
      if (run.outcome().isNotRun()) {
        continue;
      }
      Duration ago = Duration.between(ended, now);
      lastMinute += ago.compareTo(Duration.ofMinutes(1)) <= 0 ? 1 : 0;
      lastTenMinutes += ago.compareTo(Duration.ofMinutes(10)) <= 0 ? 1 : 0;
      lateness[bucket(Duration.between(run.scheduledFor(), run.startedAt()).toMillis())]++;
      durations
          .computeIfAbsent(run.taskId(), id -> new ArrayList<>())
          .add(Duration.between(run.startedAt(), run.finishedAt()).toMillis());
    }

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runs_read", runs.size());
    out.put("whole_day", whole); // false: the day held more than MAX_RUNS records
    out.put("runs_last_minute", lastMinute);
    out.put("runs_per_minute_last_10", lastTenMinutes / 10.0);
    Map<String, Object> hourly = new LinkedHashMap<>();
    hourly.put("first_hour", Instant.ofEpochMilli(firstHour).toString());
    hourly.put("success", success);
    hourly.put("failed", failed);
    hourly.put("not_run", notRun);
    out.put("hourly", hourly);
    Map<String, Object> histogram = new LinkedHashMap<>();
    histogram.put("bounds_ms", LATENESS_BOUNDS_MS);
    histogram.put("counts", lateness);
    out.put("lateness", histogram);
    out.put("durations", slowest(durations));
    return out;
  }

  /**
   * Reads the runs that ended since {@code since}, newest recorded first, at most {@link
   * #MAX_RUNS}; whether the day was all read. Records come in the order they were written, and
   * nodes' clocks differ: a run that ended before {@code since} is passed over, and the reading
   * stops at a page holding only such runs.
   */
  private static boolean readDay(Scheduler scheduler, Instant since, List<RunRecord> into) {
    @Nullable String cursor = null;
    while (true) {
      RunPage page = scheduler.runPage(null, PAGE, cursor);
      boolean anyOfTheDay = false;
      for (RunRecord run : page.runs()) {
        if (run.finishedAt().isBefore(since)) {
          continue;
        }
        anyOfTheDay = true;
        if (into.size() == MAX_RUNS) {
          return false;
        }
        into.add(run);
      }
      cursor = page.nextCursor();
      if (cursor == null || !anyOfTheDay) {
        return true;
      }
    }
  }

  static int bucket(long latenessMs) {
    for (int i = 0; i < LATENESS_BOUNDS_MS.length; i++) {
      if (latenessMs < LATENESS_BOUNDS_MS[i]) {
        return i;
      }
    }
    return LATENESS_BOUNDS_MS.length;
  }

  private record TaskDurations(String taskId, int runs, long p50, long p95, long max) {}

  /** The tasks whose median run took longest, with runs, median, p95 and longest, ms. */
  private static List<Map<String, Object>> slowest(Map<String, List<Long>> durations) {
    List<TaskDurations> all = new ArrayList<>();
    durations.forEach(
        (task, times) -> {
          long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
          all.add(
              new TaskDurations(
                  task,
                  sorted.length,
                  percentile(sorted, 0.50),
                  percentile(sorted, 0.95),
                  sorted[sorted.length - 1]));
        });
    all.sort(
        Comparator.comparingLong(TaskDurations::p50)
            .reversed()
            .thenComparing(TaskDurations::taskId));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (TaskDurations task : all.subList(0, Math.min(SLOWEST, all.size()))) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("task_id", task.taskId());
      row.put("runs", task.runs());
      row.put("p50_ms", task.p50());
      row.put("p95_ms", task.p95());
      row.put("max_ms", task.max());
      rows.add(row);
    }
    return rows;
  }

  /** The nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static long hourOf(Instant instant) {
    long millis = instant.toEpochMilli();
    return millis - Math.floorMod(millis, 3_600_000L);
  }
}
