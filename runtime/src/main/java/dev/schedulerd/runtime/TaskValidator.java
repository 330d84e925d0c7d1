package dev.schedulerd.runtime;

import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.EnvReferences;
import dev.schedulerd.api.executor.TaskExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Checks what a client asks for against this daemon before anything is stored: the task's limits,
 * its executor (installed and enabled), its config and the variables it references, its resources,
 * and its dependencies (existing, one-shot, no cycle).
 */
final class TaskValidator {
  private final ExecutorRegistry executors;
  private final Map<String, Integer> resourceCapacity;
  private final FireTimes fireTimes;
  private final Function<String, Optional<StoredTask>> lookup;

  /**
   * @param lookup the stored task with an id, for dependencies
   */
  TaskValidator(
      ExecutorRegistry executors,
      Map<String, Integer> resourceCapacity,
      FireTimes fireTimes,
      Function<String, Optional<StoredTask>> lookup) {
    this.executors = executors;
    this.resourceCapacity = resourceCapacity;
    this.fireTimes = fireTimes;
    this.lookup = lookup;
  }

  /**
   * The most stored tasks read while looking for a cycle: a task's dependencies are at most 100 and
   * chains of one-shot tasks are short, so a search this wide means a pathological store, not a
   * cycle to find; the store's own consistency (dependencies exist) bounds the rest.
   */
  private static final int MAX_TASKS_READ_FOR_CYCLE = 10_000;

  /**
   * The stored tasks reachable through {@code definition}'s dependencies do not lead back to it.
   */
  void checkNoCycle(TaskDefinition definition) {
    Map<String, List<String>> graph = new LinkedHashMap<>();
    graph.put(definition.id(), definition.dependencies().taskIds());
    ArrayDeque<String> toRead = new ArrayDeque<>(definition.dependencies().taskIds());
    while (!toRead.isEmpty() && graph.size() < MAX_TASKS_READ_FOR_CYCLE) {
      String id = toRead.poll();
      if (graph.containsKey(id)) {
        continue;
      }
      List<String> deps =
          lookup.apply(id).map(t -> t.definition().dependencies().taskIds()).orElse(List.of());
      graph.put(id, deps);
      toRead.addAll(deps);
    }
    DependencyGate.cycle(graph)
        .ifPresent(
            loop -> {
              throw new InvalidTaskException(
                  "depends_on", "the dependencies would form a cycle: " + loop);
            });
  }

  /** Dependencies name one-shot tasks that exist, or tasks being added with it ({@code adding}). */
  void checkDependenciesExist(TaskDefinition definition, Map<String, TaskDefinition> adding) {
    for (String id : definition.dependencies().taskIds()) {
      TaskDefinition inWorkflow = adding.get(id);
      TaskDefinition dependency =
          inWorkflow != null
              ? inWorkflow
              : lookup
                  .apply(id)
                  .map(StoredTask::definition)
                  .orElseThrow(
                      () ->
                          new InvalidTaskException(
                              "depends_on",
                              "task '"
                                  + definition.id()
                                  + "' depends on '"
                                  + id
                                  + "', which does not exist: add it first, or add both with"
                                  + " scheduler_add_workflow"));
      // The same rule in a workflow as for a single add: a recurring task never "finishes".
      if (dependency.schedule().recurring()) {
        throw new InvalidTaskException(
            "depends_on",
            "task '"
                + definition.id()
                + "' depends on '"
                + id
                + "', which is recurring: only one-shot tasks can be depended on");
      }
    }
  }

  /**
   * The definition as add and update accept it, checked against this daemon (limits, executor
   * enabled, config, env references, resources), with its schedule normalized.
   *
   * @throws InvalidTaskException naming the field, the value and the fix
   */
  TaskDefinition validated(TaskDefinition definition) {
    TaskLimits.check(definition);
    TaskExecutor executor =
        executors
            .find(definition.executorKind())
            .orElseThrow(
                () ->
                    new InvalidTaskException(
                        "task_type",
                        "unknown executor kind '"
                            + definition.executorKind()
                            + "'; enabled on this daemon: "
                            + String.join(
                                ", ",
                                executors.kinds().stream().filter(executors::isEnabled).toList())
                            + enabledBy()));
    if (!executors.isEnabled(definition.executorKind())) {
      String kind = definition.executorKind();
      throw new InvalidTaskException(
          "task_type",
          "executor '"
              + kind
              + "' is disabled on this daemon. The operator enables it in the config file with"
              + " executors."
              + kind
              + ".enabled=true (and its allowlist, see the README's Executors section); it"
              + " cannot be enabled through MCP");
    }
    List<String> problems = validateConfig(executor, definition);
    if (!definition.config().isEmpty()) {
      List<String> refused =
          EnvReferences.refused(
              definition.config(), executors.envPolicy(definition.executorKind()));
      if (!refused.isEmpty()) {
        List<String> all = new ArrayList<>(refused);
        all.addAll(problems);
        problems = all;
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidTaskException("config", String.join("; ", problems));
    }
    for (String resource : definition.resources()) {
      if (!resourceCapacity.containsKey(resource)) {
        throw new InvalidTaskException(
            "resources",
            "resource '"
                + resource
                + "' is not configured on this daemon"
                + (resourceCapacity.isEmpty()
                    ? " (it has none)"
                    : " (it has "
                        + String.join(", ", new TreeSet<>(resourceCapacity.keySet()))
                        + ")")
                + ". The operator sets its capacity in the config file, e.g. resources."
                + resource
                + "=2");
      }
    }
    return definition.withSchedule(fireTimes.normalize(definition.schedule()));
  }

  /** The installed kinds that are disabled, with the key that enables them, for messages. */
  private String enabledBy() {
    List<String> disabled =
        executors.kinds().stream().filter(k -> !executors.isEnabled(k)).toList();
    return disabled.isEmpty()
        ? ""
        : "; disabled (the operator enables one with executors.KIND.enabled=true): "
            + String.join(", ", disabled);
  }

  private static List<String> validateConfig(TaskExecutor executor, TaskDefinition definition) {
    try {
      List<String> problems = executor.validate(definition.config());
      return problems == null ? List.of() : problems;
    } catch (RuntimeException e) {
      return List.of(
          "executor '" + definition.executorKind() + "' could not check the config: " + e);
    }
  }
}
