package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.runtime.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code tasks} argument of the tools that add many tasks at once ({@code
 * scheduler_add_workflow}, {@code scheduler_add_tasks}): items as {@code scheduler_add_task} takes
 * them, each refusal said of the item at fault.
 */
final class TaskListArgument {
  /** Items in one call: what a client may make the daemon validate and write in one go. */
  static final int MAX_ITEMS = 500;

  /** The input schema of a tool whose one argument is the list. */
  static String schema(String description) {
    return """
        {"type": "object",
         "properties": {
           "tasks": {"type": "array", "minItems": 1, "maxItems": MAX_ITEMS,
                     "description": "DESCRIPTION",
                     "items": {"type": "object", "required": ["task_id", "task_type"]}}
         },
         "required": ["tasks"],
         "additionalProperties": false}"""
        .replace("MAX_ITEMS", Integer.toString(MAX_ITEMS))
        .replace("DESCRIPTION", description)
        .transform(ToolSchemas::withEnums);
  }

  private TaskListArgument() {}

  /**
   * The items (from {@link #items}) as definitions, created by {@code client}; refuses the first
   * item at fault.
   *
   * @param repeatable whether an item naming a stored task may have a run_at that has passed (an
   *     add safe to repeat answers that task; see {@link RunAtArgument#refusePastUnlessAdded})
   */
  static List<TaskDefinition> definitions(
      List<?> list, String client, Scheduler scheduler, boolean repeatable) {
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
        if (repeatable) {
          RunAtArgument.refusePastUnlessAdded(definition, scheduler.clock().instant(), scheduler);
        } else {
          RunAtArgument.refusePast(definition, scheduler.clock().instant());
        }
        definitions.add(definition);
      } catch (ToolInputException e) {
        throw new ToolInputException("tasks", "item " + i + ": " + e.getMessage());
      } catch (InvalidTaskException e) {
        throw new ToolInputException(
            "tasks", "item " + i + ": " + ToolSpecs.asClientSpellsIt(e, taskArgs));
      }
    }
    return definitions;
  }

  static List<?> items(Map<String, Object> args) {
    Object tasks = args.get("tasks");
    if (!(tasks instanceof List<?> list) || list.isEmpty()) {
      throw new ToolInputException("tasks", "expected a non-empty array of task definitions");
    }
    if (list.size() > MAX_ITEMS) {
      throw new ToolInputException(
          "tasks",
          list.size()
              + " items; the most one call takes is "
              + MAX_ITEMS
              + ": send them in several calls");
    }
    return list;
  }

  /** The index of the item whose task_id is {@code taskId}, or -1. */
  static int indexOf(List<?> items, @Nullable String taskId) {
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) instanceof Map<?, ?> item
          && taskId != null
          && taskId.equals(item.get("task_id"))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The scheduler's refusal of one task, said of the item that defined it with the fields as that
   * item spelled them; other refusals (a cycle) as they are.
   */
  static RuntimeException refusalOfItem(InvalidTaskException e, List<?> items) {
    InvalidTaskException refusal = e.refusal();
    int i = indexOf(items, e.taskId());
    if (refusal == null || i < 0) {
      return e;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> itemArgs = (Map<String, Object>) items.get(i);
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
