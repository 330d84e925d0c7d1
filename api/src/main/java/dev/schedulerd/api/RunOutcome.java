package dev.schedulerd.api;

import java.util.Locale;

/** How one run ended. */
public enum RunOutcome {
  /** The executor reported success. */
  SUCCESS,
  /** The executor reported failure or threw. */
  FAILED,
  /** The run outlived its timeout and was interrupted. */
  TIMED_OUT,
  /** The scheduler stopped while the run was in flight; the task runs again. */
  INTERRUPTED,
  /** The node running it vanished: its lease expired and another node took the task back. */
  ABANDONED,
  /**
   * Not run: the fire time passed while the scheduler was down or the task was paused (see {@link
   * FirePolicy.MissedFires}); the record's error says why.
   */
  MISSED,
  /** Not run: the previous run still ran (see {@link FirePolicy.Overlap}); the error says why. */
  SKIPPED,
  /**
   * Interrupted on purpose and not retried: a later fire time superseded it ({@link
   * FirePolicy.Overlap#CANCEL_PREVIOUS}).
   */
  CANCELLED;

  /** Whether the attempt counts as failed for the retry policy. */
  public boolean isFailure() {
    return this == FAILED || this == TIMED_OUT || this == ABANDONED;
  }

  /** Whether the record stands for a fire time that never ran. */
  public boolean isNotRun() {
    return this == MISSED || this == SKIPPED;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
