package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One-off tasks at a local time in a zone, as a user says them ("2:30 pm New York time"). */
final class LocalTimesTest {
  private final Scheduler scheduler = Scheduler.builder().store(new InMemoryTaskStore()).build();
  private McpTestSession session;

  @BeforeEach
  void start() throws IOException {
    scheduler.start();
    session = new McpTestSession(scheduler, "{}");
  }

  @AfterEach
  void stop() throws IOException {
    session.close();
    scheduler.close();
  }

  private JsonNode add(String runAt, @org.jspecify.annotations.Nullable String zone)
      throws IOException {
    JsonNode result =
        session.call(
            "scheduler_add_task",
            "{\"task_id\":\"call-mom\",\"task_type\":\"log\",\"config\":{\"message\":\"call\"},"
                + "\"run_at\":\""
                + runAt
                + "\""
                + (zone == null ? "" : ",\"time_zone\":\"" + zone + "\"")
                + "}");
    return result;
  }

  @Test
  void aRunAtInThePast_isRefused_thoughTheLibraryWouldRunItNow() throws IOException {
    JsonNode result = add("2001-01-01T00:00:00Z", null);

    assertThat(result.path("isError").asBoolean()).as(result.toString()).isTrue();
    assertThat(result.toString())
        .contains("run_at")
        .contains("2001-01-01T00:00:00Z")
        .contains("in the past")
        .contains("leave run_at out");
    assertThat(scheduler.get("call-mom")).isEmpty();
  }

  @Test
  void aLocalTimeWithTimeZone_isThatWallClockTimeThere_andTheAnswerSaysItLocallyFirst()
      throws IOException {
    JsonNode result = add("2099-12-05T14:30", "America/New_York");

    assertThat(result.path("isError").asBoolean()).as(result.toString()).isFalse();
    JsonNode structured = result.path("structuredContent");
    JsonNode schedule = structured.path("task").path("schedule");
    assertThat(schedule.path("run_at").asText()).isEqualTo("2099-12-05T19:30:00Z");
    assertThat(schedule.path("run_at_local").asText())
        .isEqualTo("2099-12-05T14:30-05:00[America/New_York]");
    assertThat(schedule.path("time_zone").asText()).isEqualTo("America/New_York");
    assertThat(structured.path("task").path("next_run_at_local").asText())
        .isEqualTo("2099-12-05T14:30-05:00[America/New_York]");
    assertThat(structured.path("summary").asText())
        .contains("next run at 2099-12-05T14:30-05:00 America/New_York (2099-12-05T19:30:00Z)")
        .doesNotContain("Note");
    assertThat(result.path("content").get(0).path("text").asText())
        .as("the text block carries the same JSON")
        .contains("\"run_at_local\":\"2099-12-05T14:30-05:00[America/New_York]\"");
  }

  @Test
  void anInstantWithTimeZone_keepsTheInstant_andEchoesTheZone() throws IOException {
    JsonNode schedule =
        add("2099-12-05T19:30:00Z", "Europe/Berlin").path("structuredContent").path("task");
    assertThat(schedule.path("schedule").path("run_at").asText()).isEqualTo("2099-12-05T19:30:00Z");
    assertThat(schedule.path("schedule").path("run_at_local").asText())
        .isEqualTo("2099-12-05T20:30+01:00[Europe/Berlin]");
  }

  @Test
  void aLocalTimeWithoutZone_isRefusedSayingHowToFixIt() throws IOException {
    JsonNode result = add("2099-12-05T14:30", null);

    assertThat(result.path("isError").asBoolean()).isTrue();
    assertThat(result.path("content").get(0).path("text").asText())
        .contains("run_at")
        .contains("'2099-12-05T14:30' has no offset")
        .contains("add an offset or Z")
        .contains("or give time_zone");
    assertThat(scheduler.get("call-mom")).isEmpty();
  }

  @Test
  void notADateTime_isRefusedWithAnExample() throws IOException {
    JsonNode result = add("tomorrow at 3", "America/New_York");
    assertThat(result.path("isError").asBoolean()).isTrue();
    assertThat(result.path("content").get(0).path("text").asText())
        .contains("'tomorrow at 3' is not an ISO-8601 date-time");
  }

  @Test
  void aLocalTimeInTheSpringForwardGap_runsShiftedByTheGap_andTheAnswerSaysSo() throws IOException {
    // 2099-03-08 is the second Sunday of March: New York's clocks go from 02:00 to 03:00.
    JsonNode structured = add("2099-03-08T02:30", "America/New_York").path("structuredContent");

    assertThat(structured.path("task").path("schedule").path("run_at").asText())
        .isEqualTo("2099-03-08T07:30:00Z");
    assertThat(structured.path("note").asText())
        .contains("2099-03-08T02:30 does not exist in America/New_York")
        .contains("runs at 2099-03-08T03:30-04:00");
    assertThat(structured.path("summary").asText()).contains("Note: 2099-03-08T02:30 does not");
  }

  @Test
  void aLocalTimeInTheFallBackOverlap_runsAtTheFirst_andSaysHowToPickTheSecond()
      throws IOException {
    // 2099-11-01 is the first Sunday of November: 01:30 happens at -04:00, then at -05:00.
    JsonNode structured = add("2099-11-01T01:30", "America/New_York").path("structuredContent");

    assertThat(structured.path("task").path("schedule").path("run_at").asText())
        .isEqualTo("2099-11-01T05:30:00Z");
    assertThat(structured.path("note").asText())
        .contains("occurs twice")
        .contains("runs at the first, 2099-11-01T01:30-04:00")
        .contains("\"2099-11-01T01:30-05:00\"");
  }

  @Test
  void aBulkAdd_saysOfEachItemWhatDaylightSavingTimeDidToItsRunAt() throws IOException {
    String call =
        "{\"tasks\": [{\"task_id\":\"gap\",\"task_type\":\"log\",\"config\":{\"message\":\"x\"},"
            + "\"run_at\":\"2099-03-08T02:30\",\"time_zone\":\"America/New_York\"},"
            + "{\"task_id\":\"plain\",\"task_type\":\"log\",\"config\":{\"message\":\"y\"},"
            + "\"run_at\":\"2099-03-09T02:30\",\"time_zone\":\"America/New_York\"}]}";
    JsonNode result = session.call("scheduler_add_tasks", call);

    assertThat(result.path("isError").asBoolean()).as(result.toString()).isFalse();
    JsonNode rows = result.path("structuredContent").path("tasks");
    assertThat(rows.get(0).path("note").asText())
        .contains("2099-03-08T02:30 does not exist in America/New_York")
        .contains("runs at 2099-03-08T03:30-04:00");
    assertThat(rows.get(1).has("note")).isFalse();
    assertThat(result.path("structuredContent").path("summary").asText())
        .contains("Note on 'gap': 2099-03-08T02:30 does not exist");
    assertThat(result.path("content").get(0).path("text").asText())
        .as("the text block carries the same JSON")
        .contains("does not exist in America/New_York");

    JsonNode again = session.call("scheduler_add_tasks", call).path("structuredContent");
    assertThat(again.path("tasks").get(0).has("note")).as("nothing added, nothing moved").isFalse();
  }
}
