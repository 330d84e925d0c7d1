package dev.schedulerd.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class TaskJsonTest {
  private static final Instant T = Instant.parse("2026-03-29T01:30:00.123456789Z");

  @Test
  void definitions_ofEveryScheduleKind_roundTripExactly() {
    for (Schedule schedule :
        List.of(
            Schedule.immediate(),
            Schedule.at(T),
            Schedule.at(T, ZoneId.of("America/New_York")),
            new Schedule.Every(Duration.ofMillis(1500), T),
            new Schedule.Every(Duration.ofHours(1), null),
            new Schedule.Cron("0 3 * * *", CronDialect.UNIX, ZoneId.of("Europe/Berlin")),
            new Schedule.Cron("0 0/5 * * * ?", CronDialect.QUARTZ, null))) {
      TaskDefinition d =
          TaskDefinition.builder("t-1", "log")
              .priority(Priority.CRITICAL)
              .schedule(schedule)
              .config(JsonNodeFactory.instance.objectNode().put("message", "hi").put("n", 2))
              .description("d")
              .retryPolicy(
                  new RetryPolicy(4, Duration.ofMillis(250), 1.5, Duration.ofMinutes(1), 0.1))
              .timeout(Duration.ofSeconds(90))
              .labels(Map.of("team", "core", "env", "prod"))
              .createdBy("claude-desktop 1.2.3")
              .build();
      assertThat(TaskJson.readDefinition(TaskJson.writeDefinition(d))).isEqualTo(d);
      assertThat(TaskJson.readDefinition(TaskJson.definitionNode(d))).isEqualTo(d);
    }
  }

  @Test
  void firePolicies_roundTrip_andTheDefaultIsNotWritten() {
    FirePolicy policy =
        new FirePolicy(
            new FirePolicy.MissedFires(
                FirePolicy.MissedFires.Mode.RUN_ALL,
                Duration.ofHours(6),
                25,
                Duration.ofSeconds(30)),
            FirePolicy.Overlap.CANCEL_PREVIOUS,
            Duration.ofSeconds(45));
    TaskDefinition d =
        TaskDefinition.builder("t-1", "log")
            .schedule(Schedule.cron("*/5 * * * *"))
            .firePolicy(policy)
            .build();
    assertThat(TaskJson.readDefinition(TaskJson.writeDefinition(d))).isEqualTo(d);

    TaskDefinition gated =
        TaskDefinition.builder("t-3", "log")
            .resources(List.of("gpu", "licence-pool"))
            .dependencies(Dependencies.on("t-1", "t-2").continuingOnFailure())
            .build();
    assertThat(TaskJson.readDefinition(TaskJson.writeDefinition(gated))).isEqualTo(gated);

    TaskDefinition plain = TaskDefinition.builder("t-2", "log").build();
    assertThat(TaskJson.writeDefinition(plain))
        .doesNotContain("firePolicy")
        .doesNotContain("dependsOn")
        .doesNotContain("resources");
    assertThat(TaskJson.readDefinition(TaskJson.writeDefinition(plain)).firePolicy())
        .isEqualTo(FirePolicy.DEFAULT);
  }

  @Test
  void states_withLeaseAndLastRun_roundTripExactly() {
    RunRecord run =
        new RunRecord(
            "r1",
            "t-1",
            2,
            T,
            T.plusMillis(1),
            T.plusSeconds(3),
            RunOutcome.FAILED,
            null,
            "boom",
            "n1");
    TaskState running =
        TaskState.initial(T, T)
            .running(new Lease("n1", "r2", T, T.plusSeconds(30)), T.plusNanos(7))
            .withVersion(9);
    TaskState waiting =
        new TaskState(
            dev.schedulerd.api.TaskStatus.RETRY_WAIT, 2, T, T.plusSeconds(5), null, run, T, T, 4);

    assertThat(TaskJson.readState(TaskJson.writeState(running), 9)).isEqualTo(running);
    assertThat(TaskJson.readState(TaskJson.stateNode(waiting), 4)).isEqualTo(waiting);
    assertThat(TaskJson.readRun(TaskJson.writeRun(run))).isEqualTo(run);
  }

  @Test
  void sharedRetryPolicies_areReadBackAsTheSharedInstances() {
    for (RetryPolicy shared : List.of(RetryPolicy.DEFAULT, RetryPolicy.NONE)) {
      TaskDefinition d = TaskDefinition.builder("t", "log").retryPolicy(shared).build();
      String json = TaskJson.writeDefinition(d);
      assertThat(TaskJson.readDefinition(json).retryPolicy()).isSameAs(shared);
      assertThat(TaskJson.readDefinition(json.getBytes(StandardCharsets.UTF_8)).retryPolicy())
          .isSameAs(shared);
    }
    RetryPolicy own = new RetryPolicy(5, Duration.ofSeconds(3), 2.0, Duration.ofMinutes(5), 0.2);
    TaskDefinition d = TaskDefinition.builder("t", "log").retryPolicy(own).build();
    assertThat(TaskJson.readDefinition(TaskJson.writeDefinition(d)).retryPolicy()).isEqualTo(own);
  }

  @Test
  void malformedJson_isRefusedNamingTheProblem() {
    assertThatThrownBy(() -> TaskJson.readDefinition("{\"id\": \"x\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> TaskJson.readDefinition("{\"id\": \"x\", \"kind\": \"log\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'priority'");
    byte[] truncated = "{\"id\": \"x\"".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> TaskJson.readDefinition(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
    byte[] notUtf8 = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, '"', '}'};
    assertThatThrownBy(() -> TaskJson.readState(notUtf8, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
  }

  /** Random definitions with every field in play: what is written reads back equal. */
  @Test
  void randomDefinitions_roundTripExactly() {
    java.util.Random random = new java.util.Random(17);
    String[] texts = {
      "", "plain", "quote \" and \\ backslash", "emoji \uD83D\uDE80 and é", "line\nbreak"
    };
    for (int n = 0; n < 3_000; n++) {
      Schedule schedule =
          switch (random.nextInt(4)) {
            case 0 -> Schedule.immediate();
            case 1 -> Schedule.at(T.plusNanos(random.nextLong(1L << 50)));
            case 2 ->
                new Schedule.Every(
                    Duration.ofMillis(1 + random.nextInt(100_000_000)),
                    random.nextBoolean() ? null : T.plusSeconds(random.nextInt(1_000_000)));
            default ->
                new Schedule.Cron(
                    random.nextBoolean() ? "0 3 * * *" : "*/5 * * * *",
                    CronDialect.UNIX,
                    random.nextBoolean() ? null : ZoneId.of("America/New_York"));
          };
      com.fasterxml.jackson.databind.node.ObjectNode config = JsonNodeFactory.instance.objectNode();
      if (random.nextBoolean()) {
        config.put("message", texts[random.nextInt(texts.length)]).put("n", random.nextInt());
        config.putObject("nested").putArray("list").add(1.5).add("x").addNull();
      }
      Map<String, String> labels = new java.util.HashMap<>();
      for (int l = random.nextInt(4); l > 0; l--) {
        labels.put("k" + random.nextInt(100), texts[random.nextInt(texts.length)]);
      }
      TaskDefinition.Builder builder =
          TaskDefinition.builder("task-" + n + ":x.y_z", random.nextBoolean() ? "shell" : "log")
              .priority(Priority.values()[random.nextInt(4)])
              .schedule(schedule)
              .config(config)
              .description(texts[random.nextInt(texts.length)])
              .retryPolicy(
                  new RetryPolicy(
                      1 + random.nextInt(9),
                      Duration.ofMillis(1 + random.nextInt(10_000)),
                      1 + random.nextInt(3),
                      Duration.ofMinutes(1 + random.nextInt(60)),
                      random.nextInt(2) / 2.0))
              .timeout(random.nextBoolean() ? null : Duration.ofMillis(1 + random.nextInt(1 << 30)))
              .labels(labels)
              .createdBy(texts[random.nextInt(texts.length)]);
      if (random.nextBoolean()) {
        builder.firePolicy(
            new FirePolicy(
                new FirePolicy.MissedFires(
                    FirePolicy.MissedFires.Mode.values()[random.nextInt(3)],
                    Duration.ofHours(1 + random.nextInt(48)),
                    1 + random.nextInt(50),
                    Duration.ofSeconds(1 + random.nextInt(600))),
                FirePolicy.Overlap.values()[random.nextInt(4)],
                Duration.ofSeconds(random.nextInt(3_600))));
      }
      if (!schedule.recurring() && random.nextBoolean()) {
        builder.dependencies(new Dependencies(List.of("a", "b" + n), random.nextBoolean()));
      }
      if (random.nextBoolean()) {
        builder.resources(List.of("gpu", "db-" + random.nextInt(3)));
      }
      TaskDefinition d = builder.build();
      String json = TaskJson.writeDefinition(d);
      assertThat(TaskJson.readDefinition(json)).isEqualTo(d);
      // as a store hands it back: UTF-8 bytes, emoji and accents included
      assertThat(TaskJson.readDefinition(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(d);
    }
  }

  @Test
  void statesOfEveryShape_roundTripExactly() {
    java.util.Random random = new java.util.Random(23);
    for (int n = 0; n < 3_000; n++) {
      Instant created = T.plusNanos(random.nextLong(1L << 50));
      TaskState state = TaskState.initial(created.plusSeconds(random.nextInt(1_000)), created);
      Lease lease =
          new Lease("node-" + n, "run-" + n, created.plusSeconds(1), created.plusSeconds(31));
      boolean success = random.nextBoolean();
      RunRecord run =
          new RunRecord(
              "run-" + n,
              "task-" + n,
              1,
              created,
              created.plusMillis(1),
              created.plusMillis(2 + random.nextInt(1_000)),
              success ? RunOutcome.SUCCESS : RunOutcome.FAILED,
              random.nextBoolean() ? null : "result \"" + n + "\"",
              success ? null : "error\n" + n,
              "node-" + n);
      state =
          switch (n % 4) {
            case 0 -> state;
            case 1 -> state.running(lease, created.plusSeconds(1));
            case 2 ->
                state
                    .running(lease, created.plusSeconds(1))
                    .finished(dev.schedulerd.api.TaskStatus.COMPLETED, run, created.plusSeconds(2));
            default -> TaskState.waiting(created);
          };
      long version = 1 + random.nextInt(1_000_000);
      String json = TaskJson.writeState(state);
      assertThat(TaskJson.readState(json, version)).isEqualTo(state.withVersion(version));
      assertThat(TaskJson.readState(json.getBytes(StandardCharsets.UTF_8), version))
          .isEqualTo(state.withVersion(version));
    }
  }

  /** Stored JSON written by other versions or by hand: unknown fields, strings for numbers. */
  @Test
  void reading_isLenientAboutWhatItDoesNotNeed() {
    TaskDefinition d =
        TaskJson.readDefinition(
            """
            {"future": {"nested": [1, {"deep": true}]}, "id": "t", "kind": "log",
             "priority": "high", "schedule": {"type": "at", "at": "2026-01-01T00:00:00Z",
             "extra": [1]}, "retry": {"maxAttempts": "3", "initialDelay": "PT1S",
             "multiplier": "2.0", "maxDelay": "PT1M", "jitter": 0}, "labels": {"a": 1},
             "resources": ["gpu"], "trailing": null}""");
    assertThat(d.id()).isEqualTo("t");
    assertThat(d.priority()).isEqualTo(Priority.HIGH);
    assertThat(d.retryPolicy().maxAttempts()).isEqualTo(3);
    assertThat(d.retryPolicy().multiplier()).isEqualTo(2.0);
    assertThat(d.labels()).containsEntry("a", "1");
    assertThat(d.description()).isEmpty();
    assertThat(d.config().isEmpty()).isTrue();
    assertThat(d.firePolicy()).isEqualTo(FirePolicy.DEFAULT);

    TaskState state =
        TaskJson.readState(
            """
            {"status": "scheduled", "attempt": "2", "fireTime": "2026-01-01T00:00:00Z",
             "nextDueAt": "2026-01-01T00:00:00Z", "lease": null, "unknown": {"x": [1]},
             "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}""",
            7);
    assertThat(state.attempt()).isEqualTo(2);
    assertThat(state.lease()).isNull();
    assertThat(state.version()).isEqualTo(7);
  }

  @Test
  void requiredFields_areNamedWhenMissingOrNotText() {
    assertThatThrownBy(() -> TaskJson.readDefinition("[]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("object");
    assertThatThrownBy(
            () -> TaskJson.readDefinition("{\"id\": 5, \"kind\": \"log\", \"priority\": \"high\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'id'");
    assertThatThrownBy(
            () ->
                TaskJson.readDefinition(
                    "{\"id\": \"t\", \"kind\": \"log\", \"priority\": \"high\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'type'");
    assertThatThrownBy(
            () ->
                TaskJson.readState(
                    "{\"status\": \"scheduled\", \"createdAt\": \"2026-01-01T00:00:00Z\"}", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'updatedAt'");
  }
}
