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
  void malformedJson_isRefusedNamingTheProblem() {
    assertThatThrownBy(() -> TaskJson.readDefinition("{\"id\": \"x\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> TaskJson.readDefinition("{\"id\": \"x\", \"kind\": \"log\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'priority'");
  }
}
