package dev.schedulerd.mcp.tools;

import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry of the scheduler's MCP tools, with the seed's names and arguments: each tool is one
 * {@link McpTool} (task and run tools) or a small family ({@link LookupTools}, {@link
 * DaemonTools}). Each handler turns bad input into a tool result with {@code isError: true} naming
 * the field, the value and what is accepted; only a bug becomes a JSON-RPC error. Thread-safe:
 * handlers run concurrently.
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

  /**
   * Calls a tool in this process, as an MCP client would through the server (same guard, same
   * answer), for the operator's CLI on a store no daemon serves.
   *
   * @param client who calls, as runs and tasks record it
   * @throws IllegalArgumentException when there is no tool of that name
   */
  public io.modelcontextprotocol.spec.McpSchema.CallToolResult call(
      String tool, Map<String, Object> args, String client) {
    if (specs.guarded(tool) == null) {
      all(); // the handlers are registered as the specifications are made
    }
    ToolSpecs.Handler handler = specs.guarded(tool);
    if (handler == null) {
      throw new IllegalArgumentException("there is no tool named " + tool);
    }
    return handler.handle(args, client);
  }

  /** Every tool this server offers, in the order tools/list shows them: one line per tool. */
  public List<SyncToolSpecification> all() {
    List<McpTool> tools =
        List.of(
            new AddTaskTool(scheduler),
            new AddTasksTool(scheduler),
            new AddWorkflowTool(scheduler),
            new ListTasksTool(scheduler),
            new GetTaskTool(scheduler),
            new RemoveTaskTool(scheduler),
            new UpdateTaskTool(scheduler),
            new PauseTaskTool(scheduler),
            new ResumeTaskTool(scheduler),
            new RunTaskNowTool(scheduler),
            new SkipNextRunTool(scheduler),
            new RetryTaskTool(scheduler),
            new WaitForRunTool(scheduler, waits),
            new ListRunsTool(scheduler));
    List<SyncToolSpecification> all = new ArrayList<>();
    tools.forEach(tool -> all.add(specs.tool(tool)));
    all.addAll(lookups.all());
    all.addAll(daemon.all());
    return all;
  }
}
