package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.runtime.Added;
import dev.schedulerd.runtime.DifferentTaskExistsException;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code scheduler_add_task}: adds a task, or answers the one already there with this definition.
 */
final class AddTaskTool extends SchedulerTool {
  private static final String OUTPUT =
      ToolSchemas.object(
          "\"task\": "
              + ToolSchemas.CHANGED_TASK_VIEW
              + ", \"created\": {\"type\": \"boolean\"}, \"note\": {\"type\": \"string\"}",
          "task",
          "created");

  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_add_task",
          "Add a task",
          """
        Schedule a task. It runs at once unless you give one of cron_expression (recurring, \
        UNIX 5 fields, read in time_zone), run_at (once: ISO-8601 with Z or an offset, or \
        local with time_zone) or interval (recurring: "15m", "PT15M"). task_type selects the \
        executor (scheduler_daemon_status lists them; "log" records config.message). \
        Defaults: priority medium, max_retries 3 attempts in all, timeout 1 hour. Adding the \
        same definition again returns the existing task. Example: {"task_id": "backup", \
        "task_type": "log", "cron_expression": "0 3 * * *", "time_zone": "Europe/Berlin", \
        "config": {"message": "nightly backup"}}""",
          ToolSchemas.ADD_SCHEMA,
          OUTPUT,
          ToolSpecs.annotations(false, false, true));

  AddTaskTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    TaskDefinition definition = ToolArguments.definitionFrom(args).withCreatedBy(client);
    RunAtArgument.refusePastUnlessAdded(definition, scheduler.clock().instant(), scheduler);
    Added result;
    try {
      result = scheduler.addOrGet(definition);
    } catch (DifferentTaskExistsException e) {
      throw new ToolInputException(
          "task_id",
          e.getMessage() + "; use scheduler_update_task to change it, or choose another task_id");
    }
    StoredTask added = result.task();
    if (!result.created()) {
      return ToolSpecs.result(
          "Task '" + added.id() + "' already exists with this definition; nothing changed",
          Map.of("task", TaskViews.task(added), "created", false));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("task", TaskViews.task(added));
    out.put("created", true);
    String note = RunAtArgument.noteOf(args);
    if (note != null) {
      out.put("note", note);
    }
    return ToolSpecs.result(
        "Added task '"
            + added.id()
            + "' ("
            + TaskViews.summary(added.definition().schedule())
            + ")"
            + TaskViews.nextRun(added, scheduler.defaultZone())
            + (note == null ? "" : ". Note: " + note),
        out);
  }
}
