package dev.schedulerd.runtime;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.api.store.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running store bounded: removes tasks that ended (completed, failed for good,
 * cancelled) longer than the retention ago, with their run records, so that months of one-shot
 * tasks do not pile up in the store, in listings and in every node's start-up. A task that a task
 * still to run depends on stays (removing it would skip that task). Each removal is conditional on
 * the version the sweep read, so a task a client revived meanwhile stays. Runs on the store-sync
 * thread, at most {@value #MAX_REMOVED_PER_ROUND} removals per round, a sweep every ten minutes (at
 * once again while it had more to remove).
 */
final class Retention {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  static final int MAX_REMOVED_PER_ROUND = 1_000;
  static final Duration SWEEP_EVERY = Duration.ofMinutes(10);
  private static final int PAGE = 500;

  private final TaskStore store;
  private final InstantSource clock;
  private final Duration keep;
  private final Predicate<String> neededByAnother;
  private @Nullable Instant nextSweep; // the sync thread's

  /**
   * @param keep how long an ended task stays; zero keeps them all
   * @param neededByAnother whether a task that has not ended depends on this one
   */
  Retention(
      TaskStore store, InstantSource clock, Duration keep, Predicate<String> neededByAnother) {
    this.store = store;
    this.clock = clock;
    this.keep = keep;
    this.neededByAnother = neededByAnother;
  }

  /** Sweeps when one is due; returns how many tasks it removed. */
  int sweepIfDue() {
    if (keep.isZero()) {
      return 0;
    }
    Instant now = clock.instant();
    if (nextSweep != null && now.isBefore(nextSweep)) {
      return 0;
    }
    int removed = sweep(now.minus(keep));
    nextSweep = removed >= MAX_REMOVED_PER_ROUND ? now : now.plus(SWEEP_EVERY);
    if (removed > 0) {
      log.info(
          "Removed {} task(s) that ended more than {} h ago, with their runs (retention)",
          removed,
          keep.toHours());
    }
    return removed;
  }

  /** Removes ended tasks last written before {@code cutoff}, up to the round's limit. */
  private int sweep(Instant cutoff) {
    int removed = 0;
    for (TaskStatus status : TaskStatus.values()) {
      if (!status.isTerminal()) {
        continue;
      }
      TaskQuery query = new TaskQuery(status, null, null, null, null, null, PAGE);
      while (true) {
        TaskPage page = store.query(query);
        for (StoredTask task : page.tasks()) {
          if (task.state().updatedAt().isBefore(cutoff)
              && !neededByAnother.test(task.id())
              && store.delete(task.id(), task.version())) {
            if (++removed >= MAX_REMOVED_PER_ROUND) {
              return removed;
            }
          }
        }
        String next = page.nextCursor();
        if (next == null) {
          break;
        }
        query = query.after(next);
      }
    }
    return removed;
  }
}
