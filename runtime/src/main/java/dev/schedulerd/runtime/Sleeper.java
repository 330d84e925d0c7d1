package dev.schedulerd.runtime;

import java.time.Duration;

/** Waits; the scheduler's only waits outside its ticker, so that tests can move a clock. */
@FunctionalInterface
interface Sleeper {
  void sleep(Duration wait) throws InterruptedException;
}
