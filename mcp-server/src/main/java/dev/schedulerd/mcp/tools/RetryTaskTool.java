package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** {@code scheduler_retry_task}: a failed one-shot task runs again, its attempts anew. */
final class RetryTaskTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_retry_task",
          "Retry a failed task",
          """
        Run a failed one-shot task again now, with its retry policy's attempts anew; its \
        earlier runs stay in its history. Tasks that depended on it stay as they were \
        judged when it failed. Example: {"task_id": "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          ToolSchemas.OUT_TASK,
          ToolSpecs.annotations(false, false, false));

  RetryTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    StoredTask again = scheduler.retry(ToolArguments.required(args, "task_id"), client);
    return ToolSpecs.result(
        "Task '" + again.id() + "' is due again now; " + TaskViews.explain(scheduler, again),
        Map.of("task", TaskViews.task(again)));
  }
}
