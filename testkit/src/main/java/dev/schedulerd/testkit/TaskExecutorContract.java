package dev.schedulerd.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.RunSecrets;
import dev.schedulerd.api.executor.TaskExecutor;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every {@link TaskExecutor} must do. Extend it with the executor under test, a config it
 * accepts and runs successfully, and a config it must refuse:
 *
 * <pre>{@code
 * final class LogExecutorTest extends TaskExecutorContract {
 *   protected TaskExecutor executor() { return new LogExecutor(); }
 *   protected ObjectNode validConfig() { return json("{\"message\": \"hi\"}"); }
 *   protected ObjectNode invalidConfig() { return json("{}"); }
 * }
 * }</pre>
 */
public abstract class TaskExecutorContract {
  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

  /** The executor under test; a new instance per call is fine. */
  protected abstract TaskExecutor executor();

  /** A config the executor accepts and runs to success in this test environment. */
  protected abstract ObjectNode validConfig();

  /** A config the executor must refuse at validation. */
  protected abstract ObjectNode invalidConfig();

  /** A context for one run of {@code config}; override to add what your executor needs. */
  /**
   * The variables runs of this test may resolve, and where from; by default none. Override to test
   * an executor's use of {@link ExecutionContext#resolveEnv}: a test's own map keeps real
   * environment variables out of it.
   */
  protected RunSecrets secrets() {
    return new RunSecrets(EnvPolicy.none(executor().kind()), Map.of());
  }

  protected ExecutionContext context(ObjectNode config, AtomicBoolean cancelled) {
    return context(config, Duration.ofMinutes(1), cancelled);
  }

  /**
   * A context for one run of {@code config}, due now on the system clock and allowed {@code
   * timeout}: executors that wait for processes or servers measure their deadline against it.
   */
  protected ExecutionContext context(ObjectNode config, Duration timeout, AtomicBoolean cancelled) {
    return context(config, timeout, cancelled, secrets(), null);
  }

  /** A context for one run of {@code config} that resolves variables through {@code secrets}. */
  protected ExecutionContext contextWith(ObjectNode config, RunSecrets secrets) {
    return context(config, Duration.ofMinutes(1), new AtomicBoolean(), secrets, null);
  }

  /**
   * A context whose stop-by instant comes from {@code stopBy}: a lease renewed in time (an instant
   * that moves on) or not (one that stays).
   */
  protected ExecutionContext contextStoppingBy(
      ObjectNode config, Duration timeout, java.util.function.Supplier<Instant> stopBy) {
    return context(config, timeout, new AtomicBoolean(), secrets(), stopBy);
  }

  private ExecutionContext context(
      ObjectNode config,
      Duration timeout,
      AtomicBoolean cancelled,
      RunSecrets secrets,
      java.util.function.@Nullable Supplier<Instant> stopBy) {
    TaskDefinition task =
        TaskDefinition.builder("contract-task", executor().kind()).config(config).build();
    Instant now = InstantSource.system().instant();
    Logger logger = LoggerFactory.getLogger("schedulerd.run.contract-task");
    return new ExecutionContext() {
      @Override
      public TaskDefinition task() {
        return task;
      }

      @Override
      public String runId() {
        return "contract-run";
      }

      @Override
      public int attempt() {
        return 1;
      }

      @Override
      public Instant scheduledFor() {
        return now;
      }

      @Override
      public Instant deadline() {
        return now.plus(timeout);
      }

      @Override
      public Instant stopBy() {
        return stopBy != null ? stopBy.get() : deadline(); // no lease unless the test gives one
      }

      @Override
      public boolean isCancelled() {
        return cancelled.get();
      }

      @Override
      public Logger logger() {
        return secrets.maskingLogger(logger);
      }

      @Override
      public String resolveEnv(String text, String where) {
        return secrets.resolve(text, where);
      }

      @Override
      public String mask(String text) {
        return secrets.mask(text);
      }
    };
  }

  @Test
  void kind_isWellFormedAndStable() {
    TaskExecutor executor = executor();
    assertThat(executor.kind()).matches(KIND).isEqualTo(executor.kind());
  }

  @Test
  void configSchema_isAnObjectSchema() {
    ObjectNode schema = executor().configSchema();
    assertThat(schema.path("type").asText()).isEqualTo("object");
  }

  @Test
  void validate_validConfig_hasNoProblems() {
    assertThat(executor().validate(validConfig())).isEmpty();
  }

  @Test
  void validate_invalidConfig_explainsEachProblem() {
    List<String> problems = executor().validate(invalidConfig());
    assertThat(problems).isNotEmpty().allSatisfy(p -> assertThat(p).isNotBlank());
  }

  @Test
  void validate_doesNotChangeTheConfigItIsGiven() {
    ObjectNode config = validConfig();
    ObjectNode before = config.deepCopy();
    executor().validate(config);
    assertThat(config).isEqualTo(before);
  }

  @Test
  void execute_validConfig_succeeds() throws Exception {
    ExecutionResult result = executor().execute(context(validConfig(), new AtomicBoolean(false)));
    assertThat(result).isInstanceOf(ExecutionResult.Success.class);
  }
}
