package dev.schedulerd.mcp.server;

import dev.schedulerd.mcp.tools.SchedulerTools;
import dev.schedulerd.mcp.transport.GuardedTransportProvider;
import dev.schedulerd.mcp.transport.LineStdioTransportProvider;
import dev.schedulerd.runtime.Scheduler;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The MCP server of a {@link Scheduler}: one session over a pair of streams (stdio), or every
 * session of a Unix socket, serving its tools and resources. Closing it closes the MCP server; the
 * scheduler belongs to the caller.
 */
public final class SchedulerdServer implements AutoCloseable {
  private final McpSyncServer server;
  private final GuardedTransportProvider transport;
  private final SchedulerResources resources;
  private final SchedulerTools tools;

  public SchedulerdServer(
      Scheduler scheduler,
      String version,
      InputStream in,
      OutputStream out,
      Runnable onSessionEnd) {
    this(scheduler, version, in, out, onSessionEnd, Map::of);
  }

  /**
   * @param figures run figures (finished by outcome, retries, lateness) that the status tools add
   *     to the scheduler's own, e.g. from the metrics module
   */
  public SchedulerdServer(
      Scheduler scheduler,
      String version,
      InputStream in,
      OutputStream out,
      Runnable onSessionEnd,
      Supplier<Map<String, Object>> figures) {
    this(
        scheduler,
        version,
        new LineStdioTransportProvider(
            McpJsonDefaults.getMapper(),
            in,
            out,
            LineStdioTransportProvider.DEFAULT_MAX_LINE_BYTES,
            onSessionEnd),
        figures);
  }

  /**
   * Serves the sessions of {@code transport} (stdio's one, or a socket's many) on one server.
   *
   * @param figures as above
   */
  public SchedulerdServer(
      Scheduler scheduler,
      String version,
      GuardedTransportProvider transport,
      Supplier<Map<String, Object>> figures) {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    this.transport = transport;
    this.transport.guardRequests(
        (method, params) -> SchedulerResources.subscriptionRefusal(scheduler, method, params));
    this.tools = new SchedulerTools(scheduler, json, figures);
    List<SyncToolSpecification> toolSpecs = tools.all();
    List<Map<String, Object>> outputSchemas = new ArrayList<>();
    for (SyncToolSpecification spec : toolSpecs) {
      if (spec.tool().outputSchema() != null) {
        outputSchemas.add(spec.tool().outputSchema());
      }
    }
    this.resources = new SchedulerResources(scheduler, tools::statusView);
    this.server =
        McpServer.sync(transport)
            .serverInfo("schedulerd", version)
            .jsonMapper(json)
            .jsonSchemaValidator(
                new ArgumentsFirstValidator(
                    McpJsonDefaults.getSchemaValidator(),
                    outputSchemas,
                    ArgumentsFirstValidator.assertionsEnabled()))
            .instructions(
                "schedulerd runs tasks in the background: now, at an instant, on a cron in a time"
                    + " zone, or every interval, by priority, with retries and timeouts. Add tasks"
                    + " with scheduler_add_task; inspect them with scheduler_list_tasks and"
                    + " scheduler_get_task. Every answer's structuredContent has a summary: the"
                    + " answer in one line; the text content holds the same JSON.")
            .capabilities(
                McpSchema.ServerCapabilities.builder().tools(false).resources(true, false).build())
            .tools(toolSpecs)
            .resources(resources.resources())
            .resourceTemplates(resources.templates())
            .build();
    resources.attach(server);
  }

  /** The transport, for tests that replace its request guard. */
  GuardedTransportProvider transport() {
    return transport;
  }

  /**
   * Blocks until the client closes its end.
   *
   * @throws IllegalStateException when serving a socket, whose sessions come and go
   */
  public void awaitSessionEnd() throws InterruptedException {
    if (!(transport instanceof LineStdioTransportProvider stdio)) {
      throw new IllegalStateException("a socket's sessions have no one end");
    }
    stdio.awaitSessionEnd();
  }

  @Override
  public void close() {
    tools.close();
    resources.close();
    server.closeGracefully();
  }
}
