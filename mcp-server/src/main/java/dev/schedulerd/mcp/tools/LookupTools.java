package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Tools that read what this daemon can do, creating nothing: schedule previews and executors. */
final class LookupTools {
  private final Scheduler scheduler;
  private final ToolSpecs specs;

  LookupTools(Scheduler scheduler, ToolSpecs specs) {
    this.scheduler = scheduler;
    this.specs = specs;
  }

  List<SyncToolSpecification> all() {
    return List.of(
        specs.tool(
            "scheduler_preview_schedule",
            "Preview a schedule",
            """
            Show the next fire times of a cron_expression (or an interval) in a time_zone, \
            with notes where daylight-saving time shifts or skips a run; creates nothing. \
            Defaults: unix cron dialect, the daemon's zone, count 5. Example: \
            {"cron_expression": "30 2 * * *", "time_zone": "Europe/Berlin", "count": 3}""",
            ToolSchemas.PREVIEW_SCHEMA,
            ToolSchemas.OUT_PREVIEW,
            ToolSpecs.annotations(true, false, true),
            (args, client) -> previewSchedule(args)),
        specs.tool(
            "scheduler_list_executors",
            "Executors",
            """
            List the executor kinds this daemon can run (the task_type of a task), whether \
            each is enabled, what it does, and the JSON Schema of its config. Takes no \
            arguments.""",
            ToolSchemas.EMPTY_SCHEMA,
            ToolSchemas.OUT_EXECUTORS,
            ToolSpecs.annotations(true, false, true),
            (args, client) -> listExecutors()));
  }

  private CallToolResult previewSchedule(Map<String, Object> args) {
    Optional<String> taskId = ToolArguments.optional(args, "task_id");
    StoredTask task =
        taskId.isEmpty()
            ? null
            : scheduler
                .get(taskId.get())
                .orElseThrow(
                    () ->
                        new ToolInputException(
                            "task_id",
                            "no task '"
                                + taskId.get()
                                + "'; scheduler_list_tasks shows the existing ones"));
    if (task == null
        && ToolArguments.optional(args, "cron_expression").isEmpty()
        && ToolArguments.optional(args, "interval").isEmpty()) {
      throw new ToolInputException(
          "cron_expression",
          "give a cron_expression (e.g. \"0 3 * * *\"), an interval (e.g. \"15m\") or a"
              + " task_id");
    }
    Schedule schedule =
        task != null ? task.definition().schedule() : ToolArguments.scheduleFrom(args);
    java.time.ZoneId zone = ToolArguments.timeZone(args);
    if (zone == null && schedule instanceof Schedule.Cron cron && cron.zone() != null) {
      zone = cron.zone();
    }
    if (zone == null) {
      zone = scheduler.defaultZone();
    }
    FirePolicy.Overlap overlap =
        ToolArguments.optional(args, "overlap")
            .map(o -> ToolArguments.parse("overlap", o, FirePolicy.Overlap::parse))
            .orElse(task != null ? task.definition().firePolicy().overlap() : null);
    java.time.Duration runLength = null;
    if (args.get("expected_run_seconds") != null) {
      runLength =
          java.time.Duration.ofSeconds(
              ToolArguments.optionalInt(args, "expected_run_seconds", 0, 1, 366 * 86_400));
    } else if (task != null && task.state().lastRun() != null) {
      RunRecord last = java.util.Objects.requireNonNull(task.state().lastRun());
      runLength = java.time.Duration.between(last.startedAt(), last.finishedAt());
    }
    if (overlap == null && runLength != null) {
      overlap = FirePolicy.DEFAULT.overlap();
    }
    if (schedule instanceof Schedule.Cron cron) {
      schedule = new Schedule.Cron(cron.expression(), cron.dialect(), zone);
    }
    int count = ToolArguments.optionalInt(args, "count", 5, 1, 100);
    Map<String, Object> preview =
        SchedulePreview.of(
            scheduler,
            schedule,
            zone,
            count,
            scheduler.clock().instant(), // the scheduler's now, manual in tests
            overlap,
            runLength);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> fires =
        (List<Map<String, Object>>) preview.getOrDefault("fire_times", List.of());
    if (fires.isEmpty() && schedule instanceof Schedule.Cron cron) {
      throw new ToolInputException(
          task != null ? "task_id" : "cron_expression",
          "'"
              + cron.expression()
              + "' ("
              + cron.dialect().wireName()
              + " dialect) never fires after now: check the day-of-month and month fields (e.g."
              + " 30 February); scheduler_add_task refuses it too");
    }
    StringBuilder text = new StringBuilder(TaskViews.summary(schedule)).append(" fires at:");
    for (Map<String, Object> fire : fires) {
      text.append("\n- ").append(fire.get("local"));
      if (fire.containsKey("note")) {
        text.append(" (").append(fire.get("note")).append(')');
      }
      if (fire.containsKey("policy")) {
        text.append(": ").append(fire.get("policy"));
      }
    }
    return ToolSpecs.result(text.toString(), preview);
  }

  private CallToolResult listExecutors() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (TaskExecutor executor : scheduler.executors().executors()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("kind", executor.kind());
      row.put("description", executor.description());
      row.put("enabled", scheduler.executors().isEnabled(executor.kind()));
      row.put("config_schema", executor.configSchema());
      row.put("source", scheduler.executors().origin(executor.kind()));
      rows.add(row);
    }
    return ToolSpecs.result(
        rows.size() + " executor(s): " + String.join(", ", scheduler.executors().kinds()),
        Map.of("executors", rows));
  }
}
