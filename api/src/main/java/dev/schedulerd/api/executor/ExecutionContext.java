package dev.schedulerd.api.executor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.TaskDefinition;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * What an executor knows about the run it is executing. Passed explicitly: no thread-locals, no
 * static state. Safe to use from any thread for the duration of the run.
 */
public interface ExecutionContext {

  /** The task being run. */
  TaskDefinition task();

  /** The task's config (a copy the executor may change). */
  default ObjectNode config() {
    return task().config();
  }

  /**
   * The task's config read as {@code type} (a record or bean), without copying it.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  default <T> T config(Class<T> type) {
    return task().config(type);
  }

  /** Unique per attempt; appears in the run record. */
  String runId();

  /** Which attempt this is for the current fire time, from 1. */
  int attempt();

  /** The instant this attempt was due. */
  Instant scheduledFor();

  /** The instant after which the run is interrupted and recorded as timed out. */
  Instant deadline();

  /**
   * The instant by which the run must have stopped unless this node confirms its claim on the run
   * before then (renews its lease with the store): later calls return later instants while it does,
   * and never one after {@link #deadline}. The scheduler stops the run itself at that instant; an
   * executor that starts processes also hands it to a watchdog outside the JVM, so that the run
   * stops even when the node is frozen (SIGSTOP, a stalled VM) and cannot, before another node may
   * take the run over. A context without leases (tests, an embedder's own) answers its deadline.
   */
  default Instant stopBy() {
    return deadline();
  }

  /**
   * Whether the run should stop now: its deadline passed or the scheduler is stopping. The thread
   * is interrupted at the same moment, so blocking calls end on their own.
   */
  boolean isCancelled();

  /**
   * A logger for this run, named {@code schedulerd.run.<task id>}; every value resolved by {@link
   * #resolveEnv} is masked in what it writes.
   */
  Logger logger();

  /**
   * {@code text} from the task's config with each {@code ${env:NAME}} replaced by the daemon's
   * variable, for names the operator allows in {@code executors.KIND.allow-env}. Resolve at the
   * last moment and keep the value inside the run: the scheduler masks every value resolved here
   * (back to {@code ${env:NAME}}) in the run's result, error and log lines, but not in what the
   * executor sends elsewhere on purpose.
   *
   * @param where the config field the text came from, for messages, e.g. {@code config.url}
   * @throws EnvReferenceException naming the variable (never a value) when it is not allowed or not
   *     set
   */
  String resolveEnv(String text, String where);

  /**
   * {@code text} with the value of every variable the daemon's tasks may use shown as {@code
   * ${env:NAME}}: what the scheduler does to the run's result anyway. Call it before cutting text
   * to a size, so that a value cut in two cannot slip through.
   */
  String mask(String text);
}
