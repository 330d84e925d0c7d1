package dev.schedulerd.mcp.tools;

import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** {@code scheduler_remove_task}: deletes a task and its run history. */
final class RemoveTaskTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_remove_task",
          "Remove a task",
          """
        Delete a task and its run history for good; a run in flight on this daemon is \
        interrupted. Example: {"task_id": "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          ToolSchemas.object(
              "\"task_id\": {\"type\": \"string\"}, \"removed\": {\"type\": \"boolean\"}",
              "task_id",
              "removed"),
          ToolSpecs.annotations(false, true, true));

  RemoveTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    String id = ToolArguments.required(args, "task_id");
    boolean removed = scheduler.remove(id, client);
    return ToolSpecs.result(
        removed ? "Removed task '" + id + "'" : "No task '" + id + "' existed; nothing removed",
        Map.of("task_id", id, "removed", removed));
  }
}
