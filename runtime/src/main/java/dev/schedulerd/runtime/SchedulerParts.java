package dev.schedulerd.runtime;

import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.executor.SecretMask;
import dev.schedulerd.api.store.TaskStore;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The scheduler's parts, wired once from its builder: who gets which store, clocks, node id and
 * collaborators. {@link Scheduler} keeps the parts its operations and lifecycle call; the rest live
 * on inside those (runtime/README.md lists them).
 */
final class SchedulerParts {
  final FireTimes fireTimes;
  final DispatchQueue queue;
  final TaskFeed feed;
  final Absences absences;
  final SchedulerEvents events;
  final Heartbeats heartbeats;
  final LeaseRecovery recovery;
  final Runs runs;
  final TaskChanges changes;
  final Claims claims;
  final Ticker tickLoop;
  final StoreSync sync;

  SchedulerParts(
      SchedulerBuilder builder,
      TaskStore store,
      ExecutorRegistry executors,
      Executor runExecutor,
      SyncSignal syncSignal,
      ConcurrentHashMap<String, InFlight> inFlight,
      Supplier<@Nullable Instant> startedAt) {
    Map<String, String> environment = builder.environment;
    SecretMask mask = builder.secretMask;
    SecretMask secretMask = mask != null ? mask : executors.secretMask(environment);
    InstantSource leaseClock = store.sharedClock().orElse(builder.clock);
    this.fireTimes = new FireTimes(builder.defaultZone);
    FirePlanner firePlanner = new FirePlanner(fireTimes);
    NextStates nextStates = new NextStates(fireTimes, firePlanner, builder.random, builder.nodeId);
    WorkShares shares = new WorkShares(builder.nodeId);
    this.queue =
        new DispatchQueue(
            builder.maxConcurrentRuns,
            builder.maxConcurrentRunsPerKind,
            builder.resourceCapacity,
            builder.priorityAging,
            shares);
    this.feed = new TaskFeed(queue, syncSignal);
    Map<String, Integer> resourceCapacity = Map.copyOf(builder.resourceCapacity);
    this.absences = new Absences(builder.nodeId);
    TaskValidator validator =
        new TaskValidator(executors, resourceCapacity, fireTimes, store::find);
    this.events = new SchedulerEvents(builder.listeners);
    this.heartbeats =
        new Heartbeats(
            store, builder.clock, leaseClock, builder.nodeId, startedAt, inFlight::size, shares);
    this.recovery =
        new LeaseRecovery(
            store,
            builder.clock,
            leaseClock,
            builder.nodeId,
            builder.leaseDuration,
            nextStates,
            feed,
            events,
            inFlight::containsKey);
    WaitingTasks waitingTasks =
        new WaitingTasks(store, builder.clock, builder.nodeId, feed, events);
    Sleeper sleeper = builder.sleeper;
    this.runs =
        new Runs(
            store,
            builder.clock,
            builder.nodeId,
            nextStates,
            feed,
            events,
            queue,
            inFlight,
            runExecutor,
            executors::envPolicy,
            environment,
            secretMask,
            sleeper != null ? sleeper : Runs::awaitRetry,
            builder.defaultTimeout,
            recovery);
    RunWatch runWatch =
        new RunWatch(
            inFlight.values(), runs, store, leaseClock, builder.leaseDuration, builder.manualTicks);
    Capacity capacity = new Capacity(queue, inFlight, builder.maxQueuedTasks);
    this.changes =
        new TaskChanges(
            store,
            builder.clock,
            validator,
            capacity,
            nextStates,
            fireTimes,
            firePlanner,
            feed,
            events);
    DueFires dueFires =
        new DueFires(
            store,
            queue,
            feed,
            events,
            syncSignal,
            nextStates,
            firePlanner,
            fireTimes,
            absences,
            capacity::roomFor,
            capacity::unfinished);
    Retention retention =
        new Retention(store, builder.clock, builder.finishedTaskRetention, feed::isNeeded);
    this.sync =
        new StoreSync(
            store, queue, feed, syncSignal, waitingTasks, heartbeats, recovery, retention);
    this.claims =
        new Claims(
            store,
            builder.clock,
            leaseClock,
            builder.nodeId,
            builder.leaseDuration,
            queue,
            executors,
            absences,
            dueFires,
            runs,
            inFlight,
            syncSignal,
            sync::catchUp,
            firePlanner);
    this.tickLoop =
        new Ticker(
            builder.clock,
            queue,
            absences,
            claims,
            runWatch,
            events,
            builder.claimAhead,
            builder.manualTicks);
  }
}
