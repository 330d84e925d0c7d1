package dev.schedulerd.runtime;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of what the scheduler is doing.
 *
 * @param startedAt when it last started; null if it never did
 * @param uptime time since {@code startedAt} while running, zero otherwise
 * @param wakeUps how often the ticker woke up since it started: a measure of idle cost, since it
 *     wakes only for due work, deadlines and signals
 * @param dispatched runs this node claimed and started since it started
 * @param inFlight runs executing now on this node
 * @param queueDepth tasks waiting on this node's queue, by status and priority
 * @param nextDueAt the earliest due instant on the queue, null when it is empty
 */
public record SchedulerStatus(
    Scheduler.Lifecycle lifecycle,
    String nodeId,
    @Nullable Instant startedAt,
    Duration uptime,
    long wakeUps,
    long dispatched,
    int inFlight,
    Map<TaskStatus, Map<Priority, Integer>> queueDepth,
    @Nullable Instant nextDueAt,
    List<String> executorKinds) {

  public SchedulerStatus {
    queueDepth = Map.copyOf(queueDepth);
    executorKinds = List.copyOf(executorKinds);
  }

  public boolean running() {
    return lifecycle == Scheduler.Lifecycle.RUNNING;
  }

  /** Tasks waiting on this node's queue, all statuses and priorities. */
  public int queued() {
    return queueDepth.values().stream()
        .flatMap(byPriority -> byPriority.values().stream())
        .mapToInt(Integer::intValue)
        .sum();
  }
}
