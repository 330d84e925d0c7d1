package dev.schedulerd.api.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The canonical JSON form of definitions, states and run records, as stores keep them. Instants and
 * durations are ISO-8601 text, so values round-trip exactly (nanoseconds included) and stay
 * readable. Field names never change meaning; new fields are optional, so an older reader ignores
 * what it does not know. Thread-safe.
 */
public final class TaskJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  // A reader bound once: ObjectMapper.readTree looks the node type up on every call.
  private static final ObjectReader TREE_READER = MAPPER.readerFor(JsonNode.class);

  private TaskJson() {}

  /**
   * What kind of JSON value {@code node} is, for error messages ("a string", "an array", "null"): a
   * config value may hold a secret, so an error names its kind and never quotes it.
   */
  public static String kindOf(@Nullable JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return "null";
    }
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING, BINARY -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL, MISSING -> "null";
    };
  }

  /**
   * {@code value} as the JSON object a task's config is (a record's components, a bean's
   * properties, a map's entries).
   *
   * @throws IllegalArgumentException when it is not written as an object
   */
  public static com.fasterxml.jackson.databind.node.ObjectNode toConfig(Object value) {
    JsonNode tree = MAPPER.valueToTree(value);
    if (tree instanceof com.fasterxml.jackson.databind.node.ObjectNode object) {
      return object;
    }
    throw new IllegalArgumentException(
        "a config is a JSON object, but a "
            + value.getClass().getSimpleName()
            + " is written as "
            + tree.getNodeType());
  }

  /**
   * {@code config} bound to {@code type} by Jackson's rules (a record's components, a bean's
   * properties), fields the type does not name ignored. Reads the tree in place, without copying
   * it.
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public static <T> T bind(com.fasterxml.jackson.databind.node.ObjectNode config, Class<T> type) {
    try {
      return MAPPER
          .readerFor(type)
          .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(config);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the task's config does not fit " + type.getSimpleName() + ": " + e.getOriginalMessage(),
          e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(
          "the task's config does not fit " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ definitions

  public static String writeDefinition(TaskDefinition d) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("id", d.id());
    node.put("kind", d.executorKind());
    node.put("priority", d.priority().wireName());
    node.set("schedule", schedule(d.schedule()));
    node.set("config", d.config());
    node.put("description", d.description());
    RetryPolicy r = d.retryPolicy();
    ObjectNode retry = node.putObject("retry");
    retry.put("maxAttempts", r.maxAttempts());
    retry.put("initialDelay", r.initialDelay().toString());
    retry.put("multiplier", r.multiplier());
    retry.put("maxDelay", r.maxDelay().toString());
    retry.put("jitter", r.jitter());
    if (d.timeout() != null) {
      node.put("timeout", d.timeout().toString());
    }
    ObjectNode labels = node.putObject("labels");
    d.labels().forEach(labels::put);
    if (!d.createdBy().isEmpty()) {
      node.put("createdBy", d.createdBy());
    }
    if (!d.resources().isEmpty()) {
      ArrayNode resources = node.putArray("resources");
      d.resources().forEach(resources::add);
    }
    if (!d.dependencies().isEmpty()) {
      ArrayNode deps = node.putArray("dependsOn");
      d.dependencies().taskIds().forEach(deps::add);
      if (d.dependencies().continueOnFailure()) {
        node.put("onDependencyFailure", "continue");
      }
    }
    FirePolicy f = d.firePolicy();
    if (!f.equals(FirePolicy.DEFAULT)) { // absent means the default, as in stores written before
      ObjectNode fire = node.putObject("firePolicy");
      fire.put("missed", f.missed().mode().wireName());
      fire.put("catchUpWindow", f.missed().catchUpWindow().toString());
      fire.put("maxCatchUp", f.missed().maxCatchUp());
      fire.put("missedAfter", f.missed().missedAfter().toString());
      fire.put("overlap", f.overlap().wireName());
      fire.put("jitter", f.jitter().toString());
    }
    return write(node);
  }

  public static TaskDefinition readDefinition(String json) {
    return StoredJsonReader.readDefinition(MAPPER, StoredJsonReader.Source.of(json));
  }

  /** Reads a definition from its JSON in UTF-8, as a store holds it. */
  public static TaskDefinition readDefinition(byte[] utf8Json) {
    return StoredJsonReader.readDefinition(MAPPER, StoredJsonReader.Source.ofUtf8(utf8Json));
  }

  /** The definition as a JSON tree. */
  public static ObjectNode definitionNode(TaskDefinition d) {
    return (ObjectNode) read(writeDefinition(d));
  }

  /** Reads a definition from a JSON tree. */
  public static TaskDefinition readDefinition(JsonNode node) {
    return readDefinition(write(node));
  }

  /** The state (without version) as a JSON tree. */
  public static ObjectNode stateNode(TaskState s) {
    return (ObjectNode) read(writeState(s));
  }

  /** Reads a state from a JSON tree. */
  public static TaskState readState(JsonNode node, long version) {
    return readState(write(node), version);
  }

  /** The run record as a JSON tree. */
  public static ObjectNode runNodeOf(RunRecord run) {
    return runNode(run);
  }

  private static ObjectNode schedule(Schedule schedule) {
    ObjectNode node = MAPPER.createObjectNode();
    switch (schedule) {
      case Schedule.Immediate i -> node.put("type", "immediate");
      case Schedule.At at -> {
        node.put("type", "at");
        node.put("at", at.instant().toString());
        if (at.zone() != null) {
          node.put("zone", at.zone().getId());
        }
      }
      case Schedule.Every every -> {
        node.put("type", "every");
        node.put("interval", every.interval().toString());
        if (every.startAt() != null) {
          node.put("startAt", every.startAt().toString());
        }
      }
      case Schedule.Cron cron -> {
        node.put("type", "cron");
        node.put("expression", cron.expression());
        node.put("dialect", cron.dialect().wireName());
        if (cron.zone() != null) {
          node.put("zone", cron.zone().getId());
        }
      }
    }
    return node;
  }

  // ------------------------------------------------------------------ states

  /** The state without its version, which lives in its own column. */
  public static String writeState(TaskState s) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("status", s.status().wireName());
    node.put("attempt", s.attempt());
    putInstant(node, "fireTime", s.fireTime());
    putInstant(node, "nextDueAt", s.nextDueAt());
    Lease lease = s.lease();
    if (lease != null) {
      ObjectNode l = node.putObject("lease");
      l.put("owner", lease.owner());
      l.put("runId", lease.runId());
      l.put("acquiredAt", lease.acquiredAt().toString());
      l.put("expiresAt", lease.expiresAt().toString());
    }
    RunRecord lastRun = s.lastRun();
    if (lastRun != null) {
      node.set("lastRun", runNode(lastRun));
    }
    node.put("createdAt", s.createdAt().toString());
    node.put("updatedAt", s.updatedAt().toString());
    return write(node);
  }

  public static TaskState readState(String json, long version) {
    return StoredJsonReader.readState(MAPPER, StoredJsonReader.Source.of(json), version);
  }

  /** Reads a state from its JSON in UTF-8, as a store holds it. */
  public static TaskState readState(byte[] utf8Json, long version) {
    return StoredJsonReader.readState(MAPPER, StoredJsonReader.Source.ofUtf8(utf8Json), version);
  }

  // ------------------------------------------------------------------ runs

  public static String writeRun(RunRecord run) {
    return write(runNode(run));
  }

  public static RunRecord readRun(String json) {
    return readRun(read(json));
  }

  private static ObjectNode runNode(RunRecord r) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("runId", r.runId());
    node.put("taskId", r.taskId());
    node.put("attempt", r.attempt());
    node.put("scheduledFor", r.scheduledFor().toString());
    node.put("startedAt", r.startedAt().toString());
    node.put("finishedAt", r.finishedAt().toString());
    node.put("outcome", r.outcome().wireName());
    if (r.result() != null) {
      node.put("result", r.result());
    }
    if (r.error() != null) {
      node.put("error", r.error());
    }
    node.put("node", r.node());
    return node;
  }

  /** Reads a run record from a JSON tree. */
  public static RunRecord readRun(JsonNode node) {
    return new RunRecord(
        text(node, "runId"),
        text(node, "taskId"),
        node.path("attempt").asInt(),
        IsoInstants.parse(text(node, "scheduledFor")),
        IsoInstants.parse(text(node, "startedAt")),
        IsoInstants.parse(text(node, "finishedAt")),
        RunOutcome.valueOf(text(node, "outcome").toUpperCase(Locale.ROOT)),
        optionalText(node, "result"),
        optionalText(node, "error"),
        text(node, "node"));
  }

  // ------------------------------------------------------------------ helpers

  private static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + node, e);
    }
  }

  private static JsonNode read(String json) {
    try {
      return TREE_READER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored JSON is malformed: " + e.getOriginalMessage(), e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("stored JSON lacks the text field '" + field + "'");
    }
    return value.asText();
  }

  private static @Nullable String optionalText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static void putInstant(ObjectNode node, String field, @Nullable Instant value) {
    if (value != null) {
      node.put(field, value.toString());
    }
  }
}
