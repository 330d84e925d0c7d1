package dev.schedulerd.api.executor;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Does the work of tasks of one {@link #kind()}.
 *
 * <p><b>Discovery.</b> Implementations are found once, at start-up, with {@link
 * java.util.ServiceLoader}: list the class in {@code
 * META-INF/services/dev.schedulerd.api.executor.TaskExecutor} and give it a public no-argument
 * constructor. Two executors with the same kind stop the scheduler from starting; an executor whose
 * constructor throws is logged and skipped.
 *
 * <p><b>Threads.</b> One instance serves every task of its kind: {@link #validate} is called on the
 * thread that adds a task, {@link #execute} on a virtual thread per run, many at once. Both must
 * therefore be thread-safe. The scheduler guards every call: whatever an executor throws becomes a
 * failed validation or a failed run, never a dead scheduler.
 *
 * <p><b>Evolution.</b> Methods are only ever added with a default, so an executor built against an
 * older version keeps working.
 */
public interface TaskExecutor {

  /**
   * The name tasks use to select this executor (the seed's {@code task_type}): lowercase letters,
   * digits, {@code _} or {@code -}, constant for the life of the instance.
   */
  String kind();

  /** One sentence for humans and agents on what this executor does. */
  default String description() {
    return "";
  }

  /**
   * The JSON Schema (draft 2020-12) of the {@code config} object this executor accepts; clients see
   * it so that an agent can write a valid config. The default accepts any object.
   */
  default ObjectNode configSchema() {
    ObjectNode schema = JsonNodeFactory.instance.objectNode();
    schema.put("type", "object");
    return schema;
  }

  /**
   * Checks a task's config when the task is added, so that a bad config is refused then and not
   * discovered at 3 a.m. Returns the problems found, each naming the field, the value received and
   * what would be accepted; an empty list accepts the config.
   *
   * @param config the task's config, a private copy the executor may keep
   */
  default List<String> validate(ObjectNode config) {
    return List.of();
  }

  /**
   * Whether the executor runs tasks when the operator's config does not say ({@code
   * executors.KIND.enabled}). Executors that act outside the daemon (a shell, another MCP server)
   * return false: an MCP client is an LLM, and what it schedules runs unattended later.
   */
  default boolean enabledByDefault() {
    return true;
  }

  /**
   * Receives the operator's {@code executors.KIND.*} settings, once at start, before any {@link
   * #validate} or {@link #execute}.
   *
   * @throws IllegalArgumentException naming the key ({@link ExecutorSettings#keyName}) when a
   *     setting is invalid; the daemon then refuses to start
   */
  default void configure(ExecutorSettings settings) {}

  /**
   * Releases what the executor holds (connections, child processes) when the daemon stops. Runs may
   * not follow.
   */
  default void close() {}

  /**
   * Runs one attempt of a task and says how it went.
   *
   * <p>Called on a virtual thread of its own. The run may block; when the task's timeout passes or
   * the scheduler stops, the thread is interrupted and {@link ExecutionContext#isCancelled()} turns
   * true: return or throw soon after. Throwing is the same as returning {@link
   * ExecutionResult#failure(String)} with the exception's message.
   *
   * @return never null
   */
  ExecutionResult execute(ExecutionContext context) throws Exception;

  /** The body of an executor written as a lambda. */
  @FunctionalInterface
  interface Body {
    ExecutionResult execute(ExecutionContext context) throws Exception;
  }

  /**
   * An executor of tasks of {@code kind} that runs {@code body}, accepting any config: for code
   * that embeds the scheduler and runs its own work ({@code TaskExecutor.of("report", ctx ->
   * ExecutionResult.success(build(ctx.config(Report.class))))}). Plug-ins for the daemon implement
   * the interface, with a description, a config schema and validation.
   */
  static TaskExecutor of(String kind, Body body) {
    java.util.Objects.requireNonNull(kind, "kind");
    java.util.Objects.requireNonNull(body, "body");
    return new TaskExecutor() {
      @Override
      public String kind() {
        return kind;
      }

      @Override
      public ExecutionResult execute(ExecutionContext context) throws Exception {
        return body.execute(context);
      }

      @Override
      public String toString() {
        return "TaskExecutor.of(" + kind + ")";
      }
    };
  }
}
