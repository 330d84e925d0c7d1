package dev.schedulerd.runtime;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Feeds what the store holds into this node's dispatch queue: a queued task takes its place, any
 * other leaves it, and a waiting task is filed under the tasks it waits for, to be judged when one
 * of them ends. Every write this node makes, and every change it learns of, passes here.
 */
final class TaskFeed {
  private final DispatchQueue queue;
  private final SyncSignal sync;

  /** Waiting tasks by the ids they depend on: who to look at when a task ends or goes. */
  private final ConcurrentHashMap<String, Set<String>> waitingOn = new ConcurrentHashMap<>();

  /**
   * For each task that tasks still to run depend on, those tasks (any status but ended): what the
   * retention sweep must keep. Built from the dependencies of each offer of a task that has not
   * ended (kept together: a task removed and added again elsewhere may be offered at a lower
   * version), forgotten when it ends or goes.
   */
  private final Map<String, Set<String>> neededBy = new HashMap<>(); // guarded by needsLock

  /** Written under needsLock; read without it for the common case (no dependencies, none known). */
  private final Map<String, Needs> needsOf = new ConcurrentHashMap<>();

  private final ReentrantLock needsLock = new ReentrantLock();

  private record Needs(long version, List<String> dependencies) {}

  /** Waiting tasks to judge at the next sync round (outside the sync lock). */
  private final Set<String> dependencyChecks = ConcurrentHashMap.newKeySet();

  TaskFeed(DispatchQueue queue, SyncSignal sync) {
    this.queue = queue;
    this.sync = sync;
  }

  /** Puts the task on the queue when its state is queued, else takes it off. */
  void offer(StoredTask task) {
    TaskState state = task.state();
    trackNeeds(task);
    Instant due = state.nextDueAt();
    if (state.status().isQueued() && due != null) {
      TaskDefinition definition = task.definition();
      Instant missedAt = null;
      if (definition.schedule().recurring() && state.status() == TaskStatus.SCHEDULED) {
        // Late by more than missedAfter, counted from when it became due or was last written.
        Instant base = state.updatedAt().isAfter(due) ? state.updatedAt() : due;
        missedAt = base.plus(definition.firePolicy().missed().missedAfter());
      }
      queue.offer(
          new DispatchQueue.Offer(
              task.id(),
              task.version(),
              definition.priority(),
              definition.executorKind(),
              state.status(),
              due,
              missedAt,
              definition.resources(),
              definition.schedule().recurring()
                  && definition.firePolicy().overlap() == FirePolicy.Overlap.ALLOW,
              isRerun(state)));
    } else {
      queue.remove(task.id(), task.version());
      if (state.status() == TaskStatus.WAITING) {
        watchDependencies(task);
        checkLater(task.id());
      } else if (state.status().isTerminal()) {
        dependencyEnded(task.id());
      }
    }
  }

  /** The task is gone from the store. */
  void removed(String taskId) {
    needsLock.lock();
    try {
      forgetNeeds(needsOf.remove(taskId), taskId);
    } finally {
      needsLock.unlock();
    }
    dependencyEnded(taskId);
  }

  /** Whether a task that has not ended depends on {@code taskId}. */
  boolean isNeeded(String taskId) {
    needsLock.lock();
    try {
      return neededBy.containsKey(taskId);
    } finally {
      needsLock.unlock();
    }
  }

  private void trackNeeds(StoredTask task) {
    List<String> dependencies = task.definition().dependencies().taskIds();
    if (dependencies.isEmpty() && !needsOf.containsKey(task.id())) {
      return; // the common case, with no lock: every write and change of every task passes here
    }
    boolean needs = !dependencies.isEmpty() && !task.state().status().isTerminal();
    needsLock.lock();
    try {
      Needs before = needsOf.get(task.id());
      if (before == null && !needs) {
        return; // the common case: no dependencies, none before
      }
      if (!needs) {
        forgetNeeds(needsOf.remove(task.id()), task.id());
        return;
      }
      Set<String> all = new java.util.LinkedHashSet<>(dependencies);
      if (before != null) {
        all.addAll(before.dependencies());
      }
      needsOf.put(task.id(), new Needs(task.version(), List.copyOf(all)));
      for (String dependency : all) {
        neededBy.computeIfAbsent(dependency, d -> new HashSet<>()).add(task.id());
      }
    } finally {
      needsLock.unlock();
    }
  }

  /** Called under needsLock. */
  private void forgetNeeds(@Nullable Needs needs, String taskId) {
    if (needs == null) {
      return;
    }
    for (String dependency : needs.dependencies()) {
      Set<String> dependents = neededBy.get(dependency);
      if (dependents != null && dependents.remove(taskId) && dependents.isEmpty()) {
        neededBy.remove(dependency);
      }
    }
  }

  /**
   * Files a waiting task under each task it depends on, so that it is judged when any of them ends.
   * Called again whenever it is judged still waiting: the end that woke it took it off that
   * dependency's list, and an ended dependency may end once more (a failed task retried).
   */
  void watchDependencies(StoredTask task) {
    for (String dependency : task.definition().dependencies().taskIds()) {
      waitingOn.computeIfAbsent(dependency, d -> ConcurrentHashMap.newKeySet()).add(task.id());
    }
  }

  /** A task ended or was removed: the tasks waiting on it are judged at the next sync. */
  void dependencyEnded(String taskId) {
    Set<String> dependents = waitingOn.remove(taskId);
    if (dependents != null && !dependents.isEmpty()) {
      dependencyChecks.addAll(dependents);
      sync.request();
    }
  }

  /** Judges a waiting task's dependencies at the next sync round. */
  void checkLater(String taskId) {
    dependencyChecks.add(taskId);
    sync.request();
  }

  /**
   * Looks at a waiting task again at the next round that comes anyway, without asking for one: a
   * check that failed (the store refused a read) must not make the sync thread spin.
   */
  void retryLater(String taskId) {
    dependencyChecks.add(taskId);
  }

  /** The waiting tasks due for a look, taken off the list (put one back with retryLater). */
  List<String> takeChecks() {
    List<String> taken = new ArrayList<>();
    for (Iterator<String> it = dependencyChecks.iterator(); it.hasNext(); ) {
      taken.add(it.next());
      it.remove(); // one asked for again from here on stays for the next round
    }
    return taken;
  }

  /** Whether the task is due again because its last run was interrupted or abandoned. */
  private static boolean isRerun(TaskState state) {
    RunRecord last = state.lastRun();
    return last != null
        && (last.outcome() == RunOutcome.INTERRUPTED || last.outcome() == RunOutcome.ABANDONED);
  }
}
