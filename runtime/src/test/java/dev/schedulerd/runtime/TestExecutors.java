package dev.schedulerd.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/** Executors whose behaviour tests control. */
final class TestExecutors {
  private TestExecutors() {}

  /**
   * Kind {@code record}: records each run's task id and attempt, then does what the config says:
   * {@code "fail": true} fails, {@code "permanent": true} makes the failure not retryable, {@code
   * "throw": true} throws, {@code "failAttempts": n} fails the first n attempts.
   */
  static final class Recording implements TaskExecutor {
    final ConcurrentLinkedQueue<String> runs = new ConcurrentLinkedQueue<>();

    @Override
    public String kind() {
      return "record";
    }

    @Override
    public List<String> validate(ObjectNode config) {
      List<String> problems = new ArrayList<>();
      if (config.has("reject")) {
        problems.add("reject: the value " + config.get("reject") + " is refused; remove the field");
      }
      return problems;
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) {
      runs.add(context.task().id());
      ObjectNode config = context.config();
      if (config.path("throw").asBoolean()) {
        throw new IllegalStateException("executor exploded on purpose");
      }
      if (config.path("fail").asBoolean()
          || context.attempt() <= config.path("failAttempts").asInt(0)) {
        String error = "failed attempt " + context.attempt();
        return config.path("permanent").asBoolean()
            ? ExecutionResult.permanentFailure(error)
            : ExecutionResult.failure(error);
      }
      return ExecutionResult.success("ran " + context.task().id() + " #" + context.attempt());
    }

    List<String> runsInOrder() {
      return List.copyOf(runs);
    }
  }

  /**
   * Kind {@code block}: blocks until {@link #release} or until interrupted; counts interruptions.
   */
  static final class Blocking implements TaskExecutor {
    final CountDownLatch started;
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch interrupted;
    final boolean ignoreInterrupts;

    Blocking(int runs, boolean ignoreInterrupts) {
      this.started = new CountDownLatch(runs);
      this.interrupted = new CountDownLatch(runs);
      this.ignoreInterrupts = ignoreInterrupts;
    }

    @Override
    public String kind() {
      return "block";
    }

    @Override
    public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
      started.countDown();
      while (true) {
        try {
          release.await();
          return ExecutionResult.success("released");
        } catch (InterruptedException e) {
          interrupted.countDown();
          if (!ignoreInterrupts) {
            throw e;
          }
        }
      }
    }
  }
}
