package dev.schedulerd.api.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads stored definitions and states token by token. Building a JSON tree first cost more than
 * half of a start-up with a million stored tasks. Lenient as the tree reading was: unknown fields
 * are skipped, absent optional ones take their defaults, numbers given as strings are read; a
 * required text field that is absent or not text is an {@link IllegalArgumentException} naming it.
 */
final class StoredJsonReader {
  private StoredJsonReader() {}

  /** Where the JSON comes from: a string, or UTF-8 bytes as a store holds them. */
  interface Source {
    JsonParser open(JsonFactory factory) throws IOException;

    static Source of(String json) {
      return factory -> factory.createParser(json);
    }

    /**
     * UTF-8 bytes, read by Jackson's byte parser: no {@code String} for the whole document, and no
     * inflating it to chars for the char parser (a tenth of a million-task start-up's samples).
     */
    static Source ofUtf8(byte[] json) {
      return factory -> factory.createParser(json);
    }
  }

  static TaskDefinition readDefinition(ObjectMapper mapper, Source json) {
    try (JsonParser p = json.open(mapper.getFactory())) {
      startObject(p, "a definition");
      String id = null;
      String kind = null;
      String priority = null;
      Schedule schedule = null;
      ObjectNode config = null;
      String description = "";
      RetryPolicy retry = null;
      Duration timeout = null;
      Map<String, String> labels = new LinkedHashMap<>();
      String createdBy = "";
      FirePolicy firePolicy = FirePolicy.DEFAULT;
      List<String> dependsOn = List.of();
      boolean continueOnFailure = false;
      List<String> resources = List.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> id = requiredText(p, field);
          case "kind" -> kind = requiredText(p, field);
          case "priority" -> priority = requiredText(p, field);
          case "schedule" -> schedule = readSchedule(p);
          case "config" -> {
            if (p.currentToken() == JsonToken.START_OBJECT) {
              config = mapper.readTree(p);
            } else {
              p.skipChildren();
            }
          }
          case "description" -> description = text(p, "");
          case "retry" -> retry = readRetry(p);
          case "timeout" -> timeout = duration(optionalText(p));
          case "labels" -> readLabels(p, labels);
          case "createdBy" -> createdBy = text(p, "");
          case "firePolicy" -> firePolicy = readFirePolicy(p);
          case "dependsOn" -> dependsOn = readStrings(p);
          case "onDependencyFailure" -> continueOnFailure = "continue".equals(optionalText(p));
          case "resources" -> resources = readStrings(p);
          default -> p.skipChildren();
        }
      }
      // Checked in the order the fields are written, so the first missing one is named.
      TaskDefinition.Builder builder =
          TaskDefinition.builder(required(id, "id"), required(kind, "kind"))
              .priority(Priority.parse(required(priority, "priority")));
      if (schedule == null) {
        throw missing("type");
      }
      if (retry == null) {
        throw missing("initialDelay");
      }
      return builder
          .schedule(schedule)
          .config(config != null ? config : mapper.createObjectNode())
          .description(description)
          .retryPolicy(retry)
          .timeout(timeout)
          .labels(labels)
          .createdBy(createdBy)
          .firePolicy(firePolicy)
          .dependencies(
              dependsOn.isEmpty()
                  ? Dependencies.NONE
                  : new Dependencies(dependsOn, continueOnFailure))
          .resources(resources)
          .build();
    } catch (JsonProcessingException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw new IllegalStateException("reading a string failed", e);
    }
  }

  static TaskState readState(ObjectMapper mapper, Source json, long version) {
    try (JsonParser p = json.open(mapper.getFactory())) {
      startObject(p, "a state");
      String status = null;
      int attempt = 0;
      Instant fireTime = null;
      Instant nextDueAt = null;
      Lease lease = null;
      RunRecord lastRun = null;
      String createdAt = null;
      String updatedAt = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "status" -> status = requiredText(p, field);
          case "attempt" -> attempt = p.getValueAsInt(0);
          case "fireTime" -> fireTime = instant(optionalText(p));
          case "nextDueAt" -> nextDueAt = instant(optionalText(p));
          case "lease" -> lease = readLease(p);
          case "lastRun" -> lastRun = readRun(p);
          case "createdAt" -> createdAt = requiredText(p, field);
          case "updatedAt" -> updatedAt = requiredText(p, field);
          default -> p.skipChildren();
        }
      }
      return new TaskState(
          TaskStatus.parse(required(status, "status")),
          attempt,
          fireTime,
          nextDueAt,
          lease,
          lastRun,
          IsoInstants.parse(required(createdAt, "createdAt")),
          IsoInstants.parse(required(updatedAt, "updatedAt")),
          version);
    } catch (JsonProcessingException e) {
      throw malformed(e);
    } catch (IOException e) {
      throw new IllegalStateException("reading a string failed", e);
    }
  }

  // ------------------------------------------------------------------ parts

  private static Schedule readSchedule(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      throw missing("type");
    }
    String type = null;
    String at = null;
    String interval = null;
    String startAt = null;
    String expression = null;
    String dialect = null;
    String zone = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "type" -> type = requiredText(p, field);
        case "at" -> at = requiredText(p, field);
        case "interval" -> interval = requiredText(p, field);
        case "startAt" -> startAt = optionalText(p);
        case "expression" -> expression = requiredText(p, field);
        case "dialect" -> dialect = requiredText(p, field);
        case "zone" -> zone = optionalText(p);
        default -> p.skipChildren();
      }
    }
    String kind = required(type, "type");
    return switch (kind) {
      case "immediate" -> new Schedule.Immediate();
      case "at" ->
          new Schedule.At(
              IsoInstants.parse(required(at, "at")), zone == null ? null : ZoneId.of(zone));
      case "every" ->
          new Schedule.Every(IsoDurations.parse(required(interval, "interval")), instant(startAt));
      case "cron" ->
          new Schedule.Cron(
              required(expression, "expression"),
              CronDialect.parse(required(dialect, "dialect")),
              zone == null ? null : ZoneId.of(zone));
      default -> throw new IllegalArgumentException("unknown schedule type '" + kind + "'");
    };
  }

  private static RetryPolicy readRetry(JsonParser p) throws IOException {
    int maxAttempts = 0;
    String initialDelay = null;
    double multiplier = 0;
    String maxDelay = null;
    double jitter = 0;
    if (p.currentToken() == JsonToken.START_OBJECT) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "maxAttempts" -> maxAttempts = p.getValueAsInt(0);
          case "initialDelay" -> initialDelay = requiredText(p, field);
          case "multiplier" -> multiplier = p.getValueAsDouble(0);
          case "maxDelay" -> maxDelay = requiredText(p, field);
          case "jitter" -> jitter = p.getValueAsDouble(0);
          default -> p.skipChildren();
        }
      }
    } else {
      p.skipChildren();
    }
    RetryPolicy policy =
        new RetryPolicy(
            maxAttempts,
            IsoDurations.parse(required(initialDelay, "initialDelay")),
            multiplier,
            IsoDurations.parse(required(maxDelay, "maxDelay")),
            jitter);
    // Most tasks keep a shared policy: one instance for all of them, not a copy per task held for
    // as long as the task is (a million stored tasks, each with its own, cost about 90 MB of heap).
    if (policy.equals(RetryPolicy.DEFAULT)) {
      return RetryPolicy.DEFAULT;
    }
    return policy.equals(RetryPolicy.NONE) ? RetryPolicy.NONE : policy;
  }

  private static FirePolicy readFirePolicy(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return FirePolicy.DEFAULT;
    }
    String missed = null;
    String catchUpWindow = null;
    int maxCatchUp = 0;
    String missedAfter = null;
    String overlap = null;
    String jitter = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "missed" -> missed = requiredText(p, field);
        case "catchUpWindow" -> catchUpWindow = requiredText(p, field);
        case "maxCatchUp" -> maxCatchUp = p.getValueAsInt(0);
        case "missedAfter" -> missedAfter = requiredText(p, field);
        case "overlap" -> overlap = requiredText(p, field);
        case "jitter" -> jitter = requiredText(p, field);
        default -> p.skipChildren();
      }
    }
    return new FirePolicy(
        new FirePolicy.MissedFires(
            FirePolicy.MissedFires.Mode.parse(required(missed, "missed")),
            IsoDurations.parse(required(catchUpWindow, "catchUpWindow")),
            maxCatchUp,
            IsoDurations.parse(required(missedAfter, "missedAfter"))),
        FirePolicy.Overlap.parse(required(overlap, "overlap")),
        IsoDurations.parse(required(jitter, "jitter")));
  }

  private static @Nullable Lease readLease(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    String owner = null;
    String runId = null;
    String acquiredAt = null;
    String expiresAt = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "owner" -> owner = requiredText(p, field);
        case "runId" -> runId = requiredText(p, field);
        case "acquiredAt" -> acquiredAt = requiredText(p, field);
        case "expiresAt" -> expiresAt = requiredText(p, field);
        default -> p.skipChildren();
      }
    }
    return new Lease(
        required(owner, "owner"),
        required(runId, "runId"),
        IsoInstants.parse(required(acquiredAt, "acquiredAt")),
        IsoInstants.parse(required(expiresAt, "expiresAt")));
  }

  private static @Nullable RunRecord readRun(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    String runId = null;
    String taskId = null;
    int attempt = 0;
    String scheduledFor = null;
    String startedAt = null;
    String finishedAt = null;
    String outcome = null;
    String result = null;
    String error = null;
    String node = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "runId" -> runId = requiredText(p, field);
        case "taskId" -> taskId = requiredText(p, field);
        case "attempt" -> attempt = p.getValueAsInt(0);
        case "scheduledFor" -> scheduledFor = requiredText(p, field);
        case "startedAt" -> startedAt = requiredText(p, field);
        case "finishedAt" -> finishedAt = requiredText(p, field);
        case "outcome" -> outcome = requiredText(p, field);
        case "result" -> result = optionalText(p);
        case "error" -> error = optionalText(p);
        case "node" -> node = requiredText(p, field);
        default -> p.skipChildren();
      }
    }
    return new RunRecord(
        required(runId, "runId"),
        required(taskId, "taskId"),
        attempt,
        IsoInstants.parse(required(scheduledFor, "scheduledFor")),
        IsoInstants.parse(required(startedAt, "startedAt")),
        IsoInstants.parse(required(finishedAt, "finishedAt")),
        RunOutcome.valueOf(required(outcome, "outcome").toUpperCase(Locale.ROOT)),
        result,
        error,
        required(node, "node"));
  }

  private static void readLabels(JsonParser p, Map<String, String> labels) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      labels.put(key, text(p, ""));
    }
  }

  private static List<String> readStrings(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      p.skipChildren();
      return List.of();
    }
    List<String> values = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      values.add(text(p, ""));
    }
    return values;
  }

  // ------------------------------------------------------------------ values

  private static void startObject(JsonParser p, String what) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException(
          "stored JSON is malformed: " + what + " must be an object");
    }
  }

  /** The current value as a string field must be: text. */
  private static String requiredText(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      p.skipChildren();
      throw missing(field);
    }
    return p.getText();
  }

  /** A scalar's text; null for null; objects and arrays are skipped and read as null. */
  private static @Nullable String optionalText(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token.isStructStart()) {
      p.skipChildren();
      return null;
    }
    return p.getText();
  }

  private static String text(JsonParser p, String whenAbsent) throws IOException {
    String text = optionalText(p);
    return text == null ? whenAbsent : text;
  }

  private static <T> T required(@Nullable T value, String field) {
    if (value == null) {
      throw missing(field);
    }
    return value;
  }

  private static IllegalArgumentException missing(String field) {
    return new IllegalArgumentException("stored JSON lacks the text field '" + field + "'");
  }

  private static IllegalArgumentException malformed(JsonProcessingException e) {
    return new IllegalArgumentException("stored JSON is malformed: " + e.getOriginalMessage(), e);
  }

  private static @Nullable Instant instant(@Nullable String text) {
    return text == null ? null : IsoInstants.parse(text);
  }

  private static @Nullable Duration duration(@Nullable String text) {
    return text == null ? null : IsoDurations.parse(text);
  }
}
