package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tools beyond the seed's nine, and the resources, over a real in-JVM MCP session. */
final class AgentToolsTest {
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final Scheduler scheduler = Scheduler.builder().store(store).build();
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

  private JsonNode ok(String tool, String args) throws IOException {
    JsonNode result = session.call(tool, args);
    assertThat(result.path("isError").asBoolean()).as(result.toString()).isFalse();
    return result.path("structuredContent");
  }

  private String error(String tool, String args) throws IOException {
    JsonNode result = session.call(tool, args);
    assertThat(result.path("isError").asBoolean()).as(result.toString()).isTrue();
    return result.path("content").get(0).path("text").asText();
  }

  private static final String NIGHTLY =
      "{\"task_id\":\"nightly\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
          + "\"time_zone\":\"Europe/Berlin\",\"config\":{\"message\":\"backup\"}}";

  @Test
  void toolsList_hasTwentyThreeToolsEachWithSchemasAndAnnotations() throws IOException {
    JsonNode tools = session.request("tools/list", "{}").path("result").path("tools");
    assertThat(tools.findValuesAsText("name"))
        .hasSize(23)
        .contains(
            "scheduler_add_tasks",
            "scheduler_skip_next_run",
            "scheduler_retry_task",
            "scheduler_update_task",
            "scheduler_pause_task",
            "scheduler_resume_task",
            "scheduler_run_task_now",
            "scheduler_list_runs",
            "scheduler_preview_schedule",
            "scheduler_list_executors",
            "scheduler_pause_daemon",
            "scheduler_resume_daemon",
            "scheduler_add_workflow");
    for (JsonNode tool : tools) {
      assertThat(tool.path("outputSchema").path("type").asText())
          .as(tool.path("name").asText())
          .isEqualTo("object");
      assertThat(tool.path("inputSchema").path("type").asText()).isEqualTo("object");
      assertThat(tool.path("annotations").has("idempotentHint")).isTrue();
      assertThat(tool.path("description").asText()).hasSizeGreaterThan(60);
    }
  }

  @Test
  void aClientsName_isKeptPrintableAndShort_inTheTasksItAdds() throws IOException {
    String name = "agent\\n2026-12-06 INFO forged line\\u001b[2J" + "x".repeat(500);
    try (McpTestSession odd =
        new McpTestSession(scheduler, "{}", "{\"name\":\"" + name + "\",\"version\":\"1\"}")) {
      JsonNode added = odd.call("scheduler_add_task", NIGHTLY).path("structuredContent");
      String createdBy =
          ok("scheduler_get_task", "{\"task_id\":\"nightly\"}")
              .path("task")
              .path("created_by")
              .asText();
      assertThat(added.toString()).doesNotContain("\\u001b");
      assertThat(createdBy)
          .startsWith("agent?2026-12-06 INFO forged line?[2J")
          .doesNotContain("\n")
          .hasSizeLessThanOrEqualTo(121);
    }
  }

  @Test
  void schemaEnums_areTheModelsWireNames_inEverySchemaThatNamesThem() throws IOException {
    JsonNode tools = session.request("tools/list", "{}").path("result").path("tools");
    java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
    tools.forEach(tool -> byName.put(tool.path("name").asText(), tool));
    JsonNode add =
        java.util.Objects.requireNonNull(byName.get("scheduler_add_task"))
            .path("inputSchema")
            .path("properties");
    assertThat(texts(add.path("priority").path("enum")))
        .containsExactly(
            java.util.Arrays.stream(dev.schedulerd.api.Priority.values())
                .map(dev.schedulerd.api.Priority::wireName)
                .toArray(String[]::new));
    assertThat(texts(add.path("overlap").path("enum")))
        .containsExactly(
            java.util.Arrays.stream(dev.schedulerd.api.FirePolicy.Overlap.values())
                .map(dev.schedulerd.api.FirePolicy.Overlap::wireName)
                .toArray(String[]::new));
    JsonNode list =
        java.util.Objects.requireNonNull(byName.get("scheduler_list_tasks"))
            .path("inputSchema")
            .path("properties");
    assertThat(texts(list.path("status").path("enum")))
        .containsExactly(
            java.util.Arrays.stream(dev.schedulerd.api.TaskStatus.values())
                .map(dev.schedulerd.api.TaskStatus::wireName)
                .toArray(String[]::new));
    assertThat(tools.toString()).doesNotContain("%"); // every placeholder filled
  }

  private static java.util.List<String> texts(JsonNode array) {
    java.util.List<String> texts = new java.util.ArrayList<>();
    array.forEach(node -> texts.add(node.asText()));
    return texts;
  }

  @Test
  void update_changesTheSchedule_pauseResume_andRunNow() throws IOException {
    ok("scheduler_add_task", NIGHTLY);

    JsonNode updated =
        ok(
            "scheduler_update_task",
            NIGHTLY.replace("0 3 * * *", "0 4 * * *").replace("\"backup\"", "\"later backup\""));
    assertThat(updated.path("task").path("schedule").path("cron_expression").asText())
        .isEqualTo("0 4 * * *");
    assertThat(updated.path("task").path("next_run_at_local").asText()).contains("T04:00");

    assertThat(
            ok("scheduler_pause_task", "{\"task_id\":\"nightly\"}")
                .path("task")
                .path("status")
                .asText())
        .isEqualTo("paused");
    assertThat(error("scheduler_run_task_now", "{\"task_id\":\"nightly\"}"))
        .contains("resume it first");
    assertThat(
            ok("scheduler_resume_task", "{\"task_id\":\"nightly\"}")
                .path("task")
                .path("status")
                .asText())
        .isEqualTo("scheduled");

    ok("scheduler_run_task_now", "{\"task_id\":\"nightly\"}");
    await().atMost(Duration.ofSeconds(10)).until(() -> !store.runs("nightly", 1).isEmpty());
    JsonNode runs = ok("scheduler_list_runs", "{\"task_id\":\"nightly\"}");
    assertThat(runs.path("runs").get(0).path("created_by").asText())
        .as("the MCP clientInfo of who added it")
        .isEqualTo("test 1");
    assertThat(
            ok("scheduler_get_task", "{\"task_id\":\"nightly\"}")
                .path("task")
                .path("created_by")
                .asText())
        .isEqualTo("test 1");
    assertThat(runs.path("runs").get(0).path("outcome").asText()).isEqualTo("success");
    assertThat(runs.path("runs").get(0).path("result").asText()).isEqualTo("later backup");
    assertThat(store.find("nightly").orElseThrow().state().status())
        .isEqualTo(TaskStatus.SCHEDULED);
  }

  @Test
  void firePolicies_areAcceptedShownAndExplained() throws IOException {
    JsonNode added =
        ok(
            "scheduler_add_task",
            NIGHTLY.replace(
                "}}",
                "},\"missed_fire_policy\":\"run_all\",\"max_catch_up\":5,"
                    + "\"overlap\":\"skip\",\"jitter_seconds\":30}"));
    JsonNode policy = added.path("task").path("fire_policy");
    assertThat(policy.path("missed_fire_policy").asText()).isEqualTo("run_all");
    assertThat(policy.path("max_catch_up").asInt()).isEqualTo(5);
    assertThat(policy.path("overlap").asText()).isEqualTo("skip");
    assertThat(policy.path("jitter_seconds").asInt()).isEqualTo(30);
    assertThat(policy.path("catch_up_window_seconds").asInt()).isEqualTo(86_400);

    JsonNode task = ok("scheduler_get_task", "{\"task_id\":\"nightly\"}").path("task");
    assertThat(task.path("explanation").asText())
        .startsWith("next run ")
        .contains("T03:00+01:00 Europe/Berlin")
        .contains("up to 30 s later: jitter");

    ok("scheduler_pause_task", "{\"task_id\":\"nightly\"}");
    JsonNode paused = session.call("scheduler_get_task", "{\"task_id\":\"nightly\"}");
    assertThat(paused.path("structuredContent").path("summary").asText())
        .startsWith("Task 'nightly': paused since ")
        .contains("follow missed_fire_policy=run_all on resume");

    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"x\",\"task_type\":\"log\",\"interval\":\"1h\","
                    + "\"overlap\":\"sometimes\"}"))
        .contains("overlap")
        .contains("\"skip\", \"queue_one\", \"cancel_previous\"");
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"x\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},"
                    + "\"resources\":[\"gpu\"]}"))
        .contains("resource 'gpu' is not configured on this daemon (it has none)")
        .contains("resources.gpu=2");
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"x\",\"task_type\":\"log\",\"interval\":\"1h\","
                    + "\"jitter_seconds\":7200}"))
        .contains("jitter_seconds")
        .contains("3600");
  }

  @Test
  void everyAnswer_carriesTheSameWholeAnswerAsTextAndAsStructuredContent() throws IOException {
    session.call(
        "scheduler_add_task",
        "{\"task_id\":\"both\",\"task_type\":\"log\",\"config\":{\"message\":\"x\"}}");
    for (String[] call :
        new String[][] {
          {"scheduler_list_tasks", "{}"},
          {"scheduler_get_task", "{\"task_id\":\"both\"}"},
          {"scheduler_list_runs", "{\"task_id\":\"both\"}"},
          {"scheduler_daemon_status", "{}"},
          {"scheduler_get_status", "{}"}
        }) {
      JsonNode answer = session.call(call[0], call[1]);
      JsonNode text =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(answer.path("content").get(0).path("text").asText());
      assertThat(text).as(call[0]).isEqualTo(answer.path("structuredContent"));
      assertThat(text.toString())
          .as("times to the millisecond, not the nanosecond")
          .doesNotContainPattern("T\\d\\d:\\d\\d:\\d\\d\\.\\d{4,}");
    }
    JsonNode list = session.call("scheduler_list_tasks", "{}");
    assertThat(list.path("structuredContent").path("summary").asText()).contains("task(s)");
  }

  @Test
  void addAndUpdateAnswers_giveTheNextRunInTheTasksZoneFirst() throws IOException {
    JsonNode added =
        session.call(
            "scheduler_add_task",
            "{\"task_id\":\"standup\",\"task_type\":\"log\",\"cron_expression\":\"0 8 * * 1-5\","
                + "\"time_zone\":\"Europe/Berlin\",\"config\":{\"message\":\"standup\"}}");
    String summary = added.path("structuredContent").path("summary").asText();
    assertThat(summary)
        .containsPattern("next run at \\d{4}-\\d\\d-\\d\\dT08:00\\+0[12]:00 Europe/Berlin \\(")
        .containsPattern("T0[67]:00:00Z\\)$");
  }

  @Test
  void enumValues_areAcceptedInAnyCase() throws IOException {
    JsonNode added =
        ok(
            "scheduler_add_task",
            "{\"task_id\":\"loud\",\"task_type\":\"log\",\"priority\":\"HIGH\","
                + "\"interval\":\"1h\",\"overlap\":\" Skip \",\"missed_fire_policy\":\"RUN_ALL\","
                + "\"config\":{\"message\":\"x\"}}");
    assertThat(added.path("task").path("priority").asText()).isEqualTo("high");
    assertThat(added.path("task").path("fire_policy").path("overlap").asText()).isEqualTo("skip");
    assertThat(added.path("task").path("fire_policy").path("missed_fire_policy").asText())
        .isEqualTo("run_all");
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"x\",\"task_type\":\"log\",\"priority\":\"urgent\"}"))
        .contains("priority");
  }

  @Test
  void pauseDaemon_holdsDispatchUntilResumed() throws IOException {
    JsonNode paused = ok("scheduler_pause_daemon", "{}").path("daemon");
    assertThat(paused.path("dispatch_paused").asBoolean()).isTrue();
    assertThat(paused.path("state").asText()).isEqualTo("running");
    assertThat(paused.path("dispatch_paused_since").asText()).isNotEmpty();
    assertThat(
            ok("scheduler_daemon_status", "{}").path("daemon").path("dispatch_paused").asBoolean())
        .isTrue();

    JsonNode resumed = ok("scheduler_resume_daemon", "{}").path("daemon");
    assertThat(resumed.path("dispatch_paused").asBoolean()).isFalse();
    assertThat(resumed.has("dispatch_paused_since")).isFalse();
  }

  @Test
  void addTasks_addsAllInOneCall_isSafeToRepeat_andAddsNoneWhenOneIsRefused() throws IOException {
    String two =
        "{\"tasks\":[{\"task_id\":\"bulk-a\",\"task_type\":\"log\",\"interval\":\"1h\","
            + "\"config\":{\"message\":\"a\"}},{\"task_id\":\"bulk-b\",\"task_type\":\"log\","
            + "\"run_at\":\"2099-01-01T09:00:00Z\",\"config\":{\"message\":\"b\"}}]}";
    JsonNode added = ok("scheduler_add_tasks", two);
    assertThat(added.path("added").asInt()).isEqualTo(2);
    assertThat(added.path("existing").asInt()).isZero();
    assertThat(added.path("tasks").findValuesAsText("task_id")).containsExactly("bulk-a", "bulk-b");
    assertThat(added.path("tasks").get(0).path("created").asBoolean()).isTrue();
    assertThat(added.path("summary").asText()).isEqualTo("Added 2 task(s)");

    JsonNode again =
        ok(
            "scheduler_add_tasks",
            two.replace(
                "]}",
                ",{\"task_id\":\"bulk-c\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}}]}"));
    assertThat(again.path("added").asInt()).as("only the new one").isEqualTo(1);
    assertThat(again.path("existing").asInt()).isEqualTo(2);
    assertThat(again.path("tasks").get(0).path("created").asBoolean()).isFalse();
    assertThat(again.path("summary").asText())
        .isEqualTo("Added 1 task(s); 2 already there with these definitions, unchanged");

    assertThat(
            error(
                "scheduler_add_tasks",
                "{\"tasks\":[{\"task_id\":\"bulk-d\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}},"
                    + "{\"task_id\":\"bulk-a\",\"task_type\":\"log\",\"interval\":\"2h\",\"config\":{\"message\":\"a\"}}]}"))
        .contains("item 1")
        .contains("bulk-a")
        .contains("nothing was added")
        .contains("scheduler_update_task");
    assertThat(
            error(
                "scheduler_add_tasks",
                "{\"tasks\":[{\"task_id\":\"bulk-e\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}},"
                    + "{\"task_id\":\"bulk-f\",\"task_type\":\"log\",\"cron_expression\":\"99 * * * *\",\"config\":{\"message\":\"f\"}}]}"))
        .contains("item 1")
        .contains("cron_expression");
    assertThat(
            error(
                "scheduler_add_tasks",
                "{\"tasks\":[{\"task_id\":\"bulk-g\",\"task_type\":\"log\",\"colour\":\"red\"}]}"))
        .contains("unknown field 'colour'");
    assertThat(
            error(
                "scheduler_add_tasks",
                "{\"tasks\":[{\"task_id\":\"twice\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}},"
                    + "{\"task_id\":\"twice\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}}]}"))
        .contains("tasks")
        .contains("'twice' appears twice")
        .contains("its own id");
    assertThat(store.find("bulk-d")).as("none of a refused call").isEmpty();
    assertThat(store.find("bulk-e")).isEmpty();
    assertThat(store.find("bulk-c")).isPresent();

    StringBuilder many = new StringBuilder("{\"tasks\":[");
    for (int i = 0; i < 501; i++) {
      many.append(i == 0 ? "" : ",")
          .append("{\"task_id\":\"m-")
          .append(i)
          .append("\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}}");
    }
    assertThat(error("scheduler_add_tasks", many.append("]}").toString()))
        .contains("tasks")
        .contains("500");
    assertThat(store.find("m-0")).isEmpty();
  }

  @Test
  void aRepeatedAdd_whoseRunAtHasPassedSince_answersTheTask_aNewOneIsStillRefused()
      throws IOException {
    java.time.Instant[] now = {java.time.Instant.parse("2026-12-06T12:00:00Z")};
    Scheduler manual =
        Scheduler.builder()
            .store(new InMemoryTaskStore())
            .clock(() -> now[0])
            .manualTicks()
            .build();
    manual.start();
    try (McpTestSession m = new McpTestSession(manual, "{}")) {
      String at = now[0].plusSeconds(60).toString();
      String add =
          "{\"task_id\":\"soon\",\"task_type\":\"log\",\"run_at\":\""
              + at
              + "\",\"config\":{\"message\":\"m\"}}";
      assertThat(
              m.call("scheduler_add_task", add)
                  .path("structuredContent")
                  .path("created")
                  .asBoolean())
          .isTrue();
      now[0] = now[0].plus(Duration.ofMinutes(2)); // the answer was lost; a late retry

      JsonNode again = m.call("scheduler_add_task", add);
      assertThat(again.path("isError").asBoolean()).as(again.toString()).isFalse();
      assertThat(again.path("structuredContent").path("created").asBoolean()).isFalse();
      JsonNode bulk = m.call("scheduler_add_tasks", "{\"tasks\":[" + add + "]}");
      assertThat(bulk.path("structuredContent").path("existing").asInt())
          .as(bulk.toString())
          .isEqualTo(1);

      JsonNode late = m.call("scheduler_add_task", add.replace("\"soon\"", "\"late\""));
      assertThat(late.path("isError").asBoolean()).isTrue();
      assertThat(late.path("content").get(0).path("text").asText())
          .contains("run_at")
          .contains("past");
    } finally {
      manual.close();
    }
  }

  @Test
  void workflow_addsADagAtOnce_explainsWhatEachWaitsFor_andRefusesCycles() throws IOException {
    String later =
        "{\"task_id\":\"fetch\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},\"run_at\":\"2099-01-01T00:00:00Z\"}";
    JsonNode added =
        ok(
            "scheduler_add_workflow",
            "{\"tasks\":["
                + later
                + ",{\"task_id\":\"build\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},\"depends_on\":[\"fetch\"]},"
                + "{\"task_id\":\"report\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},\"depends_on\":[\"fetch\",\"build\"],"
                + "\"on_failure\":\"continue\"}]}");
    assertThat(added.path("tasks").findValuesAsText("task_id"))
        .containsExactly("fetch", "build", "report");
    assertThat(added.path("tasks").get(1).path("status").asText()).isEqualTo("waiting");
    assertThat(added.path("tasks").get(2).path("on_failure").asText()).isEqualTo("continue");

    JsonNode report = ok("scheduler_get_task", "{\"task_id\":\"report\"}").path("task");
    assertThat(report.path("explanation").asText())
        .isEqualTo("waiting for dependencies fetch (scheduled), build (waiting)");
    assertThat(report.path("depends_on").toString()).isEqualTo("[\"fetch\",\"build\"]");

    String cycle =
        error(
            "scheduler_add_workflow",
            "{\"tasks\":[{\"task_id\":\"a\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},\"depends_on\":[\"b\"]},"
                + "{\"task_id\":\"b\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},\"depends_on\":[\"a\"]}]}");
    assertThat(cycle).contains("the dependencies form a cycle: a → b → a");
    assertThat(error("scheduler_get_task", "{\"task_id\":\"a\"}")).contains("no task 'a'");

    String taken =
        error(
            "scheduler_add_workflow",
            "{\"tasks\":[{\"task_id\":\"fresh\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}},"
                + "{\"task_id\":\"fetch\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}}]}");
    assertThat(taken).contains("fetch").contains("nothing was added");
    assertThat(error("scheduler_get_task", "{\"task_id\":\"fresh\"}")).contains("no task");
  }

  @Test
  void badInputs_nameTheFieldAndWhatToDo() throws IOException {
    assertThat(error("scheduler_pause_task", "{\"task_id\":\"ghost\"}"))
        .contains("task_id: no task 'ghost'")
        .contains("scheduler_list_tasks");
    assertThat(error("scheduler_update_task", NIGHTLY)).contains("no task 'nightly'");
    assertThat(error("scheduler_preview_schedule", "{}")).contains("cron_expression");
    assertThat(error("scheduler_preview_schedule", "{\"cron_expression\":\"61 * * * *\"}"))
        .contains("cron");
    assertThat(error("scheduler_list_runs", "{\"task_id\":\"ghost\"}")).contains("no task 'ghost'");
  }

  @Test
  void errors_nameTheFieldAsTheClientSpelledIt() throws IOException {
    String log = "\"task_type\":\"log\",\"config\":{\"message\":\"m\"}";
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"c\"," + log + ",\"cron_expression\":\"61 * * * *\"}"))
        .startsWith("cron_expression: ");
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"c\"," + log + ",\"cron_expression\":\"0 0 30 2 *\"}"))
        .as("a cron that never fires")
        .startsWith("cron_expression: ");
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"r\"," + log + ",\"resources\":[\"gpu\",\"gpu\"]}"))
        .startsWith("resources: ");
    assertThat(
            error("scheduler_add_task", "{\"task_id\":\"d\"," + log + ",\"depends_on\":[\"d\"]}"))
        .startsWith("depends_on: ");
    assertThat(
            error(
                "scheduler_add_workflow",
                "{\"tasks\":[{\"task_id\":\"w\"," + log + ",\"timeout_seconds\":5}]}"))
        .as("an unknown field of a workflow item is refused, not ignored")
        .contains("timeout_seconds");
    assertThat(
            error(
                "scheduler_add_workflow",
                "{\"tasks\":[{\"task_id\":\"ok\","
                    + log
                    + "},{\"task_id\":\"w\","
                    + log
                    + ",\"cron_expression\":\"0 0 30 2 *\"}]}"))
        .as("a refusal of the scheduler's names the item and the field as it was sent")
        .startsWith("tasks: item 1 (task 'w'): cron_expression: ");

    ok("scheduler_add_task", NIGHTLY);
    ok("scheduler_update_task", "{\"task_id\":\"nightly\",\"on_failure\":\"continue\"}");
    assertThat(
            error(
                "scheduler_update_task",
                "{\"task_id\":\"nightly\",\"cron_expression\":\"0 0 31 2 *\"}"))
        .startsWith("cron_expression: ");
  }

  @Test
  void listRuns_ofAllTasks_pagesNewestFirst() throws IOException {
    for (int i = 0; i < 5; i++) {
      ok(
          "scheduler_add_task",
          "{\"task_id\":\"t" + i + "\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}}");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> scheduler.runPage(null, 10, null).runs().size() == 5);

    JsonNode first = ok("scheduler_list_runs", "{\"limit\":3}");
    assertThat(first.path("runs")).hasSize(3);
    JsonNode second =
        ok(
            "scheduler_list_runs",
            "{\"limit\":3,\"cursor\":\"" + first.path("next_cursor").asText() + "\"}");
    assertThat(second.path("runs")).hasSize(2);
    assertThat(second.has("next_cursor")).isFalse();
    assertThat(error("scheduler_list_runs", "{\"cursor\":\"3\u00e9\"}")).contains("cursor");
  }

  @Test
  void listRuns_ofOneTask_pagesWithTheSameCursorKind() throws IOException {
    ok("scheduler_add_task", NIGHTLY);
    for (int i = 1; i <= 3; i++) {
      ok("scheduler_run_task_now", "{\"task_id\":\"nightly\"}");
      int runs = i;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  store.runs("nightly", 5).size() == runs
                      && store.find("nightly").orElseThrow().state().status()
                          == TaskStatus.SCHEDULED);
    }
    ok(
        "scheduler_add_task",
        "{\"task_id\":\"other\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"}}");
    await().atMost(Duration.ofSeconds(10)).until(() -> !store.runs("other", 1).isEmpty());

    JsonNode first = ok("scheduler_list_runs", "{\"task_id\":\"nightly\",\"limit\":2}");
    assertThat(first.path("runs")).hasSize(2);
    // A run recorded between two pages does not shift the next page (an offset would).
    ok("scheduler_run_task_now", "{\"task_id\":\"nightly\"}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                store.runs("nightly", 5).size() == 4
                    && store.find("nightly").orElseThrow().state().status()
                        == TaskStatus.SCHEDULED);
    JsonNode second =
        ok(
            "scheduler_list_runs",
            "{\"task_id\":\"nightly\",\"limit\":2,\"cursor\":\""
                + first.path("next_cursor").asText()
                + "\"}");
    assertThat(second.path("runs")).hasSize(1);
    assertThat(second.has("next_cursor")).isFalse();
    java.util.List<String> tasks = new java.util.ArrayList<>();
    java.util.List<String> runIds = new java.util.ArrayList<>();
    for (JsonNode page : java.util.List.of(first, second)) {
      page.path("runs").forEach(r -> tasks.add(r.path("task_id").asText()));
      page.path("runs").forEach(r -> runIds.add(r.path("run_id").asText()));
    }
    assertThat(tasks).containsOnly("nightly").hasSize(3);
    assertThat(runIds).doesNotHaveDuplicates();
    assertThat(runIds.get(2))
        .as("the oldest run ends the second page")
        .isEqualTo(store.runs("nightly", 5).get(3).runId());
  }

  @Test
  void previewAndExecutors_describeWithoutCreating() throws IOException {
    JsonNode preview =
        ok(
            "scheduler_preview_schedule",
            "{\"cron_expression\":\"30 2 * * *\",\"time_zone\":\"Europe/Berlin\",\"count\":3}");
    assertThat(preview.path("fire_times")).hasSize(3);
    assertThat(preview.path("fire_times").get(0).path("local").asText())
        .contains("T02:30")
        .endsWith("[Europe/Berlin]");
    assertThat(store.list()).isEmpty();

    JsonNode executors = ok("scheduler_list_executors", "{}");
    java.util.Map<String, JsonNode> byKind = new java.util.HashMap<>();
    executors.path("executors").forEach(e -> byKind.put(e.path("kind").asText(), e));
    assertThat(byKind).containsKeys("log", "shell", "custom");
    assertThat(byKind.getOrDefault("log", executors).path("enabled").asBoolean()).isTrue();
    assertThat(
            byKind
                .getOrDefault("log", executors)
                .path("config_schema")
                .path("properties")
                .has("message"))
        .isTrue();
    assertThat(byKind.getOrDefault("shell", executors).path("enabled").asBoolean())
        .as("off until the operator says")
        .isFalse();
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"seed-custom\",\"task_type\":\"custom\",\"config\":{\"command\":[\"/bin/echo\"]}}"))
        .contains("executor 'custom' is disabled")
        .contains("executors.custom.enabled=true");

    JsonNode daemon = ok("scheduler_daemon_status", "{}").path("daemon");
    assertThat(daemon.path("executors").toString())
        .as("only what add accepts")
        .contains("\"log\"")
        .doesNotContain("shell");
    assertThat(daemon.path("executors_disabled").toString())
        .contains(
            "{\"kind\":\"shell\",\"enabled_by\":\"executors.shell.enabled=true in the operator's config file\"}");
  }

  @Test
  void resources_readAndSubscribe_notifyWhenARunEnds() throws IOException {
    JsonNode templates =
        session.request("resources/templates/list", "{}").path("result").path("resourceTemplates");
    assertThat(templates.get(0).path("uriTemplate").asText())
        .isEqualTo("schedulerd://tasks/{task_id}");
    JsonNode status =
        session.request("resources/read", "{\"uri\":\"schedulerd://status\"}").path("result");
    assertThat(status.path("contents").get(0).path("text").asText()).contains("\"total_tasks\"");

    ok("scheduler_add_task", NIGHTLY);
    session.request("resources/subscribe", "{\"uri\":\"schedulerd://tasks/nightly\"}");
    JsonNode task =
        session
            .request("resources/read", "{\"uri\":\"schedulerd://tasks/nightly\"}")
            .path("result");
    assertThat(task.path("contents").get(0).path("text").asText())
        .contains("\"status\":\"scheduled\"");

    ok("scheduler_run_task_now", "{\"task_id\":\"nightly\"}");

    JsonNode updated = session.notification("notifications/resources/updated");
    assertThat(updated.path("params").path("uri").asText()).isEqualTo("schedulerd://tasks/nightly");
    JsonNode missing = session.request("resources/read", "{\"uri\":\"schedulerd://tasks/ghost\"}");
    assertThat(missing.path("error").path("code").asInt()).isEqualTo(-32002);
  }

  @Test
  void previewOfACronThatNeverFires_isRefusedAsAddRefusesIt() throws IOException {
    assertThat(error("scheduler_preview_schedule", "{\"cron_expression\":\"0 0 30 2 *\"}"))
        .contains("cron_expression")
        .contains("'0 0 30 2 *' (unix dialect) never fires")
        .contains("30 February");
    assertThat(
            error(
                "scheduler_add_task",
                "{\"task_id\":\"feb30\",\"task_type\":\"log\",\"cron_expression\":\"0 0 30 2 *\",\"config\":{\"message\":\"m\"}}"))
        .contains("never fires");
  }

  @Test
  void hugeNumbers_areRefusedWithTheValueAsSent_neverWrappedOrOverflowed() throws IOException {
    String base = "{\"task_id\":\"big\",\"task_type\":\"log\",\"config\":{\"message\":\"m\"},";
    assertThat(error("scheduler_add_task", base + "\"timeout\":18446744073709551617}"))
        .contains("timeout")
        .contains("got 18446744073709551617");
    assertThat(error("scheduler_add_task", base + "\"max_retries\":1e30}"))
        .contains("max_retries")
        .contains("100")
        .doesNotContain("-");
    assertThat(error("scheduler_add_task", base + "\"interval\":\"99999999999999999999d\"}"))
        .contains("interval")
        .contains("longer than the most accepted, 366 days")
        .doesNotContain("Exception");
    assertThat(error("scheduler_add_task", base + "\"interval\":\"PT2562047788015215H\"}"))
        .contains("longer than the most accepted")
        .doesNotContain("Exception");
  }

  @Test
  void answerSizes_stayWithinWhatAnAgentReadsEasily() throws IOException {
    JsonNode tools = session.request("tools/list", "{}").path("result");
    assertThat(tools.toString().length())
        .as("tools/list, every tool with its schemas (BENCHMARKS.md: answer sizes)")
        .isLessThan(28_000); // 27,xxx with 23 tools (BENCHMARKS.md)

    ok("scheduler_add_task", NIGHTLY.replace("\"nightly\"", "\"nightly-backup\""));
    JsonNode row = ok("scheduler_list_tasks", "{}").path("tasks").get(0);
    assertThat(row.toString().length()).as(row.toString()).isLessThan(100);
    assertThat(row.path("next").asText()).isNotEmpty();
    assertThat(row.path("status").asText()).isEqualTo("scheduled");
  }

  @Test
  void everyAnswer_carriesItsOneLineSummary() throws IOException {
    assertThat(ok("scheduler_daemon_status", "{}").path("summary").asText())
        .startsWith("schedulerd is running on node ")
        .contains("run(s) in flight");
    assertThat(ok("scheduler_get_status", "{}").path("summary").asText())
        .contains("task(s)")
        .contains("schedulerd is running");
    assertThat(ok("scheduler_pause_daemon", "{}").path("summary").asText())
        .contains("with dispatch paused");
    assertThat(ok("scheduler_resume_daemon", "{}").path("summary").asText())
        .doesNotContain("paused");
  }
}
