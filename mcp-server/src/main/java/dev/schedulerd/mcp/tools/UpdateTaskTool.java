package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.runtime.NoSuchTaskException;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code scheduler_update_task}: changes some of a task's fields, keeping the others. */
final class UpdateTaskTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_update_task",
          "Change a task",
          """
        Change some of a task's fields: task_id and only the fields to change, as \
        scheduler_add_task takes them; the others keep their values, null resets one to its \
        default, config and labels are replaced whole. A new schedule applies at once (after \
        the current run if running). Example: {"task_id": "backup", "cron_expression": \
        "0 4 * * *"}""",
          ToolSchemas.UPDATE_SCHEMA,
          ToolSchemas.OUT_TASK,
          ToolSpecs.annotations(false, false, true));

  UpdateTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    String id = ToolArguments.required(args, "task_id");
    StoredTask current = scheduler.get(id).orElseThrow(() -> new NoSuchTaskException(id));
    TaskDefinition next = TaskUpdate.apply(current.definition(), args);
    if (args.containsKey("run_at")) {
      RunAtArgument.refusePast(next, scheduler.clock().instant());
    }
    StoredTask updated = scheduler.update(next);
    List<String> changed = new ArrayList<>(args.keySet());
    changed.remove("task_id");
    return ToolSpecs.result(
        "Updated task '"
            + updated.id()
            + "'"
            + (changed.isEmpty()
                ? " (nothing given to change)"
                : " (" + String.join(", ", changed) + ")")
            + TaskViews.nextRun(updated, scheduler.defaultZone()),
        Map.of("task", TaskViews.task(updated)));
  }
}
