package dev.schedulerd.bench;

import dev.schedulerd.mcp.transport.LineStdioTransportProvider;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * The peer of W6 and W7: a bare MCP Java SDK 2.1.0 server with one trivial tool, {@code ping}, on
 * the SDK's stock stdio transport, or with {@code --line-transport} on schedulerd's (which
 * serializes sends; the stock one can lose the session with many requests in flight). Runs until
 * killed or, on schedulerd's transport, until stdin closes.
 */
@SuppressForbidden(reason = "stdout is the protocol's, stderr the log's, as in schedulerd's Main")
public final class BareMcpServer {
  private BareMcpServer() {}

  public static void main(String[] args) throws InterruptedException {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    boolean lineTransport = List.of(args).contains("--line-transport");
    PrintStream protocolOut = System.out;
    System.setOut(System.err);
    LineStdioTransportProvider line =
        new LineStdioTransportProvider(
            json,
            new FileInputStream(FileDescriptor.in),
            protocolOut,
            LineStdioTransportProvider.DEFAULT_MAX_LINE_BYTES,
            () -> {});
    McpServerTransportProvider transport =
        lineTransport ? line : new StdioServerTransportProvider(json, System.in, protocolOut);
    Tool ping =
        Tool.builder()
            .name("ping")
            .description("Answers pong.")
            .inputSchema(json, "{\"type\":\"object\",\"properties\":{}}")
            .build();
    McpServer.sync(transport)
        .serverInfo("bare", "1")
        .jsonMapper(json)
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(
            SyncToolSpecification.builder()
                .tool(ping)
                .callHandler(
                    (exchange, request) ->
                        CallToolResult.builder().addTextContent("pong").isError(false).build())
                .build())
        .build();
    if (lineTransport) {
      line.awaitSessionEnd();
    } else {
      Thread.currentThread().join(); // until killed
    }
  }
}
