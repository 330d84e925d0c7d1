package dev.schedulerd.runtime;

import dev.schedulerd.api.executor.SecretMask;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link Scheduler}. Every setter checks its argument at once and says what would be
 * accepted. Only the executors matter for a first try; everything else has a default (an in-memory
 * store, the system clock, UTC).
 */
public final class SchedulerBuilder {
  @Nullable TaskStore store;
  @Nullable ExecutorRegistry executors;
  final List<TaskExecutor> singleExecutors = new ArrayList<>();
  InstantSource clock = InstantSource.system();
  Map<String, String> environment = System.getenv();
  @Nullable SecretMask secretMask;
  ZoneId defaultZone = ZoneId.of("UTC");
  int maxConcurrentRuns = 64;
  int maxQueuedTasks = Integer.MAX_VALUE;
  final Map<String, Integer> maxConcurrentRunsPerKind = new ConcurrentHashMap<>();
  final Map<String, Integer> resourceCapacity = new ConcurrentHashMap<>();
  Duration priorityAging = Scheduler.DEFAULT_PRIORITY_AGING;
  String nodeId = defaultNodeId();
  Duration leaseDuration = Duration.ofSeconds(30);
  Duration syncInterval = Duration.ofSeconds(1);
  Duration finishedTaskRetention = DEFAULT_FINISHED_TASK_RETENTION;

  /** How long a task that ended stays in the store, unless {@link #finishedTaskRetention} says. */
  public static final Duration DEFAULT_FINISHED_TASK_RETENTION = Duration.ofDays(7);

  /** How far ahead of their due instant runs are claimed, unless {@link #claimAhead} says. */
  public static final Duration DEFAULT_CLAIM_AHEAD = Duration.ofMillis(500);

  Duration claimAhead = DEFAULT_CLAIM_AHEAD;
  Duration stopGrace = Duration.ofSeconds(2);
  Duration defaultTimeout = Duration.ofHours(1);
  @Nullable Sleeper sleeper;

  DoubleSupplier random = () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();
  @Nullable Executor runExecutor;
  final List<SchedulerListener> listeners = new ArrayList<>();
  boolean manualTicks;

  SchedulerBuilder() {}

  /**
   * Where tasks live. The caller owns it: {@link Scheduler#close()} leaves it open, so that several
   * schedulers (or a restart) can share it; close it after the schedulers. Without one, the
   * scheduler keeps its tasks in an {@link InMemoryTaskStore} of its own, closed with it.
   */
  public SchedulerBuilder store(TaskStore store) {
    this.store = requireNonNull(store, "store");
    return this;
  }

  /**
   * The executors, configured; by default those {@link java.util.ServiceLoader} finds. Not together
   * with {@link #executor}.
   */
  public SchedulerBuilder executors(ExecutorRegistry executors) {
    this.executors = requireNonNull(executors, "executors");
    return this;
  }

  /**
   * Adds one executor (call it once per kind): the executors are then exactly those added, as
   * {@link ExecutorRegistry#of(TaskExecutor...)} would make them. Not together with {@link
   * #executors}.
   */
  public SchedulerBuilder executor(TaskExecutor executor) {
    this.singleExecutors.add(requireNonNull(executor, "executor"));
    return this;
  }

  /** Wall time; tests pass a manual clock. Default: the system clock. */
  public SchedulerBuilder clock(InstantSource clock) {
    this.clock = requireNonNull(clock, "clock");
    return this;
  }

  /**
   * What is hidden in every run's result, error and log lines. Default: the values of the
   * environment's variables that the executors' {@code allow-env} allow; a daemon hides more
   * ({@link SecretMask#daemon}).
   */
  public SchedulerBuilder secretMask(SecretMask mask) {
    this.secretMask = requireNonNull(mask, "mask");
    return this;
  }

  /**
   * Where tasks' {@code ${env:NAME}} references are read from, for the names the operator allows.
   * Default: the daemon's environment.
   */
  public SchedulerBuilder environment(Map<String, String> environment) {
    this.environment = Map.copyOf(requireNonNull(environment, "environment"));
    return this;
  }

  /** The zone of cron schedules that name none. Default: UTC. */
  public SchedulerBuilder defaultZone(ZoneId zone) {
    this.defaultZone = requireNonNull(zone, "zone");
    return this;
  }

  /**
   * Unfinished tasks this node takes; an add beyond it is refused. Default: no limit (the daemon
   * sets one from its config, since its clients are not trusted).
   */
  public SchedulerBuilder maxQueuedTasks(int max) {
    requireArgument(max >= 1, "max queued tasks must be at least 1, got %s", max);
    this.maxQueuedTasks = max;
    return this;
  }

  /** Runs executing at once on this node, all kinds together. Default 64. */
  public SchedulerBuilder maxConcurrentRuns(int max) {
    requireArgument(
        max >= 1 && max <= 100_000, "max concurrent runs must be 1-100000, got %s", max);
    this.maxConcurrentRuns = max;
    return this;
  }

  /** Runs of one executor kind executing at once on this node. Default: no limit per kind. */
  public SchedulerBuilder maxConcurrentRuns(String executorKind, int max) {
    requireArgument(
        max >= 1, "max concurrent runs of kind '%s' must be at least 1, got %s", executorKind, max);
    this.maxConcurrentRunsPerKind.put(requireNonNull(executorKind, "executorKind"), max);
    return this;
  }

  /** This node's id in leases and run records. Default: host name and process id. */
  /**
   * Units of a named resource on this node: at most {@code capacity} runs that name it in their
   * {@link TaskDefinition#resources()} run at once. Tasks may only name resources configured here
   * (on the node that adds them); a node without the resource never runs them.
   */
  public SchedulerBuilder resourceCapacity(String resource, int capacity) {
    requireArgument(capacity >= 1, "resource %s needs a capacity of at least 1", resource);
    resourceCapacity.put(resource, capacity);
    return this;
  }

  /**
   * A due task gains one priority level for every {@code step} it waits, so that a steady stream of
   * urgent tasks cannot keep a low one from running forever. Default 5 min; zero for strict
   * priority.
   */
  public SchedulerBuilder priorityAging(Duration step) {
    requireArgument(!step.isNegative(), "priority aging must not be negative, got %s", step);
    this.priorityAging = step;
    return this;
  }

  public SchedulerBuilder nodeId(String nodeId) {
    requireArgument(!nodeId.isBlank(), "node id must not be blank");
    this.nodeId = nodeId;
    return this;
  }

  /**
   * How long a claim holds without renewal; renewed every half of it while the run lasts. A crashed
   * node's runs are recovered this long after its last renewal. Default 30 s.
   */
  public SchedulerBuilder leaseDuration(Duration duration) {
    requireArgument(
        duration.compareTo(Duration.ofMillis(100)) >= 0,
        "lease duration must be at least 100 ms, got %s",
        duration);
    this.leaseDuration = duration;
    return this;
  }

  /**
   * How long a task that ended (completed, failed for good, cancelled) stays in the store, with its
   * run records, before the scheduler removes it; zero keeps every task. A task that a task still
   * to run depends on stays. Default 7 days.
   */
  public SchedulerBuilder finishedTaskRetention(Duration retention) {
    requireArgument(
        !retention.isNegative(), "finished task retention must not be negative, got %s", retention);
    this.finishedTaskRetention = retention;
    return this;
  }

  /**
   * Bound on how long it takes to notice tasks that other processes changed in a shared store
   * (stores that announce changes are noticed at once). Default 1 s.
   */
  public SchedulerBuilder syncInterval(Duration interval) {
    requireArgument(
        interval.compareTo(Duration.ofMillis(10)) >= 0,
        "sync interval must be at least 10 ms, got %s",
        interval);
    this.syncInterval = interval;
    return this;
  }

  /**
   * How long before its due instant a run is claimed. Claims are written in batches on their own
   * thread, so a run starts at its due instant without waiting for the store; a claimed run holds
   * its concurrency slot from the claim on. Zero claims at the due instant, on the ticker. Must be
   * less than half the lease duration. Default 500 ms.
   */
  public SchedulerBuilder claimAhead(Duration ahead) {
    requireArgument(!ahead.isNegative(), "claim look-ahead must not be negative, got %s", ahead);
    this.claimAhead = ahead;
    return this;
  }

  /** How long {@link Scheduler#stop()} lets runs in flight finish. Default 2 s. */
  public SchedulerBuilder stopGrace(Duration grace) {
    requireArgument(!grace.isNegative(), "stop grace must not be negative, got %s", grace);
    this.stopGrace = grace;
    return this;
  }

  /** The timeout of tasks that set none. Default 1 h. */
  public SchedulerBuilder defaultTimeout(Duration timeout) {
    requireArgument(
        timeout.compareTo(Duration.ZERO) > 0, "default timeout must be positive, got %s", timeout);
    this.defaultTimeout = timeout;
    return this;
  }

  /** Source of the retry jitter, values in [0, 1). Tests pass a constant. */
  /** How the scheduler waits before writing to an unreachable store again; tests move a clock. */
  SchedulerBuilder sleeper(Sleeper sleeper) {
    this.sleeper = requireNonNull(sleeper, "sleeper");
    return this;
  }

  public SchedulerBuilder random(DoubleSupplier random) {
    this.random = requireNonNull(random, "random");
    return this;
  }

  /** Where runs execute. Default: a new virtual thread per run. */
  public SchedulerBuilder runExecutor(Executor executor) {
    this.runExecutor = requireNonNull(executor, "executor");
    return this;
  }

  public SchedulerBuilder listener(SchedulerListener listener) {
    this.listeners.add(requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Starts no ticker or sync thread: time moves only when the caller invokes {@link
   * Scheduler#runDue()}. For deterministic tests with a manual clock.
   */
  public SchedulerBuilder manualTicks() {
    this.manualTicks = true;
    return this;
  }

  public Scheduler build() {
    requireArgument(
        claimAhead.compareTo(leaseDuration.dividedBy(2)) < 0,
        "claim look-ahead %s must be less than half the lease duration %s",
        claimAhead,
        leaseDuration);
    if (executors != null && !singleExecutors.isEmpty()) {
      throw new IllegalStateException(
          "both executors(registry) and executor(...) were called: add every executor one way");
    }
    TaskStore given = store;
    boolean ownsStore = given == null;
    TaskStore chosenStore = given != null ? given : new InMemoryTaskStore();
    ExecutorRegistry chosenExecutors =
        executors != null
            ? executors
            : !singleExecutors.isEmpty()
                ? ExecutorRegistry.of(singleExecutors)
                : ExecutorRegistry.load(Thread.currentThread().getContextClassLoader());
    Executor chosenRunExecutor =
        runExecutor != null
            ? runExecutor
            : java.util.concurrent.Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("schedulerd-run-", 0).factory());
    return new Scheduler(this, chosenStore, ownsStore, chosenExecutors, chosenRunExecutor);
  }

  private static String defaultNodeId() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "node";
      }
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  private static <T> T requireNonNull(@Nullable T value, String name) {
    if (value == null) {
      throw new NullPointerException(name + " must not be null");
    }
    return value;
  }

  private static void requireArgument(boolean condition, String message, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, message, args));
    }
  }
}
