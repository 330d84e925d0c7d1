package dev.schedulerd.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Executor kind {@code bad}, whose config {@code how} says how to misbehave: throw, throw an Error,
 * hang until interrupted, ignore interrupts for 3 s, or return 10 MB. Each task gets a 1 s timeout
 * and no retries. The fault suite's misbehaving-executor claim, as a measurement (W2).
 */
@SuppressForbidden(reason = "waits for the neighbours' runs to be recorded, polling the store")
final class BadNeighbours implements TaskExecutor {
  private static final List<String> KINDS = List.of("throw", "error", "hang", "stubborn", "huge");
  private final Map<String, Integer> outcomes = new TreeMap<>();
  private int round;

  @Override
  public String kind() {
    return "bad";
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) throws Exception {
    switch (context.task().config().path("how").asText()) {
      case "throw" -> throw new IllegalStateException("exploded on purpose");
      case "error" -> throw new StackOverflowError("deep on purpose");
      case "hang" -> new CountDownLatch(1).await(); // until interrupted
      case "stubborn" -> {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
          try {
            Thread.sleep(Math.max(1, (until - System.nanoTime()) / 1_000_000));
          } catch (InterruptedException e) {
            // and carries on regardless
          }
        }
      }
      case "huge" -> {
        return ExecutionResult.success("x".repeat(10_000_000));
      }
      default -> throw new IllegalArgumentException("how?");
    }
    return ExecutionResult.success();
  }

  /** One task of each kind every 100 ms from {@code base} + 0.5 s for {@code windowMillis}. */
  List<String> addAround(Scheduler scheduler, Instant base, long windowMillis) {
    List<String> ids = new ArrayList<>();
    int r = round++;
    for (long t = 0; t < windowMillis; t += 100) {
      for (String how : KINDS) {
        String id = "bad-" + r + "-" + how + "-" + t;
        scheduler.add(
            TaskDefinition.builder(id, "bad")
                .schedule(Schedule.at(base.plusMillis(500 + t)))
                .config(JsonNodeFactory.instance.objectNode().put("how", how))
                .timeout(Duration.ofSeconds(1))
                .retryPolicy(RetryPolicy.NONE)
                .build());
        ids.add(id);
      }
    }
    return ids;
  }

  /** Waits (at most a minute) until every task has ended, and counts their outcomes. */
  void awaitEnded(Scheduler scheduler, List<String> ids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    for (String id : ids) {
      while (!scheduler.get(id).map(t -> t.state().status().isTerminal()).orElse(true)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("bad neighbour " + id + " has not ended after a minute");
        }
        Thread.sleep(20);
      }
      List<RunRecord> runs = scheduler.runs(id, 1);
      String outcome = runs.isEmpty() ? "no run recorded" : runs.get(0).outcome().wireName();
      String how = id.split("-")[2];
      outcomes.merge(how + " → " + outcome, 1, Integer::sum);
    }
  }

  /** How each kind's runs were recorded, over every round so far. */
  String outcomes() {
    return outcomes.toString();
  }
}
