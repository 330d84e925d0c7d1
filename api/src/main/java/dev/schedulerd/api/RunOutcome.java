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
  ABANDONED;

  /** Whether the attempt counts as failed for the retry policy. */
  public boolean isFailure() {
    return this == FAILED || this == TIMED_OUT || this == ABANDONED;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
