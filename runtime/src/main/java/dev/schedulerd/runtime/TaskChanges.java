package dev.schedulerd.runtime;

import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What clients change: add (one task or a workflow), update, pause, resume, run now. Each checks
 * the request ({@link TaskValidator}, {@link Capacity}), writes it conditionally (re-reading when
 * another writer won) and hands the result to the feed and the listeners. {@link Scheduler}'s
 * methods of the same names say what each does.
 */
final class TaskChanges {
  private static final Logger log = LoggerFactory.getLogger(TaskChanges.class);

  /** How late a one-shot may be added before the log says it runs late: a client's round trip. */
  private static final java.time.Duration LATE_ADD_WORTH_SAYING = java.time.Duration.ofSeconds(1);

  /** Conditional writes tried before a change gives up: another writer kept winning. */
  private static final int MAX_WRITE_ATTEMPTS = 20;

  private final TaskStore store;
  private final InstantSource clock;
  private final TaskValidator validator;
  private final Capacity capacity;
  private final NextStates nextStates;
  private final FireTimes fireTimes;
  private final FirePlanner firePlanner;
  private final TaskFeed feed;
  private final SchedulerEvents events;

  TaskChanges(
      TaskStore store,
      InstantSource clock,
      TaskValidator validator,
      Capacity capacity,
      NextStates nextStates,
      FireTimes fireTimes,
      FirePlanner firePlanner,
      TaskFeed feed,
      SchedulerEvents events) {
    this.store = store;
    this.clock = clock;
    this.validator = validator;
    this.capacity = capacity;
    this.nextStates = nextStates;
    this.fireTimes = fireTimes;
    this.firePlanner = firePlanner;
    this.feed = feed;
    this.events = events;
  }

  StoredTask add(TaskDefinition definition) {
    TaskDefinition normalized = validator.validated(definition);
    capacity.checkRoomFor(1);
    validator.checkDependenciesExist(normalized, Map.of());
    Instant now = clock.instant();
    StoredTask stored = store.insert(normalized, nextStates.initial(normalized, now));
    feed.offer(stored);
    events.taskAdded(stored);
    sayIfLate(normalized, now);
    return stored;
  }

  /** A one-shot added after its instant runs at once; the log says so (and by how much). */
  private static void sayIfLate(TaskDefinition definition, Instant now) {
    if (definition.schedule() instanceof Schedule.At at
        && at.instant().isBefore(now.minus(LATE_ADD_WORTH_SAYING))) {
      log.info(
          "Task {} was due at {}, {} before it was added: it runs now",
          definition.id(),
          at.instant(),
          java.time.Duration.between(at.instant(), now));
    }
  }

  Added addOrGet(TaskDefinition definition) {
    Optional<StoredTask> existing = store.find(definition.id());
    if (existing.isEmpty()) {
      try {
        return new Added(add(definition), true);
      } catch (DuplicateTaskException raced) { // another client added it in between
        existing = store.find(definition.id());
        if (existing.isEmpty()) {
          throw raced;
        }
      }
    }
    return sameTaskAs(definition, existing.get());
  }

  /** {@code found} as the answer to adding {@code definition}, when it is the same task. */
  private Added sameTaskAs(TaskDefinition definition, StoredTask found) {
    // The same definition from another client is still the same task.
    TaskDefinition asked =
        definition
            .withSchedule(fireTimes.normalize(definition.schedule()))
            .withCreatedBy(found.definition().createdBy());
    if (!asked.equals(found.definition())) {
      throw new DifferentTaskExistsException(definition.id());
    }
    return new Added(found, false);
  }

  /**
   * The bulk {@link #addOrGet}: tasks already stored with the same definition are answered as they
   * are, the others added in one write, all or none.
   */
  List<Added> addAllOrGet(List<TaskDefinition> definitions) {
    DependencyGate.ids(definitions); // refuses an id given twice
    for (int attempt = 1; ; attempt++) {
      Map<String, Added> existing = new LinkedHashMap<>();
      List<TaskDefinition> fresh = new ArrayList<>();
      for (TaskDefinition definition : definitions) {
        Optional<StoredTask> found = store.find(definition.id());
        if (found.isPresent()) {
          existing.put(definition.id(), sameTaskAs(definition, found.get()));
        } else {
          fresh.add(definition);
        }
      }
      List<StoredTask> added;
      try {
        added = addAll(fresh);
      } catch (DuplicateTaskException raced) { // another client added one of them in between
        if (attempt == 2) {
          throw raced;
        }
        continue;
      }
      List<Added> answers = new ArrayList<>(definitions.size());
      int next = 0;
      for (TaskDefinition definition : definitions) {
        Added known = existing.get(definition.id());
        answers.add(known != null ? known : new Added(added.get(next++), true));
      }
      return answers;
    }
  }

  List<StoredTask> addWorkflow(List<TaskDefinition> definitions) {
    if (definitions.isEmpty()) {
      throw new InvalidTaskException("tasks", "a workflow needs at least one task");
    }
    TaskLimits.checkWorkflow(definitions.size());
    return addTogether(definitions);
  }

  List<StoredTask> addAll(List<TaskDefinition> definitions) {
    return definitions.isEmpty() ? List.of() : addTogether(definitions);
  }

  /** Validates all, then stores all in one write or none; they may depend on each other. */
  private List<StoredTask> addTogether(List<TaskDefinition> definitions) {
    capacity.checkRoomFor(definitions.size());
    DependencyGate.ids(definitions); // refuses an id given twice
    Map<String, TaskDefinition> adding = new LinkedHashMap<>();
    definitions.forEach(d -> adding.put(d.id(), d));
    List<TaskDefinition> normalized = new ArrayList<>();
    Map<String, List<String>> graph = new LinkedHashMap<>();
    for (TaskDefinition definition : definitions) {
      TaskDefinition valid;
      try {
        valid = validator.validated(definition);
        validator.checkDependenciesExist(valid, adding);
      } catch (InvalidTaskException e) {
        throw InvalidTaskException.ofTask(definition.id(), e);
      }
      normalized.add(valid);
      graph.put(valid.id(), valid.dependencies().taskIds());
    }
    DependencyGate.cycle(graph)
        .ifPresent(
            loop -> {
              throw new InvalidTaskException(
                  "tasks", "the dependencies form a cycle: " + loop + "; remove one of them");
            });
    Instant now = clock.instant();
    List<StoredTask> tasks = new ArrayList<>();
    for (TaskDefinition definition : normalized) {
      try {
        tasks.add(new StoredTask(definition, nextStates.initial(definition, now)));
      } catch (InvalidTaskException e) { // a cron that never fires
        throw InvalidTaskException.ofTask(definition.id(), e);
      }
    }
    List<StoredTask> stored = store.insertAll(tasks);
    for (StoredTask task : stored) {
      feed.offer(task);
      events.taskAdded(task);
      sayIfLate(task.definition(), now);
    }
    return stored;
  }

  StoredTask update(TaskDefinition definition) {
    TaskDefinition validated = validator.validated(definition);
    return changeTask(
        definition.id(),
        "updated",
        (current, now) -> {
          // The task keeps the creator it had; an update does not change who created it.
          TaskDefinition normalized =
              current.definition().createdBy().isEmpty()
                  ? validated
                  : validated.withCreatedBy(current.definition().createdBy());
          TaskState state = current.state();
          Dependencies before = current.definition().dependencies();
          Dependencies after = normalized.dependencies();
          if (after.taskIds().equals(before.taskIds())
              && after.continueOnFailure() != before.continueOnFailure()
              && !before.isEmpty()
              && state.status() != TaskStatus.WAITING
              && state.status() != TaskStatus.PAUSED) {
            // Its dependencies were judged already: on_failure would change nothing now.
            throw new InvalidTaskException(
                "on_failure",
                "task '"
                    + definition.id()
                    + "' is "
                    + state.status().wireName()
                    + ": its dependencies were judged already, so on_failure no longer changes"
                    + " anything; remove it and add it again with the on_failure it needs");
          }
          if (!after.taskIds().equals(before.taskIds())) {
            if (state.status() != TaskStatus.WAITING) {
              throw new InvalidTaskException(
                  "depends_on",
                  "task '"
                      + definition.id()
                      + "' is "
                      + state.status().wireName()
                      + ": its dependencies can change only while it waits for them; remove it"
                      + " and add it again");
            }
            validator.checkDependenciesExist(normalized, Map.of());
            validator.checkNoCycle(normalized);
            feed.checkLater(normalized.id());
          }
          if (normalized.schedule().equals(current.definition().schedule())) {
            return new Change(normalized, state);
          }
          TaskStatus status = state.status();
          if (status.isTerminal()) {
            throw new InvalidTaskException(
                "schedule",
                "task '"
                    + definition.id()
                    + "' is "
                    + status.wireName()
                    + ": its schedule cannot change. Add a new task (or remove this one and add"
                    + " it again) to run it on a new schedule");
          }
          if (status == TaskStatus.SCHEDULED) {
            Instant fire = fireTimes.first(normalized.schedule(), now);
            return new Change(
                normalized, state.rescheduled(fire, nextStates.jittered(normalized, fire), now));
          }
          return new Change(normalized, state); // RETRY_WAIT, RUNNING, PAUSED: see above
        });
  }

  StoredTask pause(String taskId, String actor) {
    return changeTask(
        taskId,
        "paused by " + actor,
        (current, now) -> {
          TaskStatus status = current.state().status();
          if (status == TaskStatus.PAUSED) {
            return null; // already paused
          }
          if (!status.isQueued() && status != TaskStatus.WAITING) {
            throw refused(
                taskId,
                status,
                status == TaskStatus.RUNNING
                    ? "wait for the run to end, then pause it"
                    : "only scheduled, retry_wait or waiting tasks can be paused");
          }
          return new Change(current.definition(), current.state().paused(now));
        });
  }

  StoredTask resume(String taskId, String actor) {
    return changeTask(
        taskId,
        "resumed by " + actor,
        (current, now) -> {
          TaskState state = current.state();
          if (state.status() != TaskStatus.PAUSED) {
            if (state.status().isQueued()
                || state.status() == TaskStatus.RUNNING
                || state.status() == TaskStatus.WAITING) {
              return null; // not paused: nothing to resume
            }
            throw new IllegalStateException(
                "task '" + taskId + "' is " + state.status().wireName() + ", not paused");
          }
          TaskDefinition definition = current.definition();
          if (!definition.dependencies().isEmpty() && state.fireTime() == null) {
            return new Change(definition, state.waitingAgain(now)); // judged at the next sync
          }
          Schedule schedule = definition.schedule();
          Instant fire = state.fireTime();
          if (schedule.recurring() && fire != null) {
            if (fire.isAfter(now)) {
              return new Change(
                  definition,
                  state.scheduled(
                      fire, nextStates.jittered(definition, fire), 0, state.lastRun(), now));
            }
            // Fire times that passed during the pause follow the missed-fire policy.
            FirePlanner.Plan plan =
                firePlanner.missed(definition, fire, now, "the task was paused");
            List<RunRecord> records = nextStates.notRunRecords(current, plan, now);
            if (plan.next().isEmpty()) {
              return new Change(
                  definition, state.finished(TaskStatus.COMPLETED, state.lastRun(), now), records);
            }
            Instant next = plan.next().get();
            return new Change(
                definition,
                state.scheduled(
                    next, nextStates.dueOf(definition, plan, now), 0, state.lastRun(), now),
                records);
          }
          Instant due =
              switch (schedule) {
                case Schedule.At at -> at.instant().isBefore(now) ? now : at.instant();
                default -> now;
              };
          return new Change(definition, state.scheduled(due, due, 0, state.lastRun(), now));
        });
  }

  StoredTask runNow(String taskId, String actor) {
    return changeTask(
        taskId,
        "made due now by " + actor,
        (current, now) -> {
          TaskState state = current.state();
          TaskStatus status = state.status();
          if (!status.isQueued()) {
            throw refused(
                taskId,
                status,
                switch (status) {
                  case RUNNING -> "wait for its run to end";
                  case PAUSED -> "resume it first (it then runs at its next fire time)";
                  default -> "add a new task to run it again";
                });
          }
          Instant fire =
              status == TaskStatus.SCHEDULED
                  ? now
                  : java.util.Objects.requireNonNull(state.fireTime(), "fireTime");
          return new Change(current.definition(), state.rescheduled(fire, now, now));
        });
  }

  StoredTask retry(String taskId, String actor) {
    return changeTask(
        taskId,
        "retried by " + actor,
        (current, now) -> {
          TaskStatus status = current.state().status();
          if (status != TaskStatus.FAILED) {
            throw refused(
                taskId,
                status,
                switch (status) {
                  case COMPLETED, CANCELLED ->
                      "only a failed task can be retried; add a new task to run it again";
                  case RUNNING -> "wait for its run to end";
                  case PAUSED -> "it has not failed; resume it to queue it again";
                  default -> "it has not failed; scheduler_run_task_now runs it now";
                });
          }
          return new Change(current.definition(), current.state().retried(now, now));
        });
  }

  /**
   * Skips a recurring task's next occurrence: recorded as a {@code skipped} run (saying who skipped
   * it), and the task is due at the occurrence after it (or completes when there is none).
   */
  StoredTask skipNext(String taskId, String actor) {
    return changeTask(
        taskId,
        "next run skipped by " + actor,
        (current, now) -> {
          TaskState state = current.state();
          TaskDefinition definition = current.definition();
          if (!definition.schedule().recurring()) {
            throw new IllegalStateException(
                "task '"
                    + taskId
                    + "' runs once: there is no next occurrence to skip (pause or remove it)");
          }
          Instant fire = state.fireTime();
          if (state.status() != TaskStatus.SCHEDULED || fire == null) {
            throw refused(
                taskId, state.status(), "only a scheduled task's next occurrence can be skipped");
          }
          Optional<Instant> after = fireTimes.next(definition.schedule(), fire);
          FirePlanner.Plan plan =
              new FirePlanner.Plan(
                  List.of(new FirePlanner.NotRun(fire, RunOutcome.SKIPPED, "skipped by " + actor)),
                  after,
                  false);
          List<RunRecord> records = nextStates.notRunRecords(current, plan, now);
          if (after.isEmpty()) {
            throw new IllegalStateException(
                "task '"
                    + taskId
                    + "' has no occurrence after its next one: remove or pause it instead");
          }
          Instant next = after.get();
          return new Change(
              definition,
              state.rescheduled(next, nextStates.jittered(definition, next), now),
              records);
        });
  }

  private record Change(TaskDefinition definition, TaskState state, List<RunRecord> notRun) {
    Change(TaskDefinition definition, TaskState state) {
      this(definition, state, List.of());
    }
  }

  private interface ChangeRule {
    /** The task's new definition and state, or null when nothing is to change. */
    @Nullable Change apply(StoredTask current, Instant now);
  }

  /** Applies {@code rule} with a conditional write, re-reading when another writer won. */
  /**
   * Why a task in {@code status} cannot take this change, and what to do: "task 'x' is paused: …".
   */
  private static IllegalStateException refused(String taskId, TaskStatus status, String why) {
    return new IllegalStateException("task '" + taskId + "' is " + status.wireName() + ": " + why);
  }

  private StoredTask changeTask(String taskId, String what, ChangeRule rule) {
    for (int attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      StoredTask current = store.find(taskId).orElseThrow(() -> new NoSuchTaskException(taskId));
      Change change = rule.apply(current, clock.instant());
      if (change == null) {
        return current;
      }
      Optional<StoredTask> written =
          change.notRun().isEmpty()
              ? store.write(
                  TaskWrite.replace(taskId, current.version(), change.definition(), change.state()))
              : store.write(
                  TaskWrite.updateWithRuns(
                      taskId, current.version(), change.state(), change.notRun()));
      if (written.isPresent()) {
        StoredTask stored = written.get();
        feed.offer(stored);
        log.info("Task {}: {}", taskId, what);
        events.taskChanged(stored);
        events.notRun(stored, change.notRun());
        return stored;
      }
    }
    throw new StoreException(
        "task '"
            + taskId
            + "' was changed by others at each of "
            + MAX_WRITE_ATTEMPTS
            + " tries ("
            + what
            + "); try again");
  }
}
