package dev.schedulerd.runtime;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Logs a failure that comes back every round while the store is down or lost (a heartbeat every 5
 * s, a batch of claims): with its trace the first time and whenever its message changes, as one
 * line at debug while it repeats, and in full again after a success.
 */
final class RepeatedFailureLog {
  private final Logger log;
  private final Level level;
  private volatile @Nullable String last;

  RepeatedFailureLog(Logger log, Level level) {
    this.log = log;
    this.level = level;
  }

  void failed(String what, RuntimeException e) {
    String message = String.valueOf(e.getMessage());
    if (message.equals(last)) {
      log.debug("{} (again): {}", what, message);
    } else {
      log.atLevel(level).setCause(e).log(what);
    }
    last = message;
  }

  void succeeded() {
    last = null;
  }
}
