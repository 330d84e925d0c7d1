package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code scheduler_list_tasks}: short rows of the tasks a filter selects, a page at a time,
 * filtered and paged by the store.
 */
final class ListTasksTool extends SchedulerTool {
  private static final String INPUT =
      """
      {"type": "object",
       "properties": {
         "status": {"type": "string", "enum": %STATUSES%},
         "priority": {"type": "string", "enum": %PRIORITIES%},
         "task_type": {"type": "string", "description": "Only tasks of this executor kind."},
         "label": {"type": "string", "description": "Only tasks with this label, as key=value."},
         "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
         "cursor": {"type": "string", "description": "next_cursor from the previous page."}
       },
       "additionalProperties": false}"""
          .transform(ToolSchemas::withEnums);

  private static final String OUTPUT =
      ToolSchemas.object(
          "\"tasks\": {\"type\": \"array\", \"items\": "
              + ToolSchemas.ROW_VIEW
              + "}, \"count\": {\"type\": \"integer\"}, \"next_cursor\": {\"type\": \"string\"}",
          "tasks",
          "count");

  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_list_tasks",
          "List tasks",
          """
        List tasks, one short row each (id, status, next run), by task_id. Filter by status, \
        priority, task_type or label ("key=value"); page with limit (default 50) and \
        next_cursor. Example: {"status": "failed"}""",
          INPUT,
          OUTPUT,
          ToolSpecs.annotations(true, false, true));

  ListTasksTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    TaskStatus status =
        ToolArguments.optional(args, "status")
            .map(v -> ToolArguments.parse("status", v, TaskStatus::parse))
            .orElse(null);
    Priority priority =
        ToolArguments.optional(args, "priority")
            .map(v -> ToolArguments.parse("priority", v, Priority::parse))
            .orElse(null);
    String type = ToolArguments.optional(args, "task_type").orElse(null);
    String label = ToolArguments.optional(args, "label").orElse(null);
    String labelKey = null;
    String labelValue = null;
    if (label != null) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw new ToolInputException(
            "label", "'" + label + "' is not key=value; e.g. \"team=ops\"");
      }
      labelKey = label.substring(0, eq);
      labelValue = label.substring(eq + 1);
    }
    int limit = ToolArguments.optionalInt(args, "limit", 50, 1, 500);
    String cursor = ToolArguments.optional(args, "cursor").orElse(null);
    TaskPage page =
        scheduler.tasks(new TaskQuery(status, priority, type, labelKey, labelValue, cursor, limit));
    List<Map<String, Object>> rows = new ArrayList<>();
    page.tasks().forEach(task -> rows.add(TaskViews.row(task)));
    return ToolSpecs.page("tasks", "task", rows, page.nextCursor());
  }
}
