package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.store.RunPage;
import dev.schedulerd.runtime.NoSuchTaskException;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code scheduler_list_runs}: the run history of one task or of all, newest first, in pages. */
final class ListRunsTool implements McpTool {
  private final Scheduler scheduler;

  ListRunsTool(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public String name() {
    return "scheduler_list_runs";
  }

  @Override
  public String title() {
    return "Run history";
  }

  @Override
  public String description() {
    return """
        List runs, newest first, of one task (task_id) or of all: attempt, outcome, times, \
        result or error, node. Outcomes missed and skipped are fire times that did not run, \
        the reason in error. Page with limit (default 20) and next_cursor. Example: \
        {"task_id": "backup", "limit": 5}""";
  }

  @Override
  public String inputSchema() {
    return """
        {"type": "object",
         "properties": {
           "task_id": {"type": "string", "description": "Only this task's runs; all tasks' when absent."},
           "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
           "cursor": {"type": "string", "description": "next_cursor from the previous page."}
         },
         "additionalProperties": false}""";
  }

  @Override
  public String outputSchema() {
    return ToolSchemas.object(
        "\"runs\": {\"type\": \"array\", \"items\": "
            + ToolSchemas.RUN_VIEW
            + "}, \"count\": {\"type\": \"integer\"}, \"next_cursor\": {\"type\": \"string\"}",
        "runs",
        "count");
  }

  @Override
  public ToolAnnotations annotations() {
    return ToolSpecs.annotations(true, false, true);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    int limit = ToolArguments.optionalInt(args, "limit", 20, 1, 500);
    String cursor = ToolArguments.optional(args, "cursor").orElse(null);
    Optional<String> taskId = ToolArguments.optional(args, "task_id");
    List<Map<String, Object>> runs = new ArrayList<>();
    String nextCursor;
    if (taskId.isPresent()) {
      String id = taskId.get();
      String createdBy =
          scheduler.get(id).orElseThrow(() -> new NoSuchTaskException(id)).definition().createdBy();
      int skip = 0;
      if (cursor != null) {
        try {
          skip = Integer.parseInt(cursor);
        } catch (NumberFormatException e) {
          throw new ToolInputException("cursor", "'" + cursor + "' is not a cursor this tool gave");
        }
      }
      List<RunRecord> records = scheduler.runs(id, skip + limit + 1);
      records.stream().skip(skip).limit(limit).forEach(r -> runs.add(TaskViews.run(r, createdBy)));
      nextCursor = records.size() > skip + limit ? Integer.toString(skip + limit) : null;
    } else {
      RunPage page;
      try {
        page = scheduler.allRuns(limit, cursor);
      } catch (IllegalArgumentException e) {
        throw new ToolInputException("cursor", String.valueOf(e.getMessage()));
      }
      Map<String, String> creators = new HashMap<>();
      for (RunRecord r : page.runs()) {
        String createdBy =
            creators.computeIfAbsent(
                r.taskId(),
                id -> scheduler.get(id).map(t -> t.definition().createdBy()).orElse(""));
        runs.add(TaskViews.run(r, createdBy));
      }
      nextCursor = page.nextCursor();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runs", runs);
    out.put("count", runs.size());
    if (nextCursor != null) {
      out.put("next_cursor", nextCursor);
    }
    return ToolSpecs.result(
        runs.size() + " run(s)" + (nextCursor != null ? "; more after cursor " + nextCursor : ""),
        out);
  }
}
