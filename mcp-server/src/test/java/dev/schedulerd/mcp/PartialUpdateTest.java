package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** scheduler_update_task changes only the fields given; null puts one back to its default. */
final class PartialUpdateTest {
  private final Scheduler scheduler = Scheduler.builder().store(new InMemoryTaskStore()).build();
  private McpTestSession session;

  @BeforeEach
  void start() throws IOException {
    scheduler.start();
    session = new McpTestSession(scheduler, "{}");
    JsonNode added =
        session.call(
            "scheduler_add_task",
            "{\"task_id\":\"nightly\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
                + "\"time_zone\":\"Europe/Berlin\",\"priority\":\"high\",\"max_retries\":5,"
                + "\"description\":\"the backup\",\"labels\":{\"team\":\"ops\"},"
                + "\"overlap\":\"skip\",\"config\":{\"message\":\"backup\"}}");
    assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();
  }

  @AfterEach
  void stop() throws IOException {
    session.close();
    scheduler.close();
  }

  private JsonNode update(String args) throws IOException {
    JsonNode result = session.call("scheduler_update_task", args);
    assertThat(result.path("isError").asBoolean()).as(result.toString()).isFalse();
    return result.path("structuredContent");
  }

  @Test
  void onlyTheGivenFieldChanges_theZoneOfTheScheduleIncluded() throws IOException {
    JsonNode answer = update("{\"task_id\":\"nightly\",\"cron_expression\":\"0 4 * * *\"}");

    JsonNode task = answer.path("task");
    assertThat(task.path("schedule").path("cron_expression").asText()).isEqualTo("0 4 * * *");
    assertThat(task.path("schedule").path("time_zone").asText()).isEqualTo("Europe/Berlin");
    assertThat(task.path("next_run_at_local").asText()).contains("T04:00");
    assertThat(task.path("priority").asText()).isEqualTo("high");
    assertThat(task.path("description").asText()).isEqualTo("the backup");
    assertThat(task.path("labels").path("team").asText()).isEqualTo("ops");
    assertThat(task.path("config").path("message").asText()).isEqualTo("backup");
    var definition = scheduler.get("nightly").orElseThrow().definition();
    assertThat(definition.retryPolicy().maxAttempts()).isEqualTo(5);
    assertThat(definition.firePolicy().overlap().wireName()).isEqualTo("skip");
    assertThat(answer.path("summary").asText())
        .startsWith("Updated task 'nightly' (cron_expression), next run at")
        .contains("Europe/Berlin");
  }

  @Test
  void nullPutsAFieldBackToItsDefault() throws IOException {
    JsonNode task =
        update(
                "{\"task_id\":\"nightly\",\"description\":null,\"labels\":null,"
                    + "\"priority\":null,\"overlap\":null}")
            .path("task");

    assertThat(task.path("description").asText()).isEmpty();
    assertThat(task.path("labels").size()).isZero();
    assertThat(task.path("priority").asText()).isEqualTo("medium");
    assertThat(
            scheduler.get("nightly").orElseThrow().definition().firePolicy().overlap().wireName())
        .isEqualTo("queue_one");
    assertThat(task.path("schedule").path("cron_expression").asText()).isEqualTo("0 3 * * *");
  }

  @Test
  void theTimeZoneAlone_movesTheCronToThatZone() throws IOException {
    JsonNode task = update("{\"task_id\":\"nightly\",\"time_zone\":\"Asia/Tokyo\"}").path("task");
    assertThat(task.path("schedule").path("time_zone").asText()).isEqualTo("Asia/Tokyo");
    assertThat(task.path("next_run_at_local").asText()).contains("T03:00").contains("+09:00");
  }

  @Test
  void aScheduleCannotBeCleared_andAMissingTaskIsNamed() throws IOException {
    JsonNode cleared =
        session.call("scheduler_update_task", "{\"task_id\":\"nightly\",\"cron_expression\":null}");
    assertThat(cleared.path("isError").asBoolean()).isTrue();
    assertThat(cleared.path("content").get(0).path("text").asText())
        .contains("cron_expression")
        .contains("replaced, not cleared");

    JsonNode missing =
        session.call("scheduler_update_task", "{\"task_id\":\"nope\",\"priority\":\"low\"}");
    assertThat(missing.path("isError").asBoolean()).isTrue();
    assertThat(missing.path("content").get(0).path("text").asText())
        .contains("task_id")
        .contains("nope");
  }

  @Test
  void theTimeZoneAlone_onALocalOneOff_keepsItsWallClockTimeInTheNewZone() throws IOException {
    JsonNode added =
        session.call(
            "scheduler_add_task",
            "{\"task_id\":\"call\",\"task_type\":\"log\",\"run_at\":\"2099-12-05T14:30\","
                + "\"time_zone\":\"America/New_York\",\"config\":{\"message\":\"call\"}}");
    assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();

    JsonNode task = update("{\"task_id\":\"call\",\"time_zone\":\"Europe/Berlin\"}").path("task");
    assertThat(task.path("schedule").path("run_at_local").asText())
        .isEqualTo("2099-12-05T14:30+01:00[Europe/Berlin]");
  }
}
