package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** {@code scheduler_run_task_now}: makes a scheduled task due now. */
final class RunTaskNowTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_run_task_now",
          "Run a task now",
          """
        Make a scheduled (or retry_wait) task due now; a recurring task keeps its schedule. \
        Paused tasks must be resumed first; finished ones cannot run again. \
        scheduler_wait_for_run gives the outcome. Example: {"task_id": "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          ToolSchemas.OUT_TASK,
          ToolSpecs.annotations(false, false, false));

  RunTaskNowTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    StoredTask due = scheduler.runNow(ToolArguments.required(args, "task_id"), client);
    return ToolSpecs.result(
        "Task '" + due.id() + "' is due now", Map.of("task", TaskViews.task(due)));
  }
}
