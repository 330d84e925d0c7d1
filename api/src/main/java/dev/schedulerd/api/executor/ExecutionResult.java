package dev.schedulerd.api.executor;

import java.util.Objects;

/** What one attempt produced, as its executor reports it. */
public sealed interface ExecutionResult {

  /** The attempt succeeded; {@code output} (possibly empty) becomes the run's result text. */
  record Success(String output) implements ExecutionResult {
    public Success {
      Objects.requireNonNull(output, "output");
    }
  }

  /**
   * The attempt failed. When {@code retryable} is false the task is not tried again, whatever its
   * retry policy says (a config the target rejects will not get better on the second try).
   */
  record Failure(String error, boolean retryable) implements ExecutionResult {
    public Failure {
      Objects.requireNonNull(error, "error");
    }
  }

  static ExecutionResult success(String output) {
    return new Success(output);
  }

  static ExecutionResult success() {
    return new Success("");
  }

  /** A failure the retry policy may try again. */
  static ExecutionResult failure(String error) {
    return new Failure(error, true);
  }

  /** A failure that retrying cannot fix. */
  static ExecutionResult permanentFailure(String error) {
    return new Failure(error, false);
  }
}
