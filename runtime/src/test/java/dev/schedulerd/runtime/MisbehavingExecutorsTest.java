package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The misbehaving-executor fault suite, on the real ticker: executors that throw, hang past their
 * timeout, ignore interrupts, or return huge output each get their outcome recorded, while the
 * other tasks around them all run, none before its due instant. Lateness is measured by the
 * benchmarks, not asserted here.
 */
final class MisbehavingExecutorsTest {
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private final CountDownLatch stopStubborn = new CountDownLatch(1);
  private final AtomicInteger stubbornInterrupts = new AtomicInteger();
  private @org.jspecify.annotations.Nullable Scheduler scheduler;

  /** Kind {@code bad}: config {@code how} says how to misbehave. */
  private final class Misbehaving implements TaskExecutor {
    @Override
    public String kind() {
      return "bad";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) throws Exception {
      switch (context.config().path("how").asText()) {
        case "throw" -> throw new IllegalStateException("exploded on purpose");
        case "error" -> throw new StackOverflowError("deep on purpose");
        case "hang" -> new CountDownLatch(1).await(); // until interrupted
        case "stubborn" -> {
          boolean released = false;
          while (!released) {
            try {
              released = stopStubborn.await(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
              stubbornInterrupts.incrementAndGet(); // and carries on regardless
            }
          }
        }
        case "huge" -> {
          return ExecutionResult.success("x".repeat(10_000_000));
        }
        default -> throw new AssertionError();
      }
      return ExecutionResult.success();
    }
  }

  @AfterEach
  void stop() {
    stopStubborn.countDown();
    if (scheduler != null) {
      scheduler.close();
    }
  }

  private TaskDefinition bad(String id, String how) {
    return TaskDefinition.builder(id, "bad")
        .config(
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("how", how))
        .timeout(Duration.ofSeconds(1))
        .retryPolicy(RetryPolicy.NONE)
        .build();
  }

  private RunRecord onlyRun(String id) {
    List<RunRecord> runs = store.runs(id, 5);
    assertThat(runs).as("runs of %s", id).hasSize(1);
    return runs.get(0);
  }

  private boolean ended(String id) {
    return store.find(id).map(t -> t.state().status().isTerminal()).orElse(false);
  }

  @Test
  void eachMisbehaviourIsRecorded_andTheOtherTasksAllRunOnTime() {
    Scheduler scheduler =
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(recording, new Misbehaving()))
            .maxConcurrentRuns(16)
            .build();
    this.scheduler = scheduler;
    scheduler.start();
    for (String how : List.of("throw", "error", "hang", "stubborn", "huge")) {
      scheduler.add(bad(how, how));
    }
    Instant now = InstantSource.system().instant();
    for (int i = 0; i < 40; i++) {
      scheduler.add(
          TaskDefinition.builder("probe-" + i, "record")
              .schedule(Schedule.at(now.plusMillis(200 + 50L * i)))
              .build());
    }

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                List.of("throw", "error", "hang", "stubborn", "huge").stream().allMatch(this::ended)
                    && store.list().stream()
                        .filter(t -> t.id().startsWith("probe-"))
                        .allMatch(t -> t.state().status() == TaskStatus.COMPLETED));

    assertThat(onlyRun("throw").outcome()).isEqualTo(RunOutcome.FAILED);
    assertThat(onlyRun("throw").error())
        .contains("threw java.lang.IllegalStateException: exploded on purpose");
    assertThat(onlyRun("error").error()).contains("StackOverflowError: deep on purpose");
    assertThat(onlyRun("hang").outcome()).isEqualTo(RunOutcome.TIMED_OUT);
    assertThat(onlyRun("stubborn").outcome()).isEqualTo(RunOutcome.TIMED_OUT);
    assertThat(stubbornInterrupts.get()).as("it was asked to stop").isGreaterThanOrEqualTo(1);
    RunRecord huge = onlyRun("huge");
    assertThat(huge.outcome()).isEqualTo(RunOutcome.SUCCESS);
    assertThat(Objects.requireNonNull(huge.result()).length())
        .as("kept to the record limit")
        .isLessThanOrEqualTo(Scheduler.MAX_TEXT + 200);

    for (int i = 0; i < 40; i++) {
      RunRecord probe = onlyRun("probe-" + i);
      assertThat(probe.startedAt()).as("never early").isAfterOrEqualTo(probe.scheduledFor());
    }
    assertThat(scheduler.status().inFlight()).as("the stubborn run's slot was given back").isZero();
  }
}
