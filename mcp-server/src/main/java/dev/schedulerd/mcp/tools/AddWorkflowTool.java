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
      """
      {"type": "object",
       "properties": {
         "tasks": {"type": "array", "minItems": 1, "maxItems": 500,
                   "description": "Task definitions as scheduler_add_task takes them, each with its depends_on naming tasks of this list or tasks already added.",
                   "items": {"type": "object", "required": ["task_id", "task_type"]}}
       },
       "required": ["tasks"],
       "additionalProperties": false}"""
          .transform(ToolSchemas::withEnums);

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
    Object tasks = args.get("tasks");
    if (!(tasks instanceof List<?> list) || list.isEmpty()) {
      throw new ToolInputException("tasks", "expected a non-empty array of task definitions");
    }
    List<TaskDefinition> definitions = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> item)) {
        throw new ToolInputException("tasks", "item " + i + " is not an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> taskArgs = (Map<String, Object>) item;
      // The items' schema stays short (tools/list is read by every agent): the fields an add
      // takes are checked here, so that a misspelt one is refused, not ignored.
      for (String field : taskArgs.keySet()) {
        if (!ToolSchemas.ADD_FIELDS.contains(field)) {
          throw new ToolInputException(
              "tasks",
              "item "
                  + i
                  + ": unknown field '"
                  + field
                  + "'; an item takes the fields of scheduler_add_task: "
                  + String.join(", ", ToolSchemas.ADD_FIELDS));
        }
      }
      try {
        TaskDefinition definition = ToolArguments.definitionFrom(taskArgs).withCreatedBy(client);
        RunAtArgument.refusePast(definition, scheduler.clock().instant());
        definitions.add(definition);
      } catch (ToolInputException e) {
        throw new ToolInputException("tasks", "item " + i + ": " + e.getMessage());
      } catch (InvalidTaskException e) {
        throw new ToolInputException(
            "tasks", "item " + i + ": " + ToolSpecs.asClientSpellsIt(e, taskArgs));
      }
    }
    List<StoredTask> added;
    try {
      added = scheduler.addWorkflow(definitions);
    } catch (DuplicateTaskException e) {
      throw new ToolInputException(
          "tasks", e.getMessage() + "; nothing was added. Use new ids, or remove the old task");
    } catch (InvalidTaskException e) {
      throw refusalOfItem(e, list);
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

  /**
   * The scheduler's refusal of one task, said of the item that defined it with the fields as that
   * item spelled them; other refusals (a cycle) as they are.
   */
  private static RuntimeException refusalOfItem(InvalidTaskException e, List<?> items) {
    InvalidTaskException refusal = e.refusal();
    if (e.taskId() == null || refusal == null) {
      return e;
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) instanceof Map<?, ?> item && e.taskId().equals(item.get("task_id"))) {
        @SuppressWarnings("unchecked")
        Map<String, Object> itemArgs = (Map<String, Object>) item;
        return new ToolInputException(
            "tasks",
            "item "
                + i
                + " (task '"
                + e.taskId()
                + "'): "
                + ToolSpecs.asClientSpellsIt(refusal, itemArgs));
      }
    }
    return e;
  }
}
