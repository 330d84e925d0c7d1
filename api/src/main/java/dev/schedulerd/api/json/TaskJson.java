package dev.schedulerd.api.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    JsonNode node = read(json);
    JsonNode retry = node.path("retry");
    Map<String, String> labels = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("labels").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> label = it.next();
      labels.put(label.getKey(), label.getValue().asText());
    }
    JsonNode config = node.path("config");
    return TaskDefinition.builder(text(node, "id"), text(node, "kind"))
        .priority(Priority.parse(text(node, "priority")))
        .schedule(readSchedule(node.path("schedule")))
        .config(config.isObject() ? (ObjectNode) config : MAPPER.createObjectNode())
        .description(node.path("description").asText(""))
        .retryPolicy(
            new RetryPolicy(
                retry.path("maxAttempts").asInt(),
                IsoDurations.parse(text(retry, "initialDelay")),
                retry.path("multiplier").asDouble(),
                IsoDurations.parse(text(retry, "maxDelay")),
                retry.path("jitter").asDouble()))
        .timeout(duration(node, "timeout"))
        .labels(labels)
        .createdBy(node.path("createdBy").asText(""))
        .firePolicy(readFirePolicy(node.path("firePolicy")))
        .dependencies(readDependencies(node))
        .resources(readStrings(node.path("resources")))
        .build();
  }

  private static List<String> readStrings(JsonNode array) {
    List<String> values = new ArrayList<>();
    if (array.isArray()) {
      array.forEach(v -> values.add(v.asText()));
    }
    return values;
  }

  private static Dependencies readDependencies(JsonNode node) {
    JsonNode deps = node.path("dependsOn");
    if (!deps.isArray() || deps.isEmpty()) {
      return Dependencies.NONE;
    }
    List<String> ids = new ArrayList<>();
    deps.forEach(d -> ids.add(d.asText()));
    return new Dependencies(ids, "continue".equals(node.path("onDependencyFailure").asText()));
  }

  private static FirePolicy readFirePolicy(JsonNode fire) {
    if (!fire.isObject()) {
      return FirePolicy.DEFAULT;
    }
    return new FirePolicy(
        new FirePolicy.MissedFires(
            FirePolicy.MissedFires.Mode.parse(text(fire, "missed")),
            IsoDurations.parse(text(fire, "catchUpWindow")),
            fire.path("maxCatchUp").asInt(),
            IsoDurations.parse(text(fire, "missedAfter"))),
        FirePolicy.Overlap.parse(text(fire, "overlap")),
        IsoDurations.parse(text(fire, "jitter")));
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

  private static Schedule readSchedule(JsonNode node) {
    String type = text(node, "type");
    return switch (type) {
      case "immediate" -> new Schedule.Immediate();
      case "at" -> new Schedule.At(IsoInstants.parse(text(node, "at")));
      case "every" ->
          new Schedule.Every(IsoDurations.parse(text(node, "interval")), instant(node, "startAt"));
      case "cron" -> {
        String zone = optionalText(node, "zone");
        yield new Schedule.Cron(
            text(node, "expression"),
            CronDialect.parse(text(node, "dialect")),
            zone == null ? null : ZoneId.of(zone));
      }
      default -> throw new IllegalArgumentException("unknown schedule type '" + type + "'");
    };
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
    JsonNode node = read(json);
    JsonNode l = node.path("lease");
    Lease lease =
        l.isObject()
            ? new Lease(
                text(l, "owner"),
                text(l, "runId"),
                IsoInstants.parse(text(l, "acquiredAt")),
                IsoInstants.parse(text(l, "expiresAt")))
            : null;
    JsonNode lastRun = node.path("lastRun");
    return new TaskState(
        TaskStatus.parse(text(node, "status")),
        node.path("attempt").asInt(),
        instant(node, "fireTime"),
        instant(node, "nextDueAt"),
        lease,
        lastRun.isObject() ? readRun(lastRun) : null,
        IsoInstants.parse(text(node, "createdAt")),
        IsoInstants.parse(text(node, "updatedAt")),
        version);
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

  private static @Nullable Instant instant(JsonNode node, String field) {
    String text = optionalText(node, field);
    return text == null ? null : IsoInstants.parse(text);
  }

  private static @Nullable Duration duration(JsonNode node, String field) {
    String text = optionalText(node, field);
    return text == null ? null : IsoDurations.parse(text);
  }

  private static void putInstant(ObjectNode node, String field, @Nullable Instant value) {
    if (value != null) {
      node.put(field, value.toString());
    }
  }
}
