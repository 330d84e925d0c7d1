package dev.schedulerd.mcp.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.runtime.NoSuchTaskException;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every tool is declared and answers: its specification with schemas and annotations, bad input
 * turned into {@code isError} results naming the field, and each answer in both {@code
 * structuredContent} and a text block of the same JSON.
 */
final class ToolSpecs {
  private static final Logger log = LoggerFactory.getLogger(ToolSpecs.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final McpJsonMapper mapper;

  /** Each tool's handler behind the guard, by name: for callers in this process (the CLI). */
  private final Map<String, Handler> guarded = new java.util.concurrent.ConcurrentHashMap<>();

  ToolSpecs(McpJsonMapper mapper) {
    this.mapper = mapper;
  }

  /** The guarded handler of the tool named {@code name}, once its specification was made. */
  @Nullable Handler guarded(String name) {
    return guarded.get(name);
  }

  interface Handler {
    /**
     * @param client who calls: the MCP client's name and version from its initialize request
     */
    CallToolResult handle(Map<String, Object> args, String client);
  }

  /** The longest client name kept: it is stored with every task the client adds. */
  static final int MAX_CLIENT_NAME = 120;

  /**
   * Who calls, as its initialize request named itself: untrusted text that goes into tasks and log
   * lines, so made printable and cut short.
   */
  static String clientOf(McpSyncServerExchange exchange) {
    McpSchema.Implementation info = exchange.getClientInfo();
    if (info == null || info.name() == null) {
      return "unknown client";
    }
    String name = info.version() == null ? info.name() : info.name() + " " + info.version();
    return dev.schedulerd.mcp.Printable.of(name, MAX_CLIENT_NAME);
  }

  /** The specification of {@code tool}: its declaration, and its handler behind the guard. */
  SyncToolSpecification tool(McpTool tool) {
    McpTool.Declaration declared = tool.declaration();
    return tool(
        declared.name(),
        declared.title(),
        declared.description(),
        ToolSchemas.withEnums(declared.inputSchema()),
        ToolSchemas.withEnums(declared.outputSchema()),
        declared.annotations(),
        tool::call);
  }

  SyncToolSpecification tool(
      String name,
      String title,
      String description,
      String schema,
      String outputSchema,
      ToolAnnotations annotations,
      Handler handler) {
    Tool tool =
        Tool.builder()
            .name(name)
            .title(title)
            .description(description)
            .inputSchema(mapper, schema)
            .outputSchema(mapper, outputSchema)
            .annotations(annotations)
            .build();
    Handler guard = (args, client) -> answer(name, handler, args, client);
    guarded.put(name, guard);
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler(
            (exchange, request) ->
                guard.handle(
                    request.arguments() == null ? Map.of() : request.arguments(),
                    clientOf(exchange)))
        .build();
  }

  /** One call, with bad input and failures turned into {@code isError} results. */
  private CallToolResult answer(
      String name, Handler handler, Map<String, Object> args, String client) {
    try {
      return handler.handle(args, client);
    } catch (InvalidTaskException e) {
      return error(asClientSpellsIt(e, args));
    } catch (ToolInputException e) {
      return error(String.valueOf(e.getMessage()));
    } catch (NoSuchTaskException e) {
      return error("task_id: " + e.getMessage() + "; scheduler_list_tasks shows the existing ones");
    } catch (IllegalStateException e) {
      return error(String.valueOf(e.getMessage()));
    } catch (DuplicateTaskException e) {
      return error("task_id: " + String.valueOf(e.getMessage()));
    } catch (StoreException e) {
      // The store's own words name it and what to do; no stack trace per call (a lost store
      // file fails every write the same way).
      log.warn("Tool {} failed: {}", name, e.getMessage());
      log.debug("Tool {} failed", name, e);
      return error(name + " failed in the task store: " + e.getMessage());
    } catch (RuntimeException e) {
      log.error("Tool {} failed", name, e);
      return error("internal error in " + name + ": " + e + ". The daemon's log has details.");
    }
  }

  static ToolAnnotations annotations(boolean readOnly, boolean destructive, boolean idempotent) {
    return new ToolAnnotations(null, readOnly, destructive, idempotent, false, null);
  }

  /** The arguments that make up a task's schedule, in the order an error names the first given. */
  private static final java.util.List<String> SCHEDULE_ARGUMENTS =
      java.util.List.of("cron_expression", "interval", "run_at", "cron_dialect", "time_zone");

  /**
   * The runtime's message with the field as the client spelled it: the runtime says {@code
   * schedule} for what a client gives as {@code cron_expression}, {@code interval} or {@code
   * run_at}.
   */
  static String asClientSpellsIt(InvalidTaskException e, Map<String, Object> args) {
    String message = String.valueOf(e.getMessage());
    if (!e.field().equals("schedule") || !message.startsWith("schedule: ")) {
      return message;
    }
    for (String argument : SCHEDULE_ARGUMENTS) {
      if (args.containsKey(argument)) {
        return argument + message.substring("schedule".length());
      }
    }
    return message;
  }

  /**
   * A page of a listing: {@code rows} under {@code key}, their count, and the cursor of the next
   * page when there is one; the summary says how many and where more are.
   */
  static CallToolResult page(
      String key, String noun, java.util.List<Map<String, Object>> rows, @Nullable String next) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put(key, rows);
    out.put("count", rows.size());
    if (next != null) {
      out.put("next_cursor", next);
    }
    return result(
        rows.size() + " " + noun + "(s)" + (next != null ? "; more after cursor " + next : ""),
        out);
  }

  /**
   * The whole answer in both places, since clients differ in which one the model sees: {@code
   * structuredContent} with the one-line {@code summary} first, and the text block its JSON (as the
   * MCP spec says a tool with structured output should).
   */
  static CallToolResult result(String summary, Map<String, Object> structured) {
    Map<String, Object> full = new LinkedHashMap<>();
    full.put("summary", summary);
    full.putAll(structured);
    return answer(full);
  }

  static CallToolResult answer(Map<String, Object> structured) {
    String json;
    try {
      json = JSON.writeValueAsString(structured);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("an answer that cannot be written as JSON", e);
    }
    return CallToolResult.builder()
        .addTextContent(json)
        .structuredContent(structured)
        .isError(false)
        .build();
  }

  static CallToolResult error(@Nullable String message) {
    return CallToolResult.builder().addTextContent(String.valueOf(message)).isError(true).build();
  }
}
