package dev.schedulerd.mcp.tools;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.Map;

/**
 * One MCP tool in one place: what tools/list shows of it ({@link Declaration}) and its handler.
 * Adding a tool is a class implementing this and one line in {@link SchedulerTools#all()}; {@link
 * ToolSpecs#tool(McpTool)} turns bad input into {@code isError} answers naming the field.
 */
interface McpTool {

  /**
   * What tools/list shows of a tool.
   *
   * @param name {@code scheduler_...}
   * @param title a short human title
   * @param description what the model reads: what the tool does, its main arguments and an example
   *     call
   * @param inputSchema the JSON Schema of the arguments; {@code %STATUSES%}, {@code %PRIORITIES%}
   *     and the other placeholders of {@link ToolSchemas#withEnums} become the model's wire names
   * @param outputSchema the JSON Schema of {@code structuredContent}
   */
  record Declaration(
      String name,
      String title,
      String description,
      String inputSchema,
      String outputSchema,
      ToolAnnotations annotations) {}

  Declaration declaration();

  /**
   * Answers one call; throws {@link ToolInputException} (or the scheduler's exceptions) for bad
   * input.
   *
   * @param client the MCP client's name and version, from its initialize request
   */
  CallToolResult call(Map<String, Object> args, String client);
}
