package dev.schedulerd.api.store;

import dev.schedulerd.api.RunRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@link TaskStore#runPage}.
 *
 * @param nextCursor what to pass for the next page; null on the last page
 */
public record RunPage(List<RunRecord> runs, @Nullable String nextCursor) {
  /** Newest first: by end instant, then run id. */
  public static final Comparator<RunRecord> NEWEST_FIRST =
      Comparator.comparing(RunRecord::finishedAt).thenComparing(RunRecord::runId).reversed();

  public RunPage {
    Objects.requireNonNull(runs, "runs");
    runs = List.copyOf(runs);
  }

  /** The default cursor of a run: its end instant and run id. */
  public static String cursorOf(RunRecord run) {
    return run.finishedAt() + "/" + run.runId();
  }

  /**
   * The page of {@code all} (any order) that follows {@code cursor}, for stores without a run
   * index: sorts them {@link #NEWEST_FIRST} and returns the {@code limit} after the cursor's run.
   *
   * @throws IllegalArgumentException when {@code cursor} is not one {@link #cursorOf} gave
   */
  public static RunPage pageOf(List<RunRecord> all, int limit, @Nullable String cursor) {
    List<RunRecord> sorted = new java.util.ArrayList<>(all);
    sorted.sort(NEWEST_FIRST);
    int start = 0;
    if (cursor != null) {
      int slash = cursor.indexOf('/');
      java.time.Instant finishedAt;
      try {
        finishedAt = java.time.Instant.parse(slash < 0 ? cursor : cursor.substring(0, slash));
      } catch (java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException("cursor '" + cursor + "' is not one this store gave", e);
      }
      String runId = cursor.substring(slash + 1);
      while (start < sorted.size() && !isAfter(sorted.get(start), finishedAt, runId)) {
        start++;
      }
    }
    int end = Math.min(sorted.size(), start + limit);
    List<RunRecord> page = sorted.subList(start, end);
    String next =
        end < sorted.size() && !page.isEmpty() ? cursorOf(page.get(page.size() - 1)) : null;
    return new RunPage(page, next);
  }

  /** Whether {@code run} comes after the cursor's run in newest-first order. */
  private static boolean isAfter(RunRecord run, java.time.Instant finishedAt, String runId) {
    int byEnd = run.finishedAt().compareTo(finishedAt);
    return byEnd < 0 || (byEnd == 0 && run.runId().compareTo(runId) < 0);
  }
}
