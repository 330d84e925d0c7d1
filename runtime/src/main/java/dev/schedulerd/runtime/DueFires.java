package dev.schedulerd.runtime;

import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of a recurring task's due fire time that is not run here and now: missed (its
 * missed-fire policy decides which fire times since run), or, under overlap=allow, a one-shot task
 * of its own. Called by whoever claims (the claimer thread, or the ticker).
 */
final class DueFires {
  private static final Logger log = LoggerFactory.getLogger(DueFires.class);

  private final TaskStore store;
  private final DispatchQueue queue;
  private final TaskFeed feed;
  private final SchedulerEvents events;
  private final SyncSignal sync;
  private final NextStates nextStates;
  private final FirePlanner firePlanner;
  private final FireTimes fireTimes;
  private final Absences absences;
  private final IntPredicate room;
  private final IntSupplier unfinished;

  /**
   * @param room whether this many more unfinished tasks fit within max-tasks
   * @param unfinished how many unfinished tasks this node holds, for the log
   */
  DueFires(
      TaskStore store,
      DispatchQueue queue,
      TaskFeed feed,
      SchedulerEvents events,
      SyncSignal sync,
      NextStates nextStates,
      FirePlanner firePlanner,
      FireTimes fireTimes,
      Absences absences,
      IntPredicate room,
      IntSupplier unfinished) {
    this.store = store;
    this.queue = queue;
    this.feed = feed;
    this.events = events;
    this.sync = sync;
    this.nextStates = nextStates;
    this.firePlanner = firePlanner;
    this.fireTimes = fireTimes;
    this.absences = absences;
    this.room = room;
    this.unfinished = unfinished;
  }

  /** A scheduled task as the queue took it, and the fire time it is due for. */
  private record DueFire(StoredTask task, Instant fire) {}

  /**
   * The task of {@code entry} re-read from the store, if it is still the version the queue took and
   * still scheduled for a fire time; null when it changed meanwhile (the change feed brings it).
   */
  private @Nullable DueFire stillAsTaken(QueueEntry entry) {
    StoredTask task = store.find(entry.taskId).orElse(null);
    Instant fire = task == null ? null : task.state().fireTime();
    if (task == null
        || fire == null
        || task.version() != entry.version
        || task.state().status() != TaskStatus.SCHEDULED) {
      return null;
    }
    return new DueFire(task, fire);
  }

  /**
   * A recurring task whose fire time the scheduler reached too late (it was down or overloaded):
   * its missed-fire policy decides which of the fire times since run; the others are recorded.
   */
  void passOverMissed(QueueEntry entry, Instant now) {
    Optional<StoredTask> written = Optional.empty();
    List<RunRecord> notRun = List.of();
    try {
      DueFire due = stillAsTaken(entry);
      if (due != null) {
        StoredTask task = due.task();
        Instant fire = due.fire();
        FirePlanner.Plan plan =
            firePlanner.missed(task.definition(), fire, now, absences.missedCause(fire));
        notRun = nextStates.notRunRecords(task, plan, now);
        TaskState state = task.state();
        TaskState next =
            plan.next().isPresent()
                ? state.rescheduled(
                    plan.next().get(), nextStates.dueOf(task.definition(), plan, now), now)
                : state.finished(TaskStatus.COMPLETED, state.lastRun(), now);
        written = StoreWrites.withRuns(store, task, next, notRun);
      }
    } catch (RuntimeException e) {
      log.warn("Could not pass over the missed fire times of task {}", entry.taskId, e);
    }
    if (written.isPresent()) {
      feed.offer(written.get());
      events.notRun(written.get(), notRun);
    } else {
      queue.untake(entry.taskId, entry.version); // the change feed brings what changed
      sync.request();
    }
  }

  /**
   * Under overlap=allow: the due fire time becomes a one-shot task {@code ID:FIRE_TIME} of its own,
   * so its run may overlap the previous ones, and the task moves on to its next fire time. The run
   * task is added first: its id is fixed by the fire time, so a crash between the two writes
   * re-adds nothing when the fire time is taken again.
   */
  void spawnRunTask(QueueEntry entry, Instant now) {
    Optional<StoredTask> parent = Optional.empty();
    StoredTask child = null;
    try {
      DueFire due = stillAsTaken(entry);
      if (due != null) {
        StoredTask task = due.task();
        Instant fire = due.fire();
        TaskDefinition definition = task.definition();
        Map<String, String> labels = new LinkedHashMap<>(definition.labels());
        labels.put("schedulerd.parent", definition.id());
        TaskDefinition run =
            TaskDefinition.builder(definition.id() + ":" + fire, definition.executorKind())
                .priority(definition.priority())
                .config(definition.config())
                .description(
                    "run of "
                        + definition.id()
                        + " for its fire time "
                        + fire
                        + " (overlap=allow)"
                        + (definition.description().isEmpty()
                            ? ""
                            : ": " + definition.description()))
                .retryPolicy(definition.retryPolicy())
                .timeout(definition.timeout())
                .labels(labels)
                .createdBy(definition.createdBy())
                .resources(definition.resources())
                .build();
        if (!room.test(2)) {
          // A run task is a task too: max-tasks bounds what overlap=allow can pile up. (The
          // parent, taken off the queue while it spawns, is the other one counted here.)
          log.warn(
              "Not starting a run task for fire time {} of task {}: this node holds {} unfinished"
                  + " tasks, its limit (max-tasks)",
              fire,
              definition.id(),
              unfinished.getAsInt());
        } else {
          try {
            child = store.insert(run, TaskState.initial(now, now));
          } catch (DuplicateTaskException e) {
            log.info("Run task {} exists already; moving {} on", run.id(), definition.id());
          }
        }
        Optional<Instant> next = fireTimes.next(definition.schedule(), fire);
        TaskState state = task.state();
        TaskState moved =
            next.isPresent()
                ? state.rescheduled(next.get(), nextStates.jittered(definition, next.get()), now)
                : state.finished(TaskStatus.COMPLETED, state.lastRun(), now);
        parent = store.write(TaskWrite.update(task.id(), task.version(), moved));
      }
    } catch (RuntimeException e) {
      log.warn("Could not start a run task for task {}", entry.taskId, e);
    }
    if (child != null) {
      StoredTask added = child;
      feed.offer(added);
      events.taskAdded(added);
    }
    if (parent.isPresent()) {
      feed.offer(parent.get());
    } else {
      queue.untake(entry.taskId, entry.version);
      sync.request();
    }
  }
}
