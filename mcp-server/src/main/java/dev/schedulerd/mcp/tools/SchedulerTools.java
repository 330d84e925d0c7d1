package dev.schedulerd.mcp.tools;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.TaskPage;
import dev.schedulerd.api.store.TaskQuery;
import dev.schedulerd.runtime.Added;
import dev.schedulerd.runtime.DifferentTaskExistsException;
import dev.schedulerd.runtime.NoSuchTaskException;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's MCP tools, with the seed's names and arguments. Each handler turns bad input into
 * a tool result with {@code isError: true} naming the field, the value and what is accepted; only a
 * bug becomes a JSON-RPC error. Thread-safe: handlers run concurrently.
 */
public final class SchedulerTools {
  private final Scheduler scheduler;
  private final ToolSpecs specs;
  private final DaemonTools daemon;
  private final LookupTools lookups;
  private final RunWaits waits;

  public SchedulerTools(
      Scheduler scheduler,
      McpJsonMapper mapper,
      java.util.function.Supplier<Map<String, Object>> figures) {
    this.scheduler = scheduler;
    this.specs = new ToolSpecs(mapper);
    this.daemon = new DaemonTools(scheduler, specs, figures);
    this.lookups = new LookupTools(scheduler, specs);
    this.waits = new RunWaits(scheduler);
  }

  /** What scheduler_get_status and the status resource show. */
  public Map<String, Object> statusView() {
    return daemon.statusView();
  }

  /** Ends the waits in progress: the session is closing. */
  public void close() {
    waits.close();
  }

  public List<SyncToolSpecification> all() {
    List<SyncToolSpecification> all = new ArrayList<>(taskTools());
    all.addAll(lookups.all());
    all.addAll(daemon.all());
    return all;
  }

  private List<SyncToolSpecification> taskTools() {
    return List.of(
        specs.tool(
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
            ToolSchemas.OUT_ADD,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> addTask(args, client)),
        specs.tool(
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
            ToolSchemas.WORKFLOW_SCHEMA,
            ToolSchemas.OUT_WORKFLOW,
            ToolSpecs.annotations(false, false, false),
            (args, client) -> addWorkflow(args, client)),
        specs.tool(
            "scheduler_list_tasks",
            "List tasks",
            """
            List tasks, one short row each (id, status, next run), by task_id. Filter by status, \
            priority, task_type or label ("key=value"); page with limit (default 50) and \
            next_cursor. Example: {"status": "failed"}""",
            ToolSchemas.LIST_SCHEMA,
            ToolSchemas.OUT_LIST_TASKS,
            ToolSpecs.annotations(true, false, true),
            (args, client) -> listTasks(args)),
        specs.tool(
            "scheduler_get_task",
            "Get a task",
            """
            Show one task in full: definition, status, next run, its most recent runs (newest \
            first) and its next fire times. Example: {"task_id": "backup"}""",
            ToolSchemas.TASK_ID_SCHEMA,
            ToolSchemas.OUT_GET_TASK,
            ToolSpecs.annotations(true, false, true),
            (args, client) -> getTask(args)),
        specs.tool(
            "scheduler_remove_task",
            "Remove a task",
            """
            Delete a task and its run history for good; a run in flight on this daemon is \
            interrupted. Example: {"task_id": "backup"}""",
            ToolSchemas.TASK_ID_SCHEMA,
            ToolSchemas.OUT_REMOVE,
            ToolSpecs.annotations(false, true, true),
            (args, client) -> removeTask(args)),
        specs.tool(
            "scheduler_update_task",
            "Change a task",
            """
            Change some of a task's fields: task_id and only the fields to change, as \
            scheduler_add_task takes them; the others keep their values, null resets one to its \
            default, config and labels are replaced whole. A new schedule applies at once (after \
            the current run if running). Example: {"task_id": "backup", "cron_expression": \
            "0 4 * * *"}""",
            ToolSchemas.UPDATE_SCHEMA,
            ToolSchemas.OUT_TASK,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              String id = ToolArguments.required(args, "task_id");
              StoredTask current = scheduler.get(id).orElseThrow(() -> new NoSuchTaskException(id));
              TaskDefinition next = TaskUpdate.apply(current.definition(), args);
              if (args.containsKey("run_at")) {
                RunAtArgument.refusePast(next, scheduler.clock().instant());
              }
              StoredTask updated = scheduler.update(next);
              List<String> changed = new ArrayList<>(args.keySet());
              changed.remove("task_id");
              return ToolSpecs.result(
                  "Updated task '"
                      + updated.id()
                      + "'"
                      + (changed.isEmpty()
                          ? " (nothing given to change)"
                          : " (" + String.join(", ", changed) + ")")
                      + nextRunText(updated),
                  Map.of("task", TaskViews.task(updated)));
            }),
        specs.tool(
            "scheduler_pause_task",
            "Pause a task",
            """
            Hold a scheduled, retry_wait or waiting task until scheduler_resume_task (a running \
            one once its run ends). scheduler_pause_daemon holds every task. Example: \
            {"task_id": "backup"}""",
            ToolSchemas.TASK_ID_SCHEMA,
            ToolSchemas.OUT_TASK,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              StoredTask paused = scheduler.pause(ToolArguments.required(args, "task_id"));
              return ToolSpecs.result(
                  "Task '" + paused.id() + "' is " + paused.state().status().wireName(),
                  Map.of("task", TaskViews.task(paused)));
            }),
        specs.tool(
            "scheduler_resume_task",
            "Resume a task",
            """
            Queue a paused task again. Fire times that passed while paused follow its \
            missed_fire_policy (by default one catch-up run); a one-time task runs at its run_at \
            (at once if passed) or waits for its dependencies again. Example: {"task_id": \
            "backup"}""",
            ToolSchemas.TASK_ID_SCHEMA,
            ToolSchemas.OUT_TASK,
            ToolSpecs.annotations(false, false, true),
            (args, client) -> {
              StoredTask resumed = scheduler.resume(ToolArguments.required(args, "task_id"));
              return ToolSpecs.result(
                  "Task '"
                      + resumed.id()
                      + "' is "
                      + resumed.state().status().wireName()
                      + nextRunText(resumed),
                  Map.of("task", TaskViews.task(resumed)));
            }),
        specs.tool(
            "scheduler_run_task_now",
            "Run a task now",
            """
            Make a scheduled (or retry_wait) task due now; a recurring task keeps its schedule. \
            Paused tasks must be resumed first; finished ones cannot run again. \
            scheduler_wait_for_run gives the outcome. Example: {"task_id": "backup"}""",
            ToolSchemas.TASK_ID_SCHEMA,
            ToolSchemas.OUT_TASK,
            ToolSpecs.annotations(false, false, false),
            (args, client) -> {
              StoredTask due = scheduler.runNow(ToolArguments.required(args, "task_id"));
              return ToolSpecs.result(
                  "Task '" + due.id() + "' is due now", Map.of("task", TaskViews.task(due)));
            }),
        specs.tool(new WaitForRunTool(scheduler, waits)),
        specs.tool(new ListRunsTool(scheduler)));
  }

  // ---------------------------------------------------------------- handlers

  private CallToolResult addTask(Map<String, Object> args, String client) {
    TaskDefinition definition = ToolArguments.definitionFrom(args).withCreatedBy(client);
    RunAtArgument.refusePast(definition, scheduler.clock().instant());
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

  private CallToolResult addWorkflow(Map<String, Object> args, String client) {
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
      try {
        TaskDefinition definition = ToolArguments.definitionFrom(taskArgs).withCreatedBy(client);
        RunAtArgument.refusePast(definition, scheduler.clock().instant());
        definitions.add(definition);
      } catch (ToolInputException e) {
        throw new ToolInputException("tasks", "item " + i + ": " + e.getMessage());
      }
    }
    List<StoredTask> added;
    try {
      added = scheduler.addWorkflow(definitions);
    } catch (DuplicateTaskException e) {
      throw new ToolInputException(
          "tasks", e.getMessage() + "; nothing was added. Use new ids, or remove the old task");
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

  private CallToolResult listTasks(Map<String, Object> args) {
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
    String nextCursor = page.nextCursor();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tasks", rows);
    out.put("count", rows.size());
    if (nextCursor != null) {
      out.put("next_cursor", nextCursor);
    }
    return ToolSpecs.result(
        rows.size() + " task(s)" + (nextCursor != null ? "; more after cursor " + nextCursor : ""),
        out);
  }

  private CallToolResult getTask(Map<String, Object> args) {
    String id = ToolArguments.required(args, "task_id");
    StoredTask task =
        scheduler
            .get(id)
            .orElseThrow(
                () ->
                    new ToolInputException(
                        "task_id",
                        "no task '" + id + "'; scheduler_list_tasks shows the existing ones"));
    Map<String, Object> out = new LinkedHashMap<>();
    List<RunRecord> recent = scheduler.runs(id, 10);
    String explanation =
        TaskViews.explain(
            task,
            recent.isEmpty() ? null : recent.get(0),
            scheduler.defaultZone(),
            scheduler::get,
            TaskViews.nodeStart(scheduler));
    Map<String, Object> view = TaskViews.task(task);
    view.put("explanation", explanation);
    out.put("task", view);
    List<Map<String, Object>> runs = new ArrayList<>();
    recent.forEach(r -> runs.add(TaskViews.run(r, task.definition().createdBy())));
    out.put("recent_runs", runs);
    out.put("next_fire_times", nextFireTimes(task, 5));
    return ToolSpecs.result("Task '" + id + "': " + explanation, out);
  }

  private List<String> nextFireTimes(StoredTask task, int count) {
    Schedule schedule = task.definition().schedule();
    List<String> times = new ArrayList<>();
    Instant next = task.state().nextDueAt();
    if (next == null) {
      return times;
    }
    ZoneId zone = TaskViews.zoneOf(schedule);
    for (int i = 0; i < count && next != null; i++) {
      times.add(zone == null ? TaskViews.utc(next) : TaskViews.zoned(next, zone));
      if (!schedule.recurring()) {
        break;
      }
      next = scheduler.nextFireTime(schedule, next).orElse(null);
    }
    return times;
  }

  private String nextRunText(StoredTask task) {
    return TaskViews.nextRun(task, scheduler.defaultZone());
  }

  private CallToolResult removeTask(Map<String, Object> args) {
    String id = ToolArguments.required(args, "task_id");
    boolean removed = scheduler.remove(id);
    return ToolSpecs.result(
        removed ? "Removed task '" + id + "'" : "No task '" + id + "' existed; nothing removed",
        Map.of("task_id", id, "removed", removed));
  }
}
