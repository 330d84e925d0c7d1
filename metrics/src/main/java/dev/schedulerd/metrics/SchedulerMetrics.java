package dev.schedulerd.metrics;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.SchedulerListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The scheduler's meters, fed only by {@link SchedulerListener} events and {@link
 * Scheduler#status()} (no reflection into internals). Tags stay low-cardinality: executor kind,
 * priority, outcome, status — never a task id.
 *
 * <p>Bind it to a registry, then add it to the scheduler as a listener. Its {@link #figures()} are
 * what {@code scheduler_daemon_status} shows, so an agent needs no Prometheus.
 */
public final class SchedulerMetrics implements MeterBinder, SchedulerListener {
  static final Duration[] LATENESS_SLOS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
    Duration.ofSeconds(5)
  };

  private final Scheduler scheduler;
  private @Nullable MeterRegistry registry;
  private final ConcurrentHashMap<String, AtomicLong> finishedByOutcome = new ConcurrentHashMap<>();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong added = new AtomicLong();
  private final AtomicLong removed = new AtomicLong();

  public SchedulerMetrics(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public void bindTo(MeterRegistry meters) {
    this.registry = meters;
    Gauge.builder("schedulerd.up", scheduler, s -> s.status().running() ? 1 : 0)
        .description("1 while the scheduler is running (dispatching), 0 when stopped")
        .register(meters);
    Gauge.builder("schedulerd.runs.in.flight", scheduler, s -> s.status().inFlight())
        .description("Runs claimed or executing on this node")
        .register(meters);
    FunctionCounter.builder("schedulerd.ticker.wakeups", scheduler, s -> s.status().wakeUps())
        .description("Times the ticker woke up since the scheduler started")
        .register(meters);
    for (TaskStatus status : new TaskStatus[] {TaskStatus.SCHEDULED, TaskStatus.RETRY_WAIT}) {
      for (Priority priority : Priority.values()) {
        Gauge.builder(
                "schedulerd.queue.depth",
                scheduler,
                s ->
                    s.status()
                        .queueDepth()
                        .getOrDefault(status, Map.of())
                        .getOrDefault(priority, 0))
            .description("Tasks waiting on this node's queue")
            .tag("status", status.wireName())
            .tag("priority", priority.wireName())
            .register(meters);
      }
    }
  }

  private MeterRegistry meters() {
    MeterRegistry meters = registry;
    if (meters == null) {
      throw new IllegalStateException("bind SchedulerMetrics to a registry first");
    }
    return meters;
  }

  @Override
  public void taskAdded(StoredTask task) {
    added.incrementAndGet();
    Counter.builder("schedulerd.tasks.added")
        .description("Tasks added through this node")
        .tag("executor", task.definition().executorKind())
        .register(meters())
        .increment();
  }

  @Override
  public void taskRemoved(String taskId) {
    removed.incrementAndGet();
    Counter.builder("schedulerd.tasks.removed")
        .description("Tasks removed through this node")
        .register(meters())
        .increment();
  }

  /** The meters of one executor and priority; built once, since runs start on the ticker. */
  private record StartMeters(Counter started, Timer lateness) {}

  private final ConcurrentHashMap<String, StartMeters> startMeters = new ConcurrentHashMap<>();

  @Override
  public void runStarted(StoredTask task, String runId, Duration lateness) {
    String executor = task.definition().executorKind();
    String priority = task.definition().priority().wireName();
    StartMeters meters =
        startMeters.computeIfAbsent(
            executor + "/" + priority,
            key ->
                new StartMeters(
                    Counter.builder("schedulerd.runs.started")
                        .description("Runs this node started")
                        .tag("executor", executor)
                        .tag("priority", priority)
                        .register(meters()),
                    Timer.builder("schedulerd.run.lateness")
                        .description(
                            "Actual start minus due instant: how precisely runs start on time")
                        .tag("executor", executor)
                        .tag("priority", priority)
                        .serviceLevelObjectives(LATENESS_SLOS)
                        .publishPercentiles(0.5, 0.99)
                        .register(meters())));
    meters.started().increment();
    meters.lateness().record(lateness.isNegative() ? Duration.ZERO : lateness);
  }

  @Override
  public void runFinished(StoredTask task, RunRecord run) {
    String executor = task.definition().executorKind();
    String outcome = run.outcome().wireName();
    finishedByOutcome.computeIfAbsent(outcome, o -> new AtomicLong()).incrementAndGet();
    Counter.builder("schedulerd.runs.finished")
        .description("Runs that ended, by outcome")
        .tag("executor", executor)
        .tag("outcome", outcome)
        .register(meters())
        .increment();
    if (run.outcome().isNotRun()) {
      return; // a missed or skipped fire time: counted, but it has no duration and no retry
    }
    Timer.builder("schedulerd.run.duration")
        .description("How long runs took, start to end")
        .tag("executor", executor)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(meters())
        .record(Duration.between(run.startedAt(), run.finishedAt()));
    if (task.state().status() == TaskStatus.RETRY_WAIT) {
      retries.incrementAndGet();
      Counter.builder("schedulerd.runs.retries")
          .description("Failed runs that will be tried again")
          .tag("executor", executor)
          .register(meters())
          .increment();
    }
  }

  /** The key figures since start, for the daemon-status tool. */
  public Map<String, Object> figures() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> finished = new LinkedHashMap<>();
    for (RunOutcome outcome : RunOutcome.values()) {
      AtomicLong n = finishedByOutcome.get(outcome.wireName());
      finished.put(outcome.wireName(), n == null ? 0 : n.get());
    }
    out.put("runs_finished", finished);
    out.put("retries", retries.get());
    out.put("tasks_added", added.get());
    out.put("tasks_removed", removed.get());
    MeterRegistry meters = registry;
    if (meters != null) {
      double p50 = 0;
      double p99 = 0;
      long count = 0;
      for (Timer timer : meters.find("schedulerd.run.lateness").timers()) {
        var snapshot = timer.takeSnapshot();
        count += snapshot.count();
        for (var percentile : snapshot.percentileValues()) {
          if (percentile.percentile() == 0.5) {
            p50 = Math.max(p50, percentile.value(java.util.concurrent.TimeUnit.MILLISECONDS));
          } else if (percentile.percentile() == 0.99) {
            p99 = Math.max(p99, percentile.value(java.util.concurrent.TimeUnit.MILLISECONDS));
          }
        }
      }
      Map<String, Object> lateness = new LinkedHashMap<>();
      lateness.put("runs", count);
      lateness.put("p50_ms", round(p50));
      lateness.put("p99_ms", round(p99));
      out.put("start_lateness", lateness);
    }
    return out;
  }

  private static double round(double millis) {
    return Math.round(millis * 1000) / 1000.0;
  }
}
