package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.runtime.Added;
import dev.schedulerd.runtime.DifferentTaskExistsException;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code scheduler_add_tasks}: many tasks in one call and one store write, all or none; safe to
 * repeat, as {@code scheduler_add_task} is.
 */
final class AddTasksTool extends SchedulerTool {
  private static final String INPUT =
      TaskListArgument.schema("Task definitions as scheduler_add_task takes them.");

  private static final String OUTPUT =
      ToolSchemas.object(
          "\"tasks\": {\"type\": \"array\", \"items\": "
              + ToolSchemas.ROW_VIEW
              + "}, \"added\": {\"type\": \"integer\"}, \"existing\": {\"type\": \"integer\"}",
          "tasks",
          "added",
          "existing");

  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_add_tasks",
          "Add many tasks",
          """
        Add up to 500 tasks in one call, all or none (one write: faster than one call per \
        task). tasks: definitions as scheduler_add_task takes them. A task already there with \
        the same definition is answered as it is, created false (safe to repeat); one whose id holds another \
        definition refuses the call, nothing added. Example: {"tasks": [{"task_id": "a", \
        "task_type": "log", "config": {"message": "a"}}, {"task_id": "b", "task_type": "log", \
        "interval": "1h", "config": {"message": "b"}}]}""",
          INPUT,
          OUTPUT,
          ToolSpecs.annotations(false, false, true));

  AddTasksTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    List<?> items = TaskListArgument.items(args);
    List<TaskDefinition> definitions = TaskListArgument.definitions(items, client, scheduler, true);
    List<Added> answers;
    try {
      answers = scheduler.addAllOrGet(definitions);
    } catch (DifferentTaskExistsException e) {
      throw new ToolInputException(
          "tasks",
          "item "
              + TaskListArgument.indexOf(items, e.taskId())
              + ": "
              + e.getMessage()
              + "; nothing was added. Use scheduler_update_task to change it, or another task_id");
    } catch (DuplicateTaskException e) { // another client kept adding the same ids meanwhile
      throw new ToolInputException(
          "tasks", e.getMessage() + "; nothing was added. Call again: added tasks are answered");
    } catch (InvalidTaskException e) {
      throw TaskListArgument.refusalOfItem(e, items);
    }
    List<Map<String, Object>> views = new ArrayList<>();
    StringBuilder notes = new StringBuilder();
    int added = 0;
    for (int i = 0; i < answers.size(); i++) {
      Added answer = answers.get(i);
      // A row as scheduler_list_tasks shows it: 500 full views would be a long read.
      Map<String, Object> view = new LinkedHashMap<>(TaskViews.row(answer.task()));
      view.put("created", answer.created());
      // As scheduler_add_task says it: a local run_at that daylight-saving time moved.
      String note = answer.created() ? noteOf(items.get(i)) : null;
      if (note != null) {
        view.put("note", note);
        notes.append(" Note on '").append(answer.task().id()).append("': ").append(note);
      }
      views.add(view);
      added += answer.created() ? 1 : 0;
    }
    int existing = answers.size() - added;
    return ToolSpecs.result(
        "Added "
            + added
            + " task(s)"
            + (existing == 0
                ? ""
                : "; " + existing + " already there with these definitions, unchanged")
            + (notes.isEmpty() ? "" : "." + notes),
        Map.of("tasks", views, "added", added, "existing", existing));
  }

  /** The run_at note of an item (checked to be an object by then). */
  private static @Nullable String noteOf(Object item) {
    @SuppressWarnings("unchecked")
    Map<String, Object> itemArgs = (Map<String, Object>) item;
    return RunAtArgument.noteOf(itemArgs);
  }
}
