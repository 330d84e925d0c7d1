package dev.schedulerd.mcp.tools;

import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.Map;

/**
 * {@code scheduler_wait_for_run}: blocks until the task's current or next run ends, at most a
 * bounded time, so that an agent need not poll. The waiting itself is {@link RunWaits}'.
 */
final class WaitForRunTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_wait_for_run",
          "Wait for a run",
          """
        Wait until the task's current (or next) run ends, at most timeout_seconds (default \
        30, at most 60): its outcome, result or error; else what the task is doing. Use it \
        instead of polling scheduler_get_task. Example: {"task_id": "backup"}""",
          """
        {"type": "object",
         "properties": {
           "task_id": {"type": "string", "minLength": 1, "maxLength": 128},
           "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 60, "default": 30, "description": "How long to wait at most."}
         },
         "required": ["task_id"],
         "additionalProperties": false}""",
          ToolSchemas.object(
              "\"task_id\": {\"type\": \"string\"}, \"finished\": {\"type\": \"boolean\"},"
                  + " \"status\": {\"type\": \"string\"}, \"waited_ms\": {\"type\": \"integer\"},"
                  + " \"explanation\": {\"type\": \"string\"}, \"run\": "
                  + ToolSchemas.RUN_VIEW,
              "task_id",
              "finished",
              "status"),
          ToolSpecs.annotations(true, false, false));

  private final RunWaits waits;

  WaitForRunTool(Scheduler scheduler, RunWaits waits) {
    super(scheduler, DECLARATION);
    this.waits = waits;
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    String id = ToolArguments.required(args, "task_id");
    int seconds =
        ToolArguments.optionalInt(
            args, "timeout_seconds", RunWaits.DEFAULT_SECONDS, 1, RunWaits.MAX_SECONDS);
    Map<String, Object> out;
    try {
      out = waits.await(id, seconds, task -> TaskViews.explain(scheduler, task));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the daemon is shutting down; the wait was cut short");
    }
    String summary = String.valueOf(out.remove("summary"));
    return ToolSpecs.result(summary, out);
  }
}
