package dev.schedulerd.runtime;

import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.RunSecrets;
import dev.schedulerd.api.executor.SecretMask;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the executor sees of its run. */
final class RunContext implements ExecutionContext {
  private final InFlight run;
  // Made on first use: looking a logger up per run cost more than the rest of a no-op run's
  // start, and most executors never log through it nor resolve a variable.
  private @Nullable Logger logger;
  private volatile @Nullable RunSecrets secrets;

  private final EnvPolicy envPolicy;
  private final Map<String, String> environment;
  private final SecretMask secretMask;

  /**
   * @param envPolicy the variables this run's executor kind may reference
   * @param environment the daemon's environment
   * @param secretMask hides every value tasks may reference, in whatever this run reports
   */
  RunContext(
      InFlight run, EnvPolicy envPolicy, Map<String, String> environment, SecretMask secretMask) {
    this.run = run;
    this.envPolicy = envPolicy;
    this.environment = environment;
    this.secretMask = secretMask;
  }

  @Override
  public TaskDefinition task() {
    return run.claimed.definition();
  }

  @Override
  public String runId() {
    return run.runId;
  }

  @Override
  public int attempt() {
    return run.claimed.state().attempt();
  }

  @Override
  public Instant scheduledFor() {
    return run.scheduledFor;
  }

  @Override
  public Instant deadline() {
    return run.deadline;
  }

  @Override
  public Instant stopBy() {
    Instant fence = run.leaseUntil.minus(run.fenceMargin);
    Instant deadline = run.deadline;
    return fence.isBefore(deadline) ? fence : deadline;
  }

  @Override
  public boolean isCancelled() {
    return run.cancelled;
  }

  @Override
  public Logger logger() {
    Logger made = logger;
    if (made == null) {
      made = secrets().maskingLogger(LoggerFactory.getLogger("schedulerd.run." + run.taskId()));
      logger = made;
    }
    return made;
  }

  @Override
  public String resolveEnv(String text, String where) {
    return secrets().resolve(text, where);
  }

  private RunSecrets secrets() {
    RunSecrets made = secrets;
    if (made == null) { // immutable: two threads making one each is harmless
      made = new RunSecrets(envPolicy, environment, secretMask);
      secrets = made;
    }
    return made;
  }

  @Override
  public String mask(String text) {
    return secretMask.mask(text);
  }
}
