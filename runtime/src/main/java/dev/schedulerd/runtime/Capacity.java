package dev.schedulerd.runtime;

import java.util.Map;

/**
 * How many unfinished tasks this node holds (queued, or running here), against the operator's
 * max-tasks: a client could otherwise fill the disk with tasks each within its own limits.
 */
final class Capacity {
  private final DispatchQueue queue;
  private final Map<String, InFlight> inFlight;
  private final int maxQueuedTasks;

  Capacity(DispatchQueue queue, Map<String, InFlight> inFlight, int maxQueuedTasks) {
    this.queue = queue;
    this.inFlight = inFlight;
    this.maxQueuedTasks = maxQueuedTasks;
  }

  /**
   * A client could otherwise fill the disk with tasks each within its own limits: the tasks on this
   * node's queue (every one not finished) are bounded by {@link SchedulerBuilder#maxQueuedTasks}.
   */
  void checkRoomFor(int added) {
    if (!roomFor(added)) {
      // Not a fault of the task: the daemon is full, so no field is named.
      throw new IllegalStateException(
          "this daemon holds "
              + unfinished()
              + " unfinished tasks and takes at most "
              + maxQueuedTasks
              + " (the operator's max-tasks); remove tasks that are no longer needed first");
    }
  }

  /**
   * Whether {@code added} more unfinished tasks stay within {@link
   * SchedulerBuilder#maxQueuedTasks}.
   */
  boolean roomFor(int added) {
    // No limit: the queue's lock is not taken to count.
    return maxQueuedTasks == Integer.MAX_VALUE || unfinished() + (long) added <= maxQueuedTasks;
  }

  /** Tasks on this node's queue and those running here (a running task is off the queue). */
  int unfinished() {
    return queue.size() + inFlight.size();
  }
}
