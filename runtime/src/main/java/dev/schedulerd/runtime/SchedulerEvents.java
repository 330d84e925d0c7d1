package dev.schedulerd.runtime;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's listeners, told of each event in turn; a listener that throws is logged and the
 * others still hear it. Listeners come and go at any time (an MCP session's notifications).
 */
final class SchedulerEvents implements SchedulerListener {
  private static final Logger log = LoggerFactory.getLogger(SchedulerEvents.class);

  private final List<SchedulerListener> listeners;

  SchedulerEvents(Collection<SchedulerListener> initial) {
    this.listeners = new CopyOnWriteArrayList<>(initial);
  }

  void add(SchedulerListener listener) {
    listeners.add(listener);
  }

  void remove(SchedulerListener listener) {
    listeners.remove(listener);
  }

  @Override
  public void taskAdded(StoredTask task) {
    tell("taskAdded", l -> l.taskAdded(task));
  }

  @Override
  public void taskChanged(StoredTask task) {
    tell("taskChanged", l -> l.taskChanged(task));
  }

  @Override
  public void taskRemoved(String taskId) {
    tell("taskRemoved", l -> l.taskRemoved(taskId));
  }

  @Override
  public void runStarted(StoredTask task, String runId, Duration lateness) {
    tell("runStarted", l -> l.runStarted(task, runId, lateness));
  }

  @Override
  public void runFinished(StoredTask task, RunRecord run) {
    tell("runFinished", l -> l.runFinished(task, run));
  }

  /** Fire times passed over are told as runs that finished (metrics count them by outcome). */
  void notRun(StoredTask task, List<RunRecord> notRun) {
    for (RunRecord record : notRun) {
      runFinished(task, record);
    }
  }

  @Override
  public void tickerWokeUp() {
    tell("tickerWokeUp", SchedulerListener::tickerWokeUp);
  }

  private void tell(String event, Consumer<SchedulerListener> call) {
    for (SchedulerListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        log.warn("A scheduler listener failed on {}; ignoring it", event, e);
      }
    }
  }
}
