package dev.schedulerd.api.store;

import dev.schedulerd.api.RunRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@link TaskStore#allRuns}.
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
}
