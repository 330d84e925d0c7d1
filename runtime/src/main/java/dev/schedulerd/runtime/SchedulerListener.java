package dev.schedulerd.runtime;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import java.time.Duration;

/**
 * Hears what the scheduler does, e.g. to feed metrics. Every method has an empty default; the
 * scheduler calls them on its own threads (the ticker, run threads, client threads) and guards each
 * call, so a throwing listener is logged and ignored. Implementations must be thread-safe and
 * quick.
 */
public interface SchedulerListener {

  /** A client added a task. */
  default void taskAdded(StoredTask task) {}

  /** A client changed a task: updated, paused, resumed, or made due now. */
  default void taskChanged(StoredTask task) {}

  /** A client removed a task. */
  default void taskRemoved(String taskId) {}

  /**
   * This node claimed a run and is about to execute it, {@code lateness} after it was due.
   *
   * @param task the task as claimed (RUNNING)
   */
  default void runStarted(StoredTask task, String runId, Duration lateness) {}

  /** A run ended and its record was stored. */
  default void runFinished(StoredTask task, RunRecord run) {}

  /** The ticker woke up (on a due task, a signal, or a deadline). */
  default void tickerWokeUp() {}
}
