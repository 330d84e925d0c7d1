package dev.schedulerd.runtime;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.api.store.TaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running store bounded: removes tasks that ended (completed, failed for good,
 * cancelled) longer than the retention ago, with their run records, so that months of one-shot
 * tasks do not pile up in the store, in listings and in every node's start-up. A task that a task
 * still to run depends on stays (removing it would skip that task). Each removal is conditional on
 * the version the sweep read, so a task a client revived meanwhile stays.
 *
 * <p>Runs on the store-sync thread a little at a time: a pass over the ended tasks starts a minute
 * after start and every ten minutes after, and each sync round looks at one page of {@value #PAGE}
 * tasks and removes at most {@value #MAX_REMOVED_PER_ROUND}, so a store with months of ended tasks
 * is cleaned over some minutes while changes, leases and heartbeats go on between.
 */
final class Retention {
  private static final Logger log = LoggerFactory.getLogger(Retention.class);

  static final Duration FIRST_SWEEP_AFTER = Duration.ofMinutes(1);
  static final Duration SWEEP_EVERY = Duration.ofMinutes(10);
  static final int PAGE = 500;
  static final int MAX_REMOVED_PER_ROUND = 100;

  private static final List<TaskStatus> ENDED =
      Arrays.stream(TaskStatus.values()).filter(TaskStatus::isTerminal).toList();

  private final TaskStore store;
  private final InstantSource clock;
  private final Duration keep;
  private final Predicate<String> neededByAnother;

  // The sync thread's: when the next pass starts, and where the one under way stands.
  private @Nullable Instant nextPass;
  private boolean passing;
  private int status;
  private @Nullable String afterId;
  private int removedInPass;
  private boolean failing;

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

  /** One round's share of the pass under way, or of one that is due; returns the removals. */
  int sweepIfDue() {
    if (keep.isZero()) {
      return 0;
    }
    Instant now = clock.instant();
    if (nextPass == null) {
      nextPass = now.plus(FIRST_SWEEP_AFTER); // not at start: the node has more urgent work
      return 0;
    }
    if (!passing) {
      if (now.isBefore(nextPass)) {
        return 0;
      }
      passing = true;
      status = 0;
      afterId = null;
      removedInPass = 0;
    }
    try {
      int removed = round(now.minus(keep));
      removedInPass += removed;
      failing = false;
      return removed;
    } catch (RuntimeException e) {
      if (!failing) {
        log.warn(
            "Removing ended tasks failed ({}); trying again in {}", e.getMessage(), SWEEP_EVERY);
        failing = true;
      }
      passing = false;
      nextPass = now.plus(SWEEP_EVERY);
      return 0;
    }
  }

  /** Looks at up to a page of the pass's tasks; ends the pass after the last. */
  private int round(Instant cutoff) {
    int removed = 0;
    int looked = 0;
    while (looked < PAGE) {
      TaskQuery query =
          new TaskQuery(ENDED.get(status), null, null, null, null, null, PAGE - looked)
              .after(afterId);
      TaskPage page = store.query(query);
      for (StoredTask task : page.tasks()) {
        if (removed >= MAX_REMOVED_PER_ROUND) {
          return removed; // from this task on at the next round
        }
        looked++;
        afterId = task.id();
        if (task.state().updatedAt().isBefore(cutoff)
            && !neededByAnother.test(task.id())
            && store.delete(task.id(), task.version())) {
          removed++;
        }
      }
      afterId = page.nextCursor();
      if (afterId == null && ++status == ENDED.size()) {
        passing = false;
        nextPass = clock.instant().plus(SWEEP_EVERY);
        if (removedInPass + removed > 0) {
          log.info(
              "Removed {} task(s) that ended more than {} h ago, with their runs (retention)",
              removedInPass + removed,
              keep.toHours());
        }
        return removed;
      }
      if (afterId != null) {
        return removed; // the page was full: the rest at the next round
      }
    }
    return removed;
  }
}
