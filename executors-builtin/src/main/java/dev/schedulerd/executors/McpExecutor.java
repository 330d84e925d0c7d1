package dev.schedulerd.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.EnvPolicy;
import dev.schedulerd.api.executor.EnvReferenceException;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.ExecutorSettings;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.api.json.TaskJson;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kind {@code mcp}: calls a tool on another MCP server, which the operator configured by name with
 * its command line ({@code executors.mcp.servers.NAME=COMMAND ARGS...}); an agent can thus schedule
 * any MCP tool call for later. Disabled until the operator enables it; only configured servers can
 * be called.
 *
 * <p>Config: {@code server} (a configured name), {@code tool}, {@code arguments} (an object). Each
 * server is started on first use and its connection kept for later runs; when it has died, the next
 * call starts it again (once per call). A tool result with {@code isError} is a failure that is not
 * retried (the tool refused its input); a broken connection is retried.
 */
public final class McpExecutor implements TaskExecutor {
  private static final Logger log = LoggerFactory.getLogger(McpExecutor.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("server", "tool", "arguments");
  private static final int KEPT_CHARS = 64 * 1024;

  private final InstantSource clock;
  private volatile ExecutorSettings settings = ExecutorSettings.none("mcp");
  private volatile Map<String, List<String>> servers = Map.of();
  private volatile EnvPolicy envPolicy = EnvPolicy.none("mcp");
  private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();

  public McpExecutor() {
    this(InstantSource.system());
  }

  McpExecutor(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public String kind() {
    return "mcp";
  }

  @Override
  public String description() {
    return "Calls a tool on another MCP server that the operator configured by name, e.g. to"
        + " schedule any MCP tool call for later. Disabled unless the operator enables it.";
  }

  @Override
  public boolean enabledByDefault() {
    return false;
  }

  @Override
  public void configure(ExecutorSettings operatorSettings) {
    Map<String, List<String>> configured = new TreeMap<>();
    operatorSettings
        .values()
        .forEach(
            (key, value) -> {
              if (key.startsWith("servers.") && key.length() > "servers.".length()) {
                List<String> command = CommandLines.split(value);
                if (command.isEmpty()) {
                  throw new IllegalArgumentException(
                      operatorSettings.keyName(key) + " is empty: give the server's command line");
                }
                configured.put(key.substring("servers.".length()), command);
              } else if (!key.equals("enabled") && !key.equals(EnvPolicy.KEY)) {
                throw new IllegalArgumentException(
                    "unknown setting "
                        + operatorSettings.keyName(key)
                        + ": use enabled, allow-env or servers.NAME");
              }
            });
    this.settings = operatorSettings;
    this.servers = configured;
    this.envPolicy = EnvPolicy.of(operatorSettings);
  }

  @Override
  public ObjectNode configSchema() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode schema = json.objectNode().put("type", "object");
    ObjectNode p = schema.putObject("properties");
    p.putObject("server")
        .put("type", "string")
        .put("description", "The name of a server the operator configured.");
    p.putObject("tool").put("type", "string").put("description", "The tool to call on it.");
    p.putObject("arguments").put("type", "object").put("description", "The tool's arguments.");
    schema.putArray("required").add("server").add("tool");
    schema.put("additionalProperties", false);
    return schema;
  }

  @Override
  public List<String> validate(ObjectNode config) {
    List<String> problems = new ArrayList<>();
    for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        problems.add("unknown field '" + name + "': use server, tool, arguments");
      }
    }
    JsonNode server = config.get("server");
    if (server == null || !server.isTextual()) {
      problems.add("server: required, the name of a configured MCP server" + known());
    } else if (!servers.containsKey(server.asText())) {
      problems.add(
          "server: '"
              + server.asText()
              + "' is not a server this daemon may call; the operator configures them as "
              + settings.keyName("servers.NAME")
              + "=COMMAND"
              + known());
    }
    JsonNode tool = config.get("tool");
    if (tool == null || !tool.isTextual() || tool.asText().isBlank()) {
      problems.add("tool: required, the name of the tool to call");
    }
    JsonNode arguments = config.get("arguments");
    if (arguments != null && !arguments.isObject()) {
      problems.add("arguments: expected an object, got " + TaskJson.kindOf(arguments));
    }
    return problems;
  }

  /**
   * String values anywhere in the arguments may be {@code ${env:NAME}} (names in {@code
   * executors.mcp.allow-env}), resolved now through the run's context, which masks them after.
   */
  private static JsonNode resolveEnv(JsonNode node, String where, ExecutionContext context) {
    if (node.isTextual()) {
      return JsonNodeFactory.instance.textNode(context.resolveEnv(node.asText(), where));
    }
    if (node instanceof ObjectNode object) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        object.set(name, resolveEnv(object.get(name), where + "." + name, context));
      }
    } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, resolveEnv(array.get(i), where + "[" + i + "]", context));
      }
    }
    return node;
  }

  private String known() {
    return servers.isEmpty()
        ? " (none configured)"
        : " (configured: " + String.join(", ", servers.keySet()) + ")";
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) throws InterruptedException {
    ObjectNode config = context.config();
    List<String> problems = validate(config);
    if (!problems.isEmpty()) {
      return ExecutionResult.permanentFailure(
          "refused on this node: " + String.join("; ", problems));
    }
    String server = config.get("server").asText();
    String tool = config.get("tool").asText();
    Map<String, Object> arguments;
    try {
      JsonNode resolved =
          resolveEnv(config.path("arguments").deepCopy(), "config.arguments", context);
      @SuppressWarnings("unchecked")
      Map<String, Object> asMap =
          resolved.isObject() ? JSON.convertValue(resolved, Map.class) : Map.of();
      arguments = asMap;
    } catch (EnvReferenceException e) {
      return ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
    }
    Duration timeout = Duration.between(clock.instant(), context.deadline());
    if (timeout.isNegative() || timeout.isZero()) {
      timeout = Duration.ofSeconds(1);
    }
    Connection connection =
        connections.computeIfAbsent(
            server, name -> new Connection(name, servers.get(name), envPolicy));
    McpSchema.CallToolResult result;
    try {
      result = connection.call(tool, arguments, timeout);
    } catch (CannotStartException e) {
      return ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
    } catch (RuntimeException first) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("interrupted while calling " + server + "/" + tool);
      }
      // The server may have died since the last run: start it again, once.
      context
          .logger()
          .warn(
              "Calling {}/{} failed ({}); restarting the server and trying once more",
              server,
              tool,
              first.toString());
      connection.reset();
      try {
        result = connection.call(tool, arguments, timeout);
      } catch (CannotStartException e) {
        return ExecutionResult.permanentFailure(String.valueOf(e.getMessage()));
      } catch (RuntimeException second) {
        connection.reset();
        return ExecutionResult.failure(
            "calling tool '"
                + tool
                + "' on MCP server '"
                + server
                + "' failed: "
                + second.getMessage());
      }
    }
    String text = describe(server, tool, result, context);
    return Boolean.TRUE.equals(result.isError())
        ? ExecutionResult.permanentFailure(text)
        : ExecutionResult.success(text);
  }

  private static String describe(
      String server, String tool, McpSchema.CallToolResult result, ExecutionContext context) {
    StringBuilder text = new StringBuilder();
    text.append(Boolean.TRUE.equals(result.isError()) ? "tool error from " : "result of ")
        .append(server)
        .append('/')
        .append(tool)
        .append('\n');
    if (result.content() != null) {
      for (McpSchema.Content content : result.content()) {
        if (content instanceof McpSchema.TextContent t) {
          text.append(t.text()).append('\n');
        } else {
          text.append('[').append(content.type()).append(" content]\n");
        }
      }
    }
    if (result.structuredContent() != null) {
      try {
        text.append("--- structuredContent ---\n")
            .append(JSON.writeValueAsString(result.structuredContent()));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        text.append("(structuredContent could not be shown)");
      }
    }
    String out = context.mask(text.toString().stripTrailing()); // before the cut: none cut in two
    return out.length() <= KEPT_CHARS
        ? out
        : out.substring(0, KEPT_CHARS)
            + "\n… ("
            + (out.length() - KEPT_CHARS)
            + " more characters dropped)";
  }

  @Override
  public void close() {
    connections.values().forEach(Connection::reset);
    connections.clear();
  }

  private static final String SETSID = "/usr/bin/setsid";
  private static final String SH = "/bin/sh";
  private static final String ENV = "/usr/bin/env";

  /**
   * Becomes the server ("$@", by exec, keeping its pid and pipes) beside a watcher that, once a
   * second, checks that the daemon (its parent) and the server still live, and then kills the
   * process group.
   */
  private static final String WATCHED =
      "daemon=$PPID\n"
          + "(while kill -0 \"$daemon\" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done;"
          + " kill -KILL 0) </dev/null >/dev/null 2>&1 &\n"
          + "exec \"$@\"\n";

  /** A configured server whose program is not there to start: retrying cannot help. */
  private static final class CannotStartException extends RuntimeException {
    CannotStartException(String message) {
      super(message);
    }
  }

  /** One configured server: its client, started on first use, reused, restarted after failure. */
  private static final class Connection {
    private final String name;
    private final List<String> command;
    private final EnvPolicy envPolicy;
    private final ReentrantLock lock = new ReentrantLock();
    private @Nullable McpSyncClient client; // guarded by lock
    private @Nullable ProcessHandle process; // guarded by lock; the server, when found

    Connection(String name, @Nullable List<String> command, EnvPolicy envPolicy) {
      this.name = name;
      this.command = command == null ? List.of() : command;
      this.envPolicy = envPolicy;
    }

    McpSchema.CallToolResult call(String tool, Map<String, Object> arguments, Duration timeout) {
      lock.lock();
      try {
        McpSyncClient current = client;
        ProcessHandle server = process;
        if (current != null && server != null && !server.isAlive()) {
          // It died since the last run: do not wait out a request timeout to find out.
          log.warn("MCP server '{}' (pid {}) has exited; starting it again", name, server.pid());
          closeQuietly(current);
          current = null;
        }
        if (current == null) {
          Set<Long> before = childPids();
          current = start(timeout);
          client = current;
          process =
              ProcessHandle.current()
                  .children()
                  .filter(child -> !before.contains(child.pid()))
                  .findFirst()
                  .orElse(null);
        }
        return current.callTool(new McpSchema.CallToolRequest(tool, arguments));
      } finally {
        lock.unlock();
      }
    }

    private McpSyncClient start(Duration timeout) {
      // Not the daemon's whole environment, which holds the operator's secrets: the shell's
      // base, plus the variables the operator lets mcp tasks use (servers often read a token).
      Map<String, String> environment = new LinkedHashMap<>();
      System.getenv()
          .forEach(
              (key, value) -> {
                if (ShellExecutor.inBaseEnvironment(key) || envPolicy.allows(key)) {
                  environment.put(key, value);
                }
              });
      // The SDK's transport reports a program that cannot start only as a log line, and the call
      // then waits out its timeout holding a slot: find out first, and fail the attempt at once.
      if (command.isEmpty() || ProgramPaths.resolve(command.get(0)).isEmpty()) {
        throw new CannotStartException(
            "cannot start MCP server '"
                + name
                + "': '"
                + (command.isEmpty() ? "" : command.get(0))
                + "' is not an executable file on this node (No such file, or not executable;"
                + " the operator sets its command line in executors.mcp.servers."
                + name
                + ")");
      }
      log.info("Starting MCP server '{}': {}", name, command);
      List<String> launched = launcher(environment.keySet());
      launched.addAll(command);
      ServerParameters parameters =
          ServerParameters.builder(launched.get(0))
              .args(launched.subList(1, launched.size()))
              .env(environment)
              .build();
      StdioClientTransport transport =
          new StdioClientTransport(parameters, McpJsonDefaults.getMapper());
      transport.setStdErrorHandler(line -> log.debug("[{}] {}", name, line));
      McpSyncClient started =
          McpClient.sync(transport)
              .clientInfo(new McpSchema.Implementation("schedulerd-mcp-executor", "1"))
              .requestTimeout(timeout)
              .initializationTimeout(min(timeout, Duration.ofSeconds(30)))
              .build();
      try {
        started.initialize();
      } catch (RuntimeException e) {
        started.close();
        throw e;
      }
      return started;
    }

    /**
     * What runs the server's command line: in a process group of its own, beside a watcher that
     * kills the group once the daemon or the server is gone (so nothing the server started outlives
     * the daemon, even after kill -9), and through {@code env -u} for every variable of the
     * daemon's environment it may not see (the SDK's transport adds {@code kept} to the daemon's
     * whole environment rather than replacing it).
     */
    private static List<String> launcher(Set<String> kept) {
      List<String> launched = new ArrayList<>();
      if (Files.isExecutable(Path.of(SETSID)) && Files.isExecutable(Path.of(SH))) {
        launched.addAll(List.of(SETSID, SH, "-c", WATCHED, "mcp-server"));
      }
      if (Files.isExecutable(Path.of(ENV))) {
        launched.add(ENV);
        for (String variable : System.getenv().keySet()) {
          if (!kept.contains(variable) && !variable.isEmpty() && !variable.contains("=")) {
            launched.add("-u");
            launched.add(variable);
          }
        }
        launched.add("--");
      }
      return launched;
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) < 0 ? a : b;
    }

    private static Set<Long> childPids() {
      return ProcessHandle.current()
          .children()
          .map(ProcessHandle::pid)
          .collect(java.util.stream.Collectors.toSet());
    }

    private static void closeQuietly(McpSyncClient current) {
      try {
        current.closeGracefully();
      } catch (RuntimeException e) {
        current.close();
      }
    }

    void reset() {
      lock.lock();
      try {
        McpSyncClient current = client;
        ProcessHandle server = process;
        client = null;
        process = null;
        if (current != null) {
          closeQuietly(current);
        }
        if (server != null && server.isAlive()) {
          server.destroy();
        }
      } finally {
        lock.unlock();
      }
    }
  }
}
