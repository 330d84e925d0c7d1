package dev.schedulerd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a client asked for: which executor runs what, when, how urgently, and how failures are
 * handled. Immutable: {@code config} is copied in and out.
 *
 * @param id unique per store; letters, digits, {@code . _ - :}, at most 128 characters
 * @param executorKind the {@link dev.schedulerd.api.executor.TaskExecutor#kind()} that runs it (the
 *     seed's {@code task_type})
 * @param config the executor's arguments, a JSON object checked against its schema when added
 * @param timeout how long one run may take before it is interrupted; null means the scheduler's
 *     default
 * @param labels free-form key/value pairs for filtering
 * @param createdBy who created the task, e.g. the MCP client's name and version; empty if unknown
 * @param firePolicy what happens to fire times that are missed or overlap a run, and jitter;
 *     recurring tasks only
 * @param dependencies the tasks this one runs after; one-shot tasks only
 * @param resources named concurrency groups a run holds one unit of each of while it runs (e.g.
 *     {@code gpu}); a run waits until every one has a free unit on the node
 */
public record TaskDefinition(
    String id,
    String executorKind,
    Priority priority,
    Schedule schedule,
    ObjectNode config,
    String description,
    RetryPolicy retryPolicy,
    @Nullable Duration timeout,
    Map<String, String> labels,
    String createdBy,
    FirePolicy firePolicy,
    Dependencies dependencies,
    List<String> resources) {

  /** Room for ":" and an ISO-8601 instant with nanoseconds in the run tasks' ids. */
  public static final int MAX_ID_WITH_ALLOW = 128 - 31;

  public TaskDefinition {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(executorKind, "executorKind");
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(createdBy, "createdBy");
    Objects.requireNonNull(firePolicy, "firePolicy");
    Objects.requireNonNull(dependencies, "dependencies");
    Objects.requireNonNull(resources, "resources");
    resources = List.copyOf(resources);
    if (resources.size() > 16 || new java.util.HashSet<>(resources).size() != resources.size()) {
      throw new InvalidTaskException(
          "resources", "name at most 16 distinct groups, got " + resources);
    }
    for (String resource : resources) {
      if (!isValidKind(resource)) {
        throw new InvalidTaskException(
            "resources",
            "resource '"
                + resource
                + "' is invalid: use lowercase letters, digits, '_' or '-', starting with a"
                + " letter");
      }
    }
    if (dependencies.taskIds().contains(id)) {
      throw new InvalidTaskException("depends_on", "task '" + id + "' cannot depend on itself");
    }
    if (firePolicy.overlap() == FirePolicy.Overlap.ALLOW && id.length() > MAX_ID_WITH_ALLOW) {
      throw new InvalidTaskException(
          "overlap",
          "task id '"
              + id
              + "' is too long for overlap=allow: each run becomes a task 'ID:FIRE_TIME', so the"
              + " id may have at most "
              + MAX_ID_WITH_ALLOW
              + " characters");
    }
    if (!dependencies.isEmpty() && schedule.recurring()) {
      throw new InvalidTaskException(
          "depends_on",
          "task '"
              + id
              + "' has a recurring schedule and dependencies: only one-shot tasks (immediate or"
              + " run_at) can depend on others");
    }
    if (!isValidId(id)) {
      throw new InvalidTaskException(
          "task_id",
          "task id '"
              + id
              + "' is invalid: use 1-128 letters, digits, '.', '_', '-' or ':', starting with a"
              + " letter or digit");
    }
    if (!isValidKind(executorKind)) {
      throw new InvalidTaskException(
          "task_type",
          "executor kind '"
              + executorKind
              + "' is invalid: use lowercase letters, digits, '_' or '-', starting with a letter");
    }
    if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
      throw new InvalidTaskException("timeout", "timeout must be positive, got " + timeout);
    }
    config = ownCopy(config);
    labels = Map.copyOf(labels);
  }

  private static final ObjectNode EMPTY_CONFIG = JsonNodeFactory.instance.objectNode();

  /**
   * The definition's own copy of a config, never handed out (the accessor copies) nor changed.
   * Sized for a pending task's heap (W4): most tasks have no config and share one empty node, where
   * an ObjectNode and its map each took about 90 bytes; a config of one property keeps it in an
   * immutable one-entry map (32 bytes), where a copy's LinkedHashMap with its table and entry took
   * about 180. Larger configs are copied as they are, in their order.
   */
  private static ObjectNode ownCopy(ObjectNode config) {
    if (config.isEmpty()) {
      return EMPTY_CONFIG;
    }
    if (config.size() != 1) {
      return config.deepCopy();
    }
    // Only the value is copied: a whole copy's map would be thrown away at once (every decoded
    // definition passes here at start-up).
    Map.Entry<String, JsonNode> only = config.properties().iterator().next();
    return new ObjectNode(
        JsonNodeFactory.instance, Map.of(only.getKey(), only.getValue().deepCopy()));
  }

  /** A copy of the executor's arguments. */
  @Override
  public ObjectNode config() {
    return config.deepCopy();
  }

  /**
   * The config read as {@code type} (a record or bean; fields it does not name are ignored),
   * without the copy {@link #config()} makes: the typed way to read per-task data.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public <T> T config(Class<T> type) {
    return dev.schedulerd.api.json.TaskJson.bind(config, type);
  }

  /** This definition with a different schedule. */
  public TaskDefinition withSchedule(Schedule newSchedule) {
    return new TaskDefinition(
        id,
        executorKind,
        priority,
        newSchedule,
        config,
        description,
        retryPolicy,
        timeout,
        labels,
        createdBy,
        firePolicy,
        dependencies,
        resources);
  }

  /** This definition as created by {@code creator}. */
  public TaskDefinition withCreatedBy(String creator) {
    return new TaskDefinition(
        id,
        executorKind,
        priority,
        schedule,
        config,
        description,
        retryPolicy,
        timeout,
        labels,
        creator,
        firePolicy,
        dependencies,
        resources);
  }

  /**
   * {@code [A-Za-z0-9][A-Za-z0-9._:-]{0,127}}, checked by hand: every add validates an id, and a
   * regex match costs several times this loop.
   */
  static boolean isValidId(String id) {
    int length = id.length();
    if (length == 0 || length > 128 || !isAsciiLetterOrDigit(id.charAt(0))) {
      return false;
    }
    for (int i = 1; i < length; i++) {
      char c = id.charAt(i);
      if (!isAsciiLetterOrDigit(c) && c != '.' && c != '_' && c != ':' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** {@code [a-z][a-z0-9_-]{0,63}}: executor kinds and resource names. */
  static boolean isValidKind(String kind) {
    int length = kind.length();
    if (length == 0 || length > 64 || !isLowerLetter(kind.charAt(0))) {
      return false;
    }
    for (int i = 1; i < length; i++) {
      char c = kind.charAt(i);
      if (!isLowerLetter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerLetter(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  public static Builder builder(String id, String executorKind) {
    return new Builder(id, executorKind);
  }

  /** Builds a definition with the defaults: MEDIUM, immediate, empty config, default retries. */
  public static final class Builder {
    private final String id;
    private final String executorKind;
    private Priority priority = Priority.MEDIUM;
    private Schedule schedule = Schedule.immediate();
    private ObjectNode config = JsonNodeFactory.instance.objectNode();
    private String description = "";
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private @Nullable Duration timeout;
    private Map<String, String> labels = Map.of();
    private String createdBy = "";
    private FirePolicy firePolicy = FirePolicy.DEFAULT;
    private Dependencies dependencies = Dependencies.NONE;
    private List<String> resources = List.of();

    private Builder(String id, String executorKind) {
      this.id = id;
      this.executorKind = executorKind;
    }

    public Builder priority(Priority priority) {
      this.priority = priority;
      return this;
    }

    public Builder schedule(Schedule schedule) {
      this.schedule = schedule;
      return this;
    }

    public Builder config(ObjectNode config) {
      this.config = config;
      return this;
    }

    /**
     * The config as the JSON object {@code value} (a record, a bean or a map) is written as: the
     * typed counterpart of {@link TaskDefinition#config(Class)}.
     *
     * @throws IllegalArgumentException when {@code value} is not written as a JSON object
     */
    public Builder configOf(Object value) {
      this.config = dev.schedulerd.api.json.TaskJson.toConfig(value);
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    public Builder timeout(@Nullable Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder labels(Map<String, String> labels) {
      this.labels = labels;
      return this;
    }

    public Builder createdBy(String createdBy) {
      this.createdBy = createdBy;
      return this;
    }

    public Builder firePolicy(FirePolicy firePolicy) {
      this.firePolicy = firePolicy;
      return this;
    }

    public Builder dependencies(Dependencies dependencies) {
      this.dependencies = dependencies;
      return this;
    }

    public Builder resources(List<String> resources) {
      this.resources = resources;
      return this;
    }

    public TaskDefinition build() {
      return new TaskDefinition(
          id,
          executorKind,
          priority,
          schedule,
          config,
          description,
          retryPolicy,
          timeout,
          labels,
          createdBy,
          firePolicy,
          dependencies,
          resources);
    }
  }
}
