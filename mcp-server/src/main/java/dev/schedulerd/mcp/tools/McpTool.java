package dev.schedulerd.mcp.tools;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.Map;

/**
 * One MCP tool in one place: what tools/list shows of it (name, title, description, input and
 * output schema, hints) and its handler. Adding a tool is a class implementing this and one line in
 * {@link SchedulerTools#all()}; {@link ToolSpecs#tool(McpTool)} turns bad input into {@code
 * isError} answers naming the field.
 */
interface McpTool {

  /** The tool's name, {@code scheduler_...}. */
  String name();

  /** A short human title. */
  String title();

  /** What the model reads: what the tool does, its main arguments and an example call. */
  String description();

  /** The JSON Schema of the arguments. */
  String inputSchema();

  /** The JSON Schema of {@code structuredContent}. */
  String outputSchema();

  ToolAnnotations annotations();

  /**
   * Answers one call; throws {@link ToolInputException} (or the scheduler's exceptions) for bad
   * input.
   *
   * @param client the MCP client's name and version, from its initialize request
   */
  CallToolResult call(Map<String, Object> args, String client);
}
