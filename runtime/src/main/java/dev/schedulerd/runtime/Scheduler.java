package dev.schedulerd.runtime;

import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.api.store.TaskCounts;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.api.store.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on time. Built with {@link #builder()}; thread-safe.
 *
 * <p><b>How a run happens.</b> The store is the truth; this node keeps a {@link DispatchQueue} of
 * the tasks it may run, fed by its own writes and by the store's change feed. A ticker thread waits
 * exactly until the earliest due instant, takes the due tasks most urgent first while concurrency
 * slots are free, <em>claims</em> each in the store (a conditional write that installs a lease with
 * this node's id) and executes it on a virtual thread. Several schedulers may share a store: only
 * one claim of a given task version succeeds. While a run lasts its lease is renewed; when it ends,
 * the run record and the task's next state are written in one step, fenced by the lease's run id. A
 * node that dies leaves an expired lease behind; any node then records the run as abandoned and
 * requeues the task under its retry policy.
 *
 * <p><b>Threads.</b> One ticker thread, one store-sync thread, and a virtual thread per run (see
 * {@link SchedulerBuilder#manualTicks()} for tests that drive time by hand). Client calls ({@link
 * #add}, {@link #remove}, ...) may come from any thread.
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  /** Bound on a run's result and error text kept in the store. */
  static final int MAX_TEXT = 160 * 1024;

  /**
   * How long a due task waits to gain a priority level: see {@link SchedulerBuilder#priorityAging}.
   */
  public static final Duration DEFAULT_PRIORITY_AGING = Duration.ofMinutes(5);

  /** How often this node tells the store it is alive; three missed beats and it is not listed. */
  static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

  /** Delay before retrying a claim after the store failed. */
  static final Duration STORE_RETRY_DELAY = Duration.ofSeconds(1);

  /** The scheduler's own lifecycle (not a task's). */
  public enum Lifecycle {
    NEW,
    /** {@link #start()} is loading the store's tasks (seconds with a million of them). */
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    CLOSED
  }

  private final TaskStore store;
  private final ExecutorRegistry executors;
  private final InstantSource clock;

  private final FireTimes fireTimes;
  private final LeaseRecovery recovery;
  private final TaskChanges changes;
  private final Claims claims;
  private final StoreSync sync;
  private final Ticker tickLoop;
  private final Runs runs;
  private final DispatchQueue queue;
  private final String nodeId;
  private final Duration syncInterval;
  private final Duration claimAhead;
  private final Duration stopGrace;
  private final SchedulerEvents events;
  private final boolean manualTicks;

  private final ReentrantLock lifecycleLock = new ReentrantLock();
  private volatile Lifecycle lifecycle = Lifecycle.NEW;
  private volatile @Nullable Instant startedAt;

  private final Absences absences;

  private volatile boolean stopRequested;
  private @Nullable Thread ticker; // guarded by lifecycleLock
  private @Nullable Thread syncer; // guarded by lifecycleLock
  private @Nullable Thread claimer; // guarded by lifecycleLock

  /** Whether the builder made the store (in memory), so that closing the scheduler closes it. */
  private final boolean ownsStore;

  private final SyncSignal syncSignal = new SyncSignal();
  private final Runnable syncOnChange = syncSignal::storeChanged;
  private final TaskFeed feed;
  private final Heartbeats heartbeats;

  private final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

  Scheduler(
      SchedulerBuilder builder,
      TaskStore store,
      boolean ownsStore,
      ExecutorRegistry executors,
      Executor runExecutor) {
    this.store = store;
    this.ownsStore = ownsStore;
    this.executors = executors;
    this.clock = builder.clock;
    this.nodeId = builder.nodeId;
    this.syncInterval = builder.syncInterval;
    this.claimAhead = builder.claimAhead;
    this.stopGrace = builder.stopGrace;
    this.manualTicks = builder.manualTicks;
    SchedulerParts parts =
        new SchedulerParts(
            builder, store, executors, runExecutor, syncSignal, inFlight, () -> startedAt);
    this.fireTimes = parts.fireTimes;
    this.queue = parts.queue;
    this.feed = parts.feed;
    this.absences = parts.absences;
    this.events = parts.events;
    this.heartbeats = parts.heartbeats;
    this.recovery = parts.recovery;
    this.runs = parts.runs;
    this.changes = parts.changes;
    this.claims = parts.claims;
    this.tickLoop = parts.tickLoop;
    this.sync = parts.sync;
    store.changeNotifier().ifPresent(notifier -> notifier.addChangeListener(syncOnChange));
  }

  public static SchedulerBuilder builder() {
    return new SchedulerBuilder();
  }

  // ---------------------------------------------------------------- client operations

  /**
   * Validates and stores a new task and queues its first run.
   *
   * @return the task as stored
   * @throws InvalidTaskException when the executor is unknown, the config is refused, or the
   *     schedule is invalid or never fires; nothing is stored then
   * @throws DuplicateTaskException when the id is taken
   * @throws IllegalStateException when this node already holds {@link
   *     SchedulerBuilder#maxQueuedTasks} unfinished tasks
   */
  public StoredTask add(TaskDefinition definition) {
    return changes.add(definition);
  }

  /**
   * Adds the task, or returns the stored one when a task with its id and the same definition
   * (whoever created it) exists: an add that is safe to repeat, e.g. when a client retries after a
   * lost answer.
   *
   * @throws DifferentTaskExistsException when a different task has the id
   * @throws InvalidTaskException as {@link #add}
   */
  public Added addOrGet(TaskDefinition definition) {
    return changes.addOrGet(definition);
  }

  /**
   * Adds a workflow: tasks that depend on each other (and on tasks already stored), all at once or
   * none. Each task waits for its dependencies; one whose dependency fails is skipped unless it
   * continues on failure.
   *
   * @return the tasks as stored, in the order given
   * @throws InvalidTaskException naming the task and field at fault, or the dependency cycle
   * @throws DuplicateTaskException when an id is taken; nothing is added
   */
  public List<StoredTask> addWorkflow(List<TaskDefinition> definitions) {
    return changes.addWorkflow(definitions);
  }

  /**
   * Adds many tasks in one store write, all of them or none: the bulk form of {@link #add}, for a
   * program loading tasks (no cap on their number beyond {@link SchedulerBuilder#maxQueuedTasks}).
   * They may depend on each other and on stored tasks, as in a workflow.
   *
   * @return the tasks as stored, in the order given
   * @throws InvalidTaskException naming the task and field at fault; nothing is added
   * @throws DuplicateTaskException when an id is taken or given twice; nothing is added
   * @throws IllegalStateException when they would not fit within {@link
   *     SchedulerBuilder#maxQueuedTasks}; nothing is added
   */
  public List<StoredTask> addAll(List<TaskDefinition> definitions) {
    return changes.addAll(definitions);
  }

  /**
   * The bulk form of {@link #addOrGet}, safe to repeat: each task already stored with the same
   * definition is answered as it is; the others are added in one store write, all or none.
   *
   * @return what happened to each, in the order given
   * @throws DifferentTaskExistsException when a different task has one of the ids; nothing is added
   * @throws InvalidTaskException as {@link #addAll}; nothing is added
   */
  public List<Added> addAllOrGet(List<TaskDefinition> definitions) {
    return changes.addAllOrGet(definitions);
  }

  /**
   * Replaces a task's definition (same id). A changed schedule takes effect at once for a scheduled
   * task, after the current run for a running one, and on resume for a paused one.
   *
   * @return the task as stored
   * @throws NoSuchTaskException when there is no such task
   * @throws InvalidTaskException as for {@link #add}, or when the schedule of a finished task is
   *     changed (add a new task instead)
   */
  public StoredTask update(TaskDefinition definition) {
    return changes.update(definition);
  }

  /**
   * Holds a queued task: it is not dispatched until {@link #resume}d. {@code actor} (who asked: an
   * MCP client's name, {@code dashboard}, the CLI) goes into the log line that records it, as with
   * every change below.
   *
   * @throws NoSuchTaskException when there is no such task
   * @throws IllegalStateException when it is running or finished (the message says what to do)
   */
  public StoredTask pause(String taskId, String actor) {
    return changes.pause(taskId, actor);
  }

  /**
   * Queues a paused task again: a recurring one at its next fire time from now, a one-shot one at
   * its instant (at once if that has passed).
   *
   * @throws NoSuchTaskException when there is no such task
   * @throws IllegalStateException when it is not paused
   */
  public StoredTask resume(String taskId, String actor) {
    return changes.resume(taskId, actor);
  }

  /**
   * Makes a queued task due now, ahead of its schedule; a recurring task then goes on from its
   * schedule as before.
   *
   * @throws NoSuchTaskException when there is no such task
   * @throws IllegalStateException when it is running, paused or finished (the message says what to
   *     do)
   */
  public StoredTask runNow(String taskId, String actor) {
    return changes.runNow(taskId, actor);
  }

  /**
   * Queues a failed one-shot task again, due now, its attempts counted anew (its retry policy
   * applies again); its earlier runs stay in its history. Tasks that depended on it were judged
   * when it failed and stay as they are.
   *
   * @throws NoSuchTaskException when there is no such task
   * @throws IllegalStateException when it has not failed (the message says what to do)
   */
  public StoredTask retry(String taskId, String actor) {
    return changes.retry(taskId, actor);
  }

  /**
   * Skips a recurring task's next occurrence: a {@code skipped} run is recorded, saying {@code
   * actor} skipped it, and the task is due at the occurrence after.
   *
   * @throws NoSuchTaskException when there is no such task
   * @throws IllegalStateException when the task runs once or is not scheduled
   */
  public StoredTask skipNext(String taskId, String actor) {
    return changes.skipNext(taskId, actor);
  }

  /**
   * Run records of one task ({@code taskId}) or of every task (null), newest first, a page at a
   * time.
   *
   * @throws NoSuchTaskException when {@code taskId} names no task
   * @throws IllegalArgumentException when {@code cursor} is not one a page gave
   */
  public RunPage runPage(@Nullable String taskId, int limit, @Nullable String cursor) {
    if (taskId != null && store.find(taskId).isEmpty()) {
      throw new NoSuchTaskException(taskId);
    }
    return store.runPage(taskId, limit, cursor);
  }

  /** Adds a listener after the scheduler was built (e.g. the MCP server's notifications). */
  public void addListener(SchedulerListener listener) {
    events.add(listener);
  }

  /** Removes a listener added with {@link #addListener}, e.g. when an MCP session ends. */
  public void removeListener(SchedulerListener listener) {
    events.remove(listener);
  }

  /** The task as stored now. */
  public Optional<StoredTask> get(String taskId) {
    return store.find(taskId);
  }

  /** The tasks {@code query} selects, a page in id order; the store filters where it can. */
  public TaskPage tasks(TaskQuery query) {
    return store.query(query);
  }

  /** How many tasks there are, by status and priority; the store counts where it can. */
  public TaskCounts counts() {
    return store.counts();
  }

  /** Every task, by id. */
  public List<StoredTask> list() {
    return store.list();
  }

  /** The task's runs, newest first, at most {@code limit}. */
  public List<RunRecord> runs(String taskId, int limit) {
    return store.runs(taskId, limit);
  }

  /**
   * Removes a task and its records. A run of it in flight on this node is interrupted and not
   * recorded.
   *
   * @return whether the task existed
   */
  public boolean remove(String taskId, String actor) {
    boolean removed = store.delete(taskId);
    queue.remove(taskId, Long.MAX_VALUE);
    for (InFlight run : inFlight.values()) {
      if (run.taskId().equals(taskId) && run.settle()) {
        run.cancel();
        runs.drop(run);
      }
    }
    if (removed) {
      log.info("Task {} removed by {}", taskId, actor);
      events.taskRemoved(taskId);
      feed.removed(taskId);
    }
    return removed;
  }

  public ExecutorRegistry executors() {
    return executors;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The clock this scheduler runs by: what "now" is for its schedules and previews. */
  public InstantSource clock() {
    return clock;
  }

  public ZoneId defaultZone() {
    return fireTimes.defaultZone();
  }

  /** When a schedule fires next after {@code after}; empty for one-shot schedules. */
  public Optional<Instant> nextFireTime(Schedule schedule, Instant after) {
    Schedule normalized = fireTimes.normalize(schedule);
    return normalized.recurring()
        ? fireTimes.following(normalized, after, after)
        : Optional.of(fireTimes.first(normalized, after));
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Loads the store and starts dispatching. Runs that other nodes left behind are recovered once
   * their leases expire. Does nothing when already running.
   *
   * @throws IllegalStateException when closed
   */
  public void start() {
    lifecycleLock.lock();
    try {
      switch (lifecycle) {
        case RUNNING -> {
          return;
        }
        case CLOSED -> throw new IllegalStateException("the scheduler is closed");
        case NEW, STARTING, STOPPED, STOPPING -> {}
      }
      Lifecycle before = lifecycle;
      lifecycle = Lifecycle.STARTING;
      try {
        startLocked();
      } catch (RuntimeException | Error e) {
        lifecycle = before;
        throw e;
      }
    } finally {
      lifecycleLock.unlock();
    }
  }

  /** Requires lifecycleLock held. */
  private void startLocked() {
    stopRequested = false;
    Instant starting = clock.instant(); // before loading: fire times due meanwhile are not missed
    absences.started(starting, heartbeats.othersUp());
    queue.clear();
    sync.rewind();
    sync.once();
    recovery.recoverOwnFromBefore();
    startedAt = clock.instant();
    heartbeats.beatNow(); // listed from the start
    tickLoop.resetCount();
    runs.resetCount();
    int queued = queue.size();
    if (!manualTicks) {
      if (!claimAhead.isZero()) {
        // Before the ticker starts: its first batches go to this queue, and clearing it later
        // would lose them (taken from the dispatch queue, never claimed).
        claims.clearRequests();
        claimer = Thread.ofVirtual().name("schedulerd-claimer").start(claims::claimLoop);
      }
      // The one latency-critical thread gets a carrier of its own: virtual threads share the
      // carriers with runs and with store calls that pin them in native code (SQLite), and a
      // due run then waits for a free carrier before it can start.
      ticker =
          Thread.ofPlatform()
              .name("schedulerd-ticker")
              .daemon()
              .start(() -> tickLoop.run(() -> stopRequested));
      syncer =
          Thread.ofVirtual()
              .name("schedulerd-store-sync")
              .start(() -> sync.run(syncInterval, () -> stopRequested));
    }
    lifecycle = Lifecycle.RUNNING;
    log.info(
        "Scheduler started on node {} with {} queued task(s); executors: {}",
        nodeId,
        queued,
        executors.kinds());
  }

  /**
   * Stops dispatching, lets runs in flight finish within the stop grace period, then interrupts the
   * rest and records them as interrupted: they run again on the next start (or on another node).
   * Nothing is lost. Does nothing unless running.
   */
  public void stop() {
    lifecycleLock.lock();
    try {
      if (lifecycle != Lifecycle.RUNNING) {
        return;
      }
      lifecycle = Lifecycle.STOPPING;
      stopRequested = true;
      queue.wakeTicker();
      requestSync();
      joinQuietly(ticker);
      joinQuietly(syncer);
      if (claimer != null) {
        claims.stopClaimer();
        joinQuietly(claimer);
      }
      ticker = null;
      syncer = null;
      claimer = null;
      claims.handBack();
      boolean drained;
      try {
        drained = queue.awaitDrained(stopGrace);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        drained = false;
      }
      if (!drained) {
        for (InFlight run : List.copyOf(inFlight.values())) {
          if (run.settle()) {
            run.cancel();
            runs.finish(
                run,
                RunOutcome.INTERRUPTED,
                null,
                "the scheduler stopped before the run ended (grace period "
                    + stopGrace
                    + "); it runs again",
                true);
          }
        }
      }
      queue.clear();
      lifecycle = Lifecycle.STOPPED;
      log.info("Scheduler stopped on node {}", nodeId);
    } finally {
      lifecycleLock.unlock();
    }
  }

  /** {@link #stop()} then {@link #start()}. */
  public void restart() {
    lifecycleLock.lock();
    try {
      stop();
      start();
    } finally {
      lifecycleLock.unlock();
    }
  }

  /**
   * Stops for good. A store given to the builder stays open: whoever opened it closes it (after the
   * schedulers sharing it). The in-memory store the builder made when given none is closed.
   */
  @Override
  public void close() {
    lifecycleLock.lock();
    try {
      stop();
      store.changeNotifier().ifPresent(notifier -> notifier.removeChangeListener(syncOnChange));
      if (ownsStore && lifecycle != Lifecycle.CLOSED) {
        store.close();
      }
      lifecycle = Lifecycle.CLOSED;
    } finally {
      lifecycleLock.unlock();
    }
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  public SchedulerStatus status() {
    Lifecycle current = lifecycle;
    Instant started = startedAt;
    Duration uptime =
        current == Lifecycle.RUNNING && started != null
            ? Duration.between(started, clock.instant())
            : Duration.ZERO;
    return new SchedulerStatus(
        current,
        nodeId,
        started,
        uptime.isNegative() ? Duration.ZERO : uptime,
        tickLoop.wakeUps(),
        runs.started(),
        inFlight.size(),
        queue.depth(),
        queue.nextDue(),
        executors.kinds());
  }

  /**
   * Does now what the ticker and the sync thread would: pulls the store's changes, recovers expired
   * leases, dispatches what is due, times out overdue runs and renews leases. For schedulers built
   * with {@link SchedulerBuilder#manualTicks()}, whose tests move a manual clock and then call
   * this; harmless otherwise.
   */
  public void runDue() {
    if (lifecycle != Lifecycle.RUNNING) {
      throw new IllegalStateException("the scheduler is " + lifecycle + ", not RUNNING");
    }
    sync.once();
    tickLoop.tickOnce();
  }

  /**
   * Holds every task on this node without stopping it: nothing new starts (runs claimed ahead are
   * handed back), runs in flight go on, clients keep adding and changing tasks. Fire times that
   * pass meanwhile follow each task's missed-fire policy on {@link #resumeDispatch}. Not kept
   * across restarts. Does nothing when already paused.
   */
  public void pauseDispatch() {
    if (absences.pause(clock.instant())) {
      log.info("Dispatch paused on node {}", nodeId);
    }
    queue.wakeTicker();
  }

  /** Ends {@link #pauseDispatch}. Does nothing when not paused. */
  public void resumeDispatch() {
    if (absences.resume(clock.instant())) {
      log.info("Dispatch resumed on node {}", nodeId);
    }
    queue.wakeTicker();
  }

  /** When dispatch was paused, if it is. */
  public Optional<Instant> dispatchPausedSince() {
    return absences.pausedSince();
  }

  /** Makes the ticker re-read the clock at once, e.g. after a manual clock was moved. */
  public void wakeUp() {
    queue.wakeTicker();
  }

  // ---------------------------------------------------------------- store sync and recovery

  private void requestSync() {
    syncSignal.request();
  }

  /**
   * What keeps the store from being written safely ({@link TaskStore#problem()}), or empty. A store
   * that fails to say is reported as such, never as healthy.
   */
  public Optional<String> storeProblem() {
    try {
      return store.problem();
    } catch (RuntimeException e) {
      return Optional.of("the store could not report its state: " + e.getMessage());
    }
  }

  /** The nodes sharing the store that sent a heartbeat in the last three intervals. */
  public List<NodeInfo> nodes() {
    return heartbeats.nodes();
  }

  // ---------------------------------------------------------------- helpers

  private static void joinQuietly(@Nullable Thread thread) {
    if (thread == null) {
      return;
    }
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
