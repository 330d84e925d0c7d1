package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A value an executor resolves through its context never reaches a run record, whatever the
 * executor does with it; and a task may only reference the variables the operator allows.
 */
final class SecretMaskingTest {
  private static final String SECRET = "pg-password-4711";
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private @org.jspecify.annotations.Nullable Scheduler scheduler;

  /** Kind {@code leaky}: resolves {@code config.value}, then leaks it the way {@code how} says. */
  private static final class Leaky implements TaskExecutor {
    @Override
    public String kind() {
      return "leaky";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) throws Exception {
      if (context.config().path("how").asText().equals("readback")) {
        // Resolves nothing: reads back what another run sent somewhere (a key-value store, say).
        return ExecutionResult.success("read back " + SECRET);
      }
      String value = context.resolveEnv(context.config().path("value").asText(), "config.value");
      context.logger().info("resolved {}", value);
      return switch (context.config().path("how").asText()) {
        case "succeed" -> ExecutionResult.success("got " + value);
        case "fail" -> ExecutionResult.failure("refused by " + value);
        case "throw" -> throw new IllegalStateException("library said: " + value);
        default -> throw new AssertionError();
      };
    }
  }

  @AfterEach
  void stop() {
    if (scheduler != null) {
      scheduler.close();
    }
  }

  private Scheduler start(Map<String, String> settings) {
    Scheduler made =
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(new Leaky()).configure(settings))
            .environment(Map.of("API_TOKEN", SECRET, "SCHEDULERD_STORE", "postgres:secret"))
            .build();
    scheduler = made;
    made.start();
    return made;
  }

  private static TaskDefinition task(String id, String how, String value) {
    ObjectNode config = JsonNodeFactory.instance.objectNode().put("how", how).put("value", value);
    return TaskDefinition.builder(id, "leaky")
        .config(config)
        .timeout(Duration.ofSeconds(10))
        .retryPolicy(RetryPolicy.NONE)
        .build();
  }

  @Test
  void aResolvedValue_isMaskedInTheResultTheErrorAndAThrownMessage() {
    Scheduler s = start(Map.of("leaky.allow-env", "API_TOKEN"));
    for (String how : List.of("succeed", "fail", "throw")) {
      s.add(task(how, how, "${env:API_TOKEN}"));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                List.of("succeed", "fail", "throw").stream()
                    .allMatch(id -> !store.runs(id, 1).isEmpty()));
    for (String id : List.of("succeed", "fail", "throw")) {
      RunRecord run = store.runs(id, 1).get(0);
      String text = run.result() + " " + run.error();
      assertThat(text).as(id).doesNotContain(SECRET).contains("${env:API_TOKEN}");
    }
  }

  @Test
  void anAllowedValue_isMaskedInARunThatDidNotResolveIt() {
    Scheduler s = start(Map.of("leaky.allow-env", "API_TOKEN"));
    s.add(task("reader", "readback", "nothing"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !store.runs("reader", 1).isEmpty());
    assertThat(store.runs("reader", 1).get(0).result()).isEqualTo("read back ${env:API_TOKEN}");
  }

  @Test
  void aReferenceToAVariableTheOperatorDidNotAllow_isRefusedWhenAdded() {
    Scheduler s = start(Map.of());
    assertThatThrownBy(() -> s.add(task("t", "succeed", "http://${env:SCHEDULERD_STORE}/")))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("config.value")
        .hasMessageContaining("SCHEDULERD_STORE")
        .hasMessageContaining("executors.leaky.allow-env (now: none)")
        .hasMessageNotContaining("postgres:secret");
  }

  @Test
  void aRunWhosePolicyChangedSinceTheAdd_failsWithoutTheValue() {
    Scheduler adder =
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(new Leaky()).configure(Map.of("leaky.allow-env", "*")))
            .build(); // never started: the run happens on the stricter node below
    adder.add(task("later", "succeed", "${env:API_TOKEN}"));
    adder.close();
    Scheduler strict = start(Map.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> !store.runs("later", 1).isEmpty());
    RunRecord run = store.runs("later", 1).get(0);
    assertThat(run.error()).contains("executors.leaky.allow-env").doesNotContain(SECRET);
    assertThat(strict).isNotNull();
  }
}
