package dev.schedulerd.runtime;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Decides whether a waiting task may run, must wait on, or is skipped; finds dependency cycles. */
final class DependencyGate {
  private DependencyGate() {}

  /** What becomes of a waiting task. */
  sealed interface Verdict {
    /** Some dependencies have not ended: {@code pending} names them with their status. */
    record Wait(List<String> pending) implements Verdict {}

    /** Every dependency completed successfully (or, continuing on failure, ended). */
    record Release() implements Verdict {}

    /** A dependency failed, was cancelled or removed: the task is skipped for {@code reason}. */
    record Skip(String reason) implements Verdict {}
  }

  /**
   * @param dependencies each dependency's id and its task as stored now (empty when removed)
   */
  static Verdict judge(TaskDefinition waiting, Map<String, Optional<StoredTask>> dependencies) {
    boolean continueOnFailure = waiting.dependencies().continueOnFailure();
    List<String> pending = new ArrayList<>();
    for (String id : waiting.dependencies().taskIds()) {
      Optional<StoredTask> dependency = dependencies.getOrDefault(id, Optional.empty());
      String failure = failure(id, dependency);
      if (failure != null) {
        if (!continueOnFailure) {
          return new Verdict.Skip(
              "skipped: dependency "
                  + failure
                  + " (on_failure=skip; on_failure=continue runs it anyway)");
        }
      } else if (!succeeded(dependency)) {
        pending.add(id + " (" + dependency.orElseThrow().state().status().wireName() + ")");
      }
    }
    return pending.isEmpty() ? new Verdict.Release() : new Verdict.Wait(pending);
  }

  private static boolean succeeded(Optional<StoredTask> task) {
    if (task.isEmpty() || task.get().state().status() != TaskStatus.COMPLETED) {
      return false;
    }
    RunRecord last = task.get().state().lastRun();
    return last != null && last.outcome() == RunOutcome.SUCCESS;
  }

  /** How the dependency ended without success, or null if it succeeded or has not ended. */
  private static @org.jspecify.annotations.Nullable String failure(
      String id, Optional<StoredTask> task) {
    if (task.isEmpty()) {
      return "'" + id + "' was removed";
    }
    TaskStatus status = task.get().state().status();
    if (!status.isTerminal() || succeeded(task)) {
      return null;
    }
    RunRecord last = task.get().state().lastRun();
    String how =
        status == TaskStatus.FAILED
            ? "failed" + (last != null && last.error() != null ? " (" + last.error() + ")" : "")
            : status.wireName();
    return "'" + id + "' " + how;
  }

  /** Where the cycle search stands with a task: on the path being followed, or cleared. */
  private enum Visit {
    ON_PATH,
    DONE
  }

  /**
   * A dependency cycle among {@code graph} (task id to the ids it depends on), as the path that
   * closes it ("a → b → a"), or empty. Ids that are not keys are tasks outside the graph, which
   * cannot depend back on it.
   */
  static Optional<String> cycle(Map<String, List<String>> graph) {
    Map<String, Visit> state = new HashMap<>();
    for (String start : graph.keySet()) {
      List<String> path = new ArrayList<>();
      Optional<String> found = visit(start, graph, state, path);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> visit(
      String id, Map<String, List<String>> graph, Map<String, Visit> state, List<String> path) {
    Visit seen = state.get(id);
    if (seen == Visit.DONE) {
      return Optional.empty();
    }
    if (seen == Visit.ON_PATH) {
      List<String> loop = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
      loop.add(id);
      return Optional.of(String.join(" → ", loop));
    }
    state.put(id, Visit.ON_PATH);
    path.add(id);
    for (String next : graph.getOrDefault(id, List.of())) {
      if (graph.containsKey(next)) {
        Optional<String> found = visit(next, graph, state, path);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    path.remove(path.size() - 1);
    state.put(id, Visit.DONE);
    return Optional.empty();
  }

  /** The ids of {@code tasks}, refusing a duplicate. */
  static Set<String> ids(List<TaskDefinition> tasks) {
    Set<String> ids = new HashSet<>();
    for (TaskDefinition task : tasks) {
      if (!ids.add(task.id())) {
        throw new InvalidTaskException(
            "tasks", "task id '" + task.id() + "' appears twice; give each task its own id");
      }
    }
    return ids;
  }
}
