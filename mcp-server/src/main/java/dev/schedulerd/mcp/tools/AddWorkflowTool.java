package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code scheduler_add_workflow}: one-shot tasks that depend on each other, added all or none. */
final class AddWorkflowTool extends SchedulerTool {
  private static final String INPUT =
      TaskListArgument.schema(
          "Task definitions as scheduler_add_task takes them, each with its depends_on naming"
              + " tasks of this list or tasks already added.");

  private static final String OUTPUT =
      ToolSchemas.object(
          "\"tasks\": {\"type\": \"array\", \"items\": " + ToolSchemas.CHANGED_TASK_VIEW + "}",
          "tasks");

  private static final Declaration DECLARATION =
      new Declaration(
          "scheduler_add_workflow",
          "Add a workflow of dependent tasks",
          """
        Add one-shot tasks that depend on each other, all or none. tasks: definitions as \
        scheduler_add_task takes them; depends_on names tasks (of this list or added) that \
        must complete successfully first (status waiting meanwhile). When one fails, its \
        dependents are skipped (status cancelled) unless on_failure is continue. A cycle is \
        refused, named. Example: \
        {"tasks": [{"task_id": "fetch", "task_type": "log", "config": {"message": "f"}}, \
        {"task_id": "build", "task_type": "log", "depends_on": ["fetch"], "config": \
        {"message": "b"}}]}""",
          INPUT,
          OUTPUT,
          ToolSpecs.annotations(false, false, false));

  AddWorkflowTool(Scheduler scheduler) {
    super(scheduler, DECLARATION);
  }

  @Override
  public CallToolResult call(Map<String, Object> args, String client) {
    List<?> list = TaskListArgument.items(args);
    List<TaskDefinition> definitions = TaskListArgument.definitions(list, client, scheduler, false);
    List<StoredTask> added;
    try {
      added = scheduler.addWorkflow(definitions);
    } catch (DuplicateTaskException e) {
      throw new ToolInputException(
          "tasks", e.getMessage() + "; nothing was added. Use new ids, or remove the old task");
    } catch (InvalidTaskException e) {
      throw TaskListArgument.refusalOfItem(e, list);
    }
    List<Map<String, Object>> views = new ArrayList<>();
    added.forEach(t -> views.add(TaskViews.task(t)));
    long waiting = added.stream().filter(t -> t.state().status() == TaskStatus.WAITING).count();
    return ToolSpecs.result(
        "Added a workflow of "
            + added.size()
            + " task(s); "
            + waiting
            + " wait for their dependencies",
        Map.of("tasks", views));
  }
}
