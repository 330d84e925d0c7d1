package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code scheduler_list_runs}: the run history of one task or of all, newest first, in pages. */
final class ListRunsTool extends SchedulerTool {
  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_list_runs",
          "Run history",
          """
        List runs, newest first, of one task (task_id) or of all: attempt, outcome, times, \
        result or error, node. Outcomes missed and skipped are fire times that did not run, \
        the reason in error. Page with limit (default 20) and next_cursor. Example: \
        {"task_id": "backup", "limit": 5}""",
          """
        {"type": "object",
         "properties": {
           "task_id": {"type": "string", "description": "Only this task's runs; all tasks' when absent."},
           "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
           "cursor": {"type": "string", "description": "next_cursor from the previous page."}
         },
         "additionalProperties": false}""",
          ToolSchemas.object(
              "\"runs\": {\"type\": \"array\", \"items\": "
                  + ToolSchemas.RUN_VIEW
                  + "}, \"count\": {\"type\": \"integer\"}, \"next_cursor\": {\"type\": \"string\"}",
              "runs",
              "count"),
          ToolSpecs.annotations(true, false, true));

  ListRunsTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    int limit = ToolArguments.optionalInt(args, "limit", 20, 1, 500);
    String cursor = ToolArguments.optional(args, "cursor").orElse(null);
    Optional<String> taskId = ToolArguments.optional(args, "task_id");
    RunPage page;
    try {
      page = scheduler.runPage(taskId.orElse(null), limit, cursor);
    } catch (IllegalArgumentException e) {
      throw new ToolInputException(
          "cursor", "'" + cursor + "' is not a cursor this tool gave; pass next_cursor as given");
    }
    Map<String, String> creators = new HashMap<>();
    List<Map<String, Object>> runs = new ArrayList<>();
    for (RunRecord r : page.runs()) {
      String createdBy =
          creators.computeIfAbsent(
              r.taskId(), id -> scheduler.get(id).map(t -> t.definition().createdBy()).orElse(""));
      runs.add(TaskViews.run(r, createdBy));
    }
    return ToolSpecs.page("runs", "run", runs, page.nextCursor());
  }
}
