package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.NoSuchTaskException;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.runtime.SchedulerListener;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * {@code scheduler_wait_for_run}: waits, bounded, until a task's current or next run ends, so an
 * agent need not poll (some clients drop resource notifications). Runs this node finishes wake the
 * wait at once; runs other processes on a shared store finish are seen by re-reading the task every
 * {@link #RECHECK}.
 */
final class RunWaits implements SchedulerListener, AutoCloseable {
  static final int MAX_SECONDS = 60;
  static final int DEFAULT_SECONDS = 30;

  /**
   * Waits in progress at once, at most: each holds one of the MCP server's handler threads (Reactor
   * runs them on ten per core), and a quarter of those is all waits may take from other tools.
   */
  static final int MAX_WAITING = Math.max(2, Runtime.getRuntime().availableProcessors() * 10 / 4);

  private static final Duration RECHECK = Duration.ofMillis(500);

  private final Scheduler scheduler;
  private final Semaphore slots = new Semaphore(MAX_WAITING);
  private final Map<String, Set<CompletableFuture<Boolean>>> waiters = new ConcurrentHashMap<>();
  private volatile boolean closed;

  RunWaits(Scheduler scheduler) {
    this.scheduler = scheduler;
    scheduler.addListener(this);
  }

  /** The tool's answer: the run that ended, or the task's situation when the bound passed. */
  Map<String, Object> await(String taskId, int seconds, Describer describe)
      throws InterruptedException {
    if (!slots.tryAcquire()) {
      throw new IllegalStateException(
          MAX_WAITING
              + " waits are already in progress, the most this daemon allows; try again when one"
              + " ends, or use scheduler_get_task");
    }
    long startNanos = System.nanoTime();
    try {
      StoredTask before = scheduler.get(taskId).orElseThrow(() -> new NoSuchTaskException(taskId));
      String lastRunBefore = runIdOf(before);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("task_id", taskId);
      if (before.state().status().isTerminal()) {
        return ended(out, before, before.state().lastRun(), true, describe, startNanos);
      }
      long deadline = startNanos + TimeUnit.SECONDS.toNanos(seconds);
      while (!closed) {
        CompletableFuture<Boolean> woken = register(taskId);
        try {
          Optional<StoredTask> now = scheduler.get(taskId);
          if (now.isEmpty()) {
            out.put("finished", false);
            out.put("status", "removed");
            out.put("waited_ms", elapsedMillis(startNanos));
            out.put("summary", "Task '" + taskId + "' was removed while waiting");
            return out;
          }
          StoredTask task = now.get();
          if (!Objects.equals(runIdOf(task), lastRunBefore) || task.state().status().isTerminal()) {
            return ended(out, task, latestRun(task), false, describe, startNanos);
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          woken.get(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          // re-read the task: a process sharing the store may have run it
        } catch (ExecutionException e) {
          throw new IllegalStateException(e);
        } finally {
          unregister(taskId, woken);
        }
      }
      StoredTask task = scheduler.get(taskId).orElse(before);
      out.put("finished", false);
      out.put("status", task.state().status().wireName());
      out.put("waited_ms", elapsedMillis(startNanos));
      String situation = describe.explain(task);
      out.put("explanation", situation);
      out.put(
          "summary",
          "No run of '"
              + taskId
              + "' ended within "
              + seconds
              + " s; now: "
              + situation
              + ". Call scheduler_wait_for_run again to keep waiting");
      return out;
    } finally {
      slots.release();
    }
  }

  private CompletableFuture<Boolean> register(String taskId) {
    CompletableFuture<Boolean> woken = new CompletableFuture<>();
    waiters.compute(
        taskId,
        (id, set) -> {
          Set<CompletableFuture<Boolean>> forTask =
              set != null ? set : ConcurrentHashMap.newKeySet();
          forTask.add(woken);
          return forTask;
        });
    return woken;
  }

  private void unregister(String taskId, CompletableFuture<Boolean> woken) {
    waiters.computeIfPresent(
        taskId,
        (id, set) -> {
          set.remove(woken);
          return set.isEmpty() ? null : set;
        });
  }

  /** Says what a task is doing, as scheduler_get_task's explanation does. */
  interface Describer {
    String explain(StoredTask task);
  }

  private Map<String, Object> ended(
      Map<String, Object> out,
      StoredTask task,
      @Nullable RunRecord run,
      boolean already,
      Describer describe,
      long startNanos) {
    out.put("finished", run != null);
    out.put("status", task.state().status().wireName());
    out.put("waited_ms", elapsedMillis(startNanos));
    String situation = describe.explain(task);
    out.put("explanation", situation);
    if (run == null) {
      out.put("summary", "Task '" + task.id() + "' has not run yet; now: " + situation);
      return out;
    }
    out.put("run", TaskViews.run(run));
    Duration took = Duration.between(run.startedAt(), run.finishedAt());
    String detail = run.error() != null ? run.error() : run.result();
    out.put(
        "summary",
        (already
                ? "Task '" + task.id() + "' had already ended. Its last run ("
                : "A run of '" + task.id() + "' ended (")
            + "attempt "
            + run.attempt()
            + "): "
            + run.outcome().wireName()
            + " after "
            + took.toMillis()
            + " ms"
            + (detail == null || detail.isBlank() ? "" : ": " + TaskViews.oneLine(detail))
            + (task.state().status().isTerminal()
                ? "; the task is " + task.state().status().wireName()
                : "; now: " + situation));
    return out;
  }

  /** The newest run record, the state's last run or a missed/skipped one recorded after it. */
  private @Nullable RunRecord latestRun(StoredTask task) {
    List<RunRecord> newest = scheduler.runs(task.id(), 1);
    return newest.isEmpty() ? task.state().lastRun() : newest.get(0);
  }

  private static @Nullable String runIdOf(StoredTask task) {
    RunRecord last = task.state().lastRun();
    return last == null ? null : last.runId();
  }

  private static long elapsedMillis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private void wake(String taskId) {
    Set<CompletableFuture<Boolean>> forTask = waiters.get(taskId);
    if (forTask != null) {
      forTask.forEach(f -> f.complete(true));
    }
  }

  @Override
  public void runFinished(StoredTask task, RunRecord run) {
    wake(task.id());
  }

  @Override
  public void taskChanged(StoredTask task) {
    wake(task.id());
  }

  @Override
  public void taskRemoved(String taskId) {
    wake(taskId);
  }

  @Override
  public void close() {
    closed = true;
    scheduler.removeListener(this);
    waiters.values().forEach(set -> set.forEach(f -> f.complete(false)));
  }
}
