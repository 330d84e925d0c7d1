package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** {@code scheduler_pause_task}: holds one task until it is resumed. */
final class PauseTaskTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_pause_task",
          "Pause a task",
          """
        Hold a scheduled, retry_wait or waiting task until scheduler_resume_task (a running \
        one once its run ends). scheduler_pause_daemon holds every task. Example: \
        {"task_id": "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          ToolSchemas.OUT_TASK,
          ToolSpecs.annotations(false, false, true));

  PauseTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    StoredTask paused = scheduler.pause(ToolArguments.required(args, "task_id"), client);
    return ToolSpecs.result(
        "Task '" + paused.id() + "' is " + paused.state().status().wireName(),
        Map.of("task", TaskViews.task(paused)));
  }
}
