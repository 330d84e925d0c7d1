package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code scheduler_get_task}: one task in full, with the one-line explanation, its recent runs and
 * next fire times.
 */
final class GetTaskTool extends SchedulerTool {
  private static final String OUTPUT =
      ToolSchemas.object(
          "\"task\": "
              + ToolSchemas.TASK_VIEW
              + ", \"recent_runs\": {\"type\": \"array\", \"items\": "
              + ToolSchemas.RUN_VIEW
              + "}, \"next_fire_times\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}",
          "task",
          "recent_runs",
          "next_fire_times");

  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_get_task",
          "Get a task",
          """
        Show one task in full: definition, status, next run, its most recent runs (newest \
        first) and its next fire times. Example: {"task_id": "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          OUTPUT,
          ToolSpecs.annotations(true, false, true));

  GetTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    String id = ToolArguments.required(args, "task_id");
    StoredTask task =
        scheduler
            .get(id)
            .orElseThrow(
                () ->
                    new ToolInputException(
                        "task_id",
                        "no task '" + id + "'; scheduler_list_tasks shows the existing ones"));
    Map<String, Object> out = new LinkedHashMap<>();
    List<RunRecord> recent = scheduler.runs(id, 10);
    String explanation =
        TaskViews.explain(
            task,
            recent.isEmpty() ? null : recent.get(0),
            scheduler.defaultZone(),
            scheduler::get,
            TaskViews.nodeStart(scheduler));
    Map<String, Object> view = TaskViews.task(task);
    view.put("explanation", explanation);
    out.put("task", view);
    List<Map<String, Object>> runs = new ArrayList<>();
    recent.forEach(r -> runs.add(TaskViews.run(r, task.definition().createdBy())));
    out.put("recent_runs", runs);
    out.put("next_fire_times", nextFireTimes(task, 5));
    return ToolSpecs.result("Task '" + id + "': " + explanation, out);
  }

  private List<String> nextFireTimes(StoredTask task, int count) {
    Schedule schedule = task.definition().schedule();
    List<String> times = new ArrayList<>();
    Instant next = task.state().nextDueAt();
    if (next == null) {
      return times;
    }
    ZoneId zone = TaskViews.zoneOf(schedule);
    for (int i = 0; i < count && next != null; i++) {
      times.add(zone == null ? TaskViews.utc(next) : TaskViews.zoned(next, zone));
      if (!schedule.recurring()) {
        break;
      }
      next = scheduler.nextFireTime(schedule, next).orElse(null);
    }
    return times;
  }
}
