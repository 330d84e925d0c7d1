package dev.schedulerd.runtime;

import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the waiting tasks the feed filed for a check (a dependency ended or went) and releases,
 * skips or leaves each by {@link DependencyGate}'s verdict. Runs on the sync thread.
 */
final class WaitingTasks {
  private static final Logger log = LoggerFactory.getLogger(WaitingTasks.class);

  private final TaskStore store;
  private final InstantSource clock;
  private final String nodeId;
  private final TaskFeed feed;
  private final SchedulerEvents events;

  WaitingTasks(
      TaskStore store, InstantSource clock, String nodeId, TaskFeed feed, SchedulerEvents events) {
    this.store = store;
    this.clock = clock;
    this.nodeId = nodeId;
    this.feed = feed;
    this.events = events;
  }

  /**
   * Releases, skips or leaves waiting each task due for a look. Conditional writes: when several
   * nodes judge the same task, one write wins and the others find the version moved on.
   */
  void judgeAll() {
    for (String taskId : feed.takeChecks()) {
      try {
        store.find(taskId).ifPresent(this::judge);
      } catch (RuntimeException e) {
        log.warn("Could not check the dependencies of task {}; trying again", taskId, e);
        feed.retryLater(taskId);
      }
    }
  }

  private void judge(StoredTask task) {
    if (task.state().status() != TaskStatus.WAITING) {
      return;
    }
    TaskDefinition definition = task.definition();
    Map<String, Optional<StoredTask>> dependencies = new LinkedHashMap<>();
    for (String id : definition.dependencies().taskIds()) {
      dependencies.put(id, store.find(id));
    }
    Instant now = clock.instant();
    Optional<StoredTask> written;
    List<RunRecord> notRun = List.of();
    switch (DependencyGate.judge(definition, dependencies)) {
      case DependencyGate.Verdict.Wait w -> {
        feed.watchDependencies(task);
        return;
      }
      case DependencyGate.Verdict.Release r -> {
        Instant due =
            definition.schedule() instanceof Schedule.At at && at.instant().isAfter(now)
                ? at.instant()
                : now;
        written =
            store.write(
                TaskWrite.update(task.id(), task.version(), task.state().released(due, due, now)));
      }
      case DependencyGate.Verdict.Skip skip -> {
        notRun =
            List.of(
                new RunRecord(
                    "skipped-" + UUID.randomUUID(),
                    task.id(),
                    0,
                    now,
                    now,
                    now,
                    RunOutcome.SKIPPED,
                    null,
                    skip.reason(),
                    nodeId));
        written =
            StoreWrites.withRuns(
                store,
                task,
                task.state().finished(TaskStatus.CANCELLED, task.state().lastRun(), now),
                notRun);
      }
    }
    if (written.isPresent()) {
      StoredTask stored = written.get();
      feed.offer(stored);
      events.notRun(stored, notRun);
      events.taskChanged(stored);
    }
  }
}
