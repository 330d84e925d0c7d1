package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/** {@code scheduler_resume_task}: queues a paused task again. */
final class ResumeTaskTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_resume_task",
          "Resume a task",
          """
        Queue a paused task again. Fire times that passed while paused follow its \
        missed_fire_policy (by default one catch-up run); a one-time task runs at its run_at \
        (at once if passed) or waits for its dependencies again. Example: {"task_id": \
        "backup"}""",
          ToolSchemas.TASK_ID_SCHEMA,
          ToolSchemas.OUT_TASK,
          ToolSpecs.annotations(false, false, true));

  ResumeTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    StoredTask resumed = scheduler.resume(ToolArguments.required(args, "task_id"), client);
    return ToolSpecs.result(
        "Task '"
            + resumed.id()
            + "' is "
            + resumed.state().status().wireName()
            + TaskViews.nextRun(resumed, scheduler.defaultZone()),
        Map.of("task", TaskViews.task(resumed)));
  }
}
