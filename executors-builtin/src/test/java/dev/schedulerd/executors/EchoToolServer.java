package dev.schedulerd.executors;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.concurrent.CountDownLatch;

/**
 * A real MCP server over stdio for the mcp executor's tests, run as its own process: tools {@code
 * echo} (returns {@code text}) and {@code refuse} (returns {@code isError}); {@code pid} returns
 * its process id, so a test can kill it; {@code env} returns the names of its environment; {@code
 * spawn} starts a {@code sleep} and returns that process's id.
 */
public final class EchoToolServer {
  private EchoToolServer() {}

  public static void main(String[] args) throws InterruptedException {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    String schema = "{\"type\": \"object\", \"properties\": {\"text\": {\"type\": \"string\"}}}";
    McpServer.sync(new StdioServerTransportProvider(json))
        .serverInfo("echo-tools", "1")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(
            SyncToolSpecification.builder()
                .tool(
                    McpSchema.Tool.builder()
                        .name("echo")
                        .description("echo")
                        .inputSchema(json, schema)
                        .build())
                .callHandler(
                    (exchange, request) ->
                        McpSchema.CallToolResult.builder()
                            .addTextContent("echo: " + request.arguments().get("text"))
                            .isError(false)
                            .build())
                .build(),
            SyncToolSpecification.builder()
                .tool(
                    McpSchema.Tool.builder()
                        .name("refuse")
                        .description("refuse")
                        .inputSchema(json, schema)
                        .build())
                .callHandler(
                    (exchange, request) ->
                        McpSchema.CallToolResult.builder()
                            .addTextContent("no, never")
                            .isError(true)
                            .build())
                .build(),
            SyncToolSpecification.builder()
                .tool(
                    McpSchema.Tool.builder()
                        .name("pid")
                        .description("pid")
                        .inputSchema(json, schema)
                        .build())
                .callHandler(
                    (exchange, request) ->
                        McpSchema.CallToolResult.builder()
                            .addTextContent(Long.toString(ProcessHandle.current().pid()))
                            .isError(false)
                            .build())
                .build(),
            SyncToolSpecification.builder()
                .tool(
                    McpSchema.Tool.builder()
                        .name("env")
                        .description("env")
                        .inputSchema(json, schema)
                        .build())
                .callHandler(
                    (exchange, request) ->
                        McpSchema.CallToolResult.builder()
                            .addTextContent(
                                String.join(",", new java.util.TreeSet<>(System.getenv().keySet())))
                            .isError(false)
                            .build())
                .build(),
            SyncToolSpecification.builder()
                .tool(
                    McpSchema.Tool.builder()
                        .name("spawn")
                        .description("spawn")
                        .inputSchema(json, schema)
                        .build())
                .callHandler(
                    (exchange, request) -> {
                      try {
                        Process sleeper = new ProcessBuilder("/bin/sleep", "300").start();
                        return McpSchema.CallToolResult.builder()
                            .addTextContent(Long.toString(sleeper.pid()))
                            .isError(false)
                            .build();
                      } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                      }
                    })
                .build())
        .build();
    new CountDownLatch(1).await(); // served until the client closes our stdin and kills us
  }
}
