package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** {@code scheduler_skip_next_run}: a recurring task leaves out its next occurrence. */
final class SkipNextRunTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_skip_next_run",
          "Skip a task's next run",
          """
        Skip a recurring task's next occurrence (kept as a skipped run); it runs at the one \
        after. Example: {"task_id": "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          ToolSchemas.object(
              "\"task_id\": {\"type\": \"string\"}, \"next_run_at\": {\"type\": \"string\"}",
              "task_id"),
          ToolSpecs.annotations(false, false, false));

  SkipNextRunTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    StoredTask task = scheduler.skipNext(ToolArguments.required(args, "task_id"), client);
    Map<String, Object> answer = new java.util.LinkedHashMap<>();
    answer.put("task_id", task.id());
    if (task.state().fireTime() != null) {
      answer.put("next_run_at", String.valueOf(task.state().fireTime()));
    }
    return ToolSpecs.result(
        "Task '" + task.id() + "' skips its next run; " + TaskViews.explain(scheduler, task),
        answer);
  }
}
