package dev.schedulerd.mcp.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.json.TaskJson;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads tool arguments. Every problem becomes a {@link ToolInputException} naming the field, the
 * value received and what is accepted.
 */
final class ToolArguments {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private ToolArguments() {}

  static TaskDefinition definitionFrom(Map<String, Object> args) {
    String id = required(args, "task_id");
    String type = required(args, "task_type");
    TaskDefinition.Builder builder;
    try {
      builder = TaskDefinition.builder(id, type);
      builder.build(); // checks id and kind syntax early, with the model's message
    } catch (IllegalArgumentException e) {
      String why = String.valueOf(e.getMessage());
      throw new ToolInputException(why.startsWith("task id") ? "task_id" : "task_type", why);
    }
    optional(args, "priority")
        .ifPresent(p -> builder.priority(parse("priority", p, Priority::parse)));
    optional(args, "description").ifPresent(builder::description);
    builder.schedule(scheduleFrom(args));
    Object config = args.get("config");
    if (config != null) {
      JsonNode node = JSON.valueToTree(config);
      if (!(node instanceof ObjectNode object)) {
        throw new ToolInputException(
            "config", "expected a JSON object, got " + TaskJson.kindOf(node));
      }
      builder.config(object);
    }
    if (args.get("max_retries") != null) {
      int attempts = optionalInt(args, "max_retries", 3, 1, 100);
      builder.retryPolicy(RetryPolicy.maxAttempts(attempts));
    }
    if (args.get("timeout") != null) {
      builder.timeout(Duration.ofSeconds(optionalInt(args, "timeout", 3600, 1, 7 * 24 * 3600)));
    }
    builder.firePolicy(firePolicyFrom(args));
    builder.dependencies(dependenciesFrom(args));
    builder.resources(strings(args, "resources"));
    Object labels = args.get("labels");
    if (labels != null) {
      Map<String, String> parsed = new LinkedHashMap<>();
      JsonNode node = JSON.valueToTree(labels);
      if (!node.isObject()) {
        throw new ToolInputException("labels", "expected an object of strings, got " + node);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!entry.getValue().isTextual()) {
          throw new ToolInputException(
              "labels", "label '" + entry.getKey() + "' must be a string, got " + entry.getValue());
        }
        parsed.put(entry.getKey(), entry.getValue().asText());
      }
      builder.labels(parsed);
    }
    try {
      return builder.build();
    } catch (InvalidTaskException e) {
      throw e; // names its field already
    } catch (IllegalArgumentException e) {
      throw new ToolInputException("task", String.valueOf(e.getMessage()));
    }
  }

  /** An optional array of non-empty strings. */
  static List<String> strings(Map<String, Object> args, String field) {
    Object value = args.get(field);
    List<String> values = new ArrayList<>();
    if (value == null) {
      return values;
    }
    if (!(value instanceof List<?> list)) {
      throw new ToolInputException(field, "expected an array of strings, got " + value);
    }
    for (Object item : list) {
      if (!(item instanceof String text) || text.isBlank()) {
        throw new ToolInputException(field, "expected non-empty strings, got " + item);
      }
      values.add(text);
    }
    return values;
  }

  /** depends_on and on_failure. */
  static Dependencies dependenciesFrom(Map<String, Object> args) {
    Object dependsOn = args.get("depends_on");
    List<String> ids = new ArrayList<>();
    if (dependsOn != null) {
      if (!(dependsOn instanceof List<?> list)) {
        throw new ToolInputException(
            "depends_on", "expected an array of task ids, got " + dependsOn);
      }
      for (Object id : list) {
        if (!(id instanceof String text) || text.isBlank()) {
          throw new ToolInputException("depends_on", "expected task ids (strings), got " + id);
        }
        ids.add(text);
      }
    }
    boolean continueOnFailure =
        optional(args, "on_failure")
            .map(
                f ->
                    switch (f) {
                      case "skip" -> false;
                      case "continue" -> true;
                      default ->
                          throw new ToolInputException(
                              "on_failure", "'" + f + "' is not skip or continue");
                    })
            .orElse(false);
    try {
      return new Dependencies(ids, continueOnFailure);
    } catch (IllegalArgumentException e) {
      throw new ToolInputException("depends_on", String.valueOf(e.getMessage()));
    }
  }

  /** missed_fire_policy, catch_up_window_seconds, max_catch_up, overlap, jitter_seconds. */
  static FirePolicy firePolicyFrom(Map<String, Object> args) {
    FirePolicy.MissedFires d = FirePolicy.DEFAULT.missed();
    FirePolicy.MissedFires.Mode mode =
        optional(args, "missed_fire_policy")
            .map(m -> parse("missed_fire_policy", m, FirePolicy.MissedFires.Mode::parse))
            .orElse(d.mode());
    int window =
        optionalInt(
            args,
            "catch_up_window_seconds",
            (int) d.catchUpWindow().toSeconds(),
            1,
            366 * 24 * 3600);
    int maxCatchUp = optionalInt(args, "max_catch_up", d.maxCatchUp(), 1, 1_000);
    FirePolicy.Overlap overlap =
        optional(args, "overlap")
            .map(o -> parse("overlap", o, FirePolicy.Overlap::parse))
            .orElse(FirePolicy.DEFAULT.overlap());
    int jitter = optionalInt(args, "jitter_seconds", 0, 0, (int) FirePolicy.MAX_JITTER.toSeconds());
    return new FirePolicy(
        new FirePolicy.MissedFires(mode, Duration.ofSeconds(window), maxCatchUp, d.missedAfter()),
        overlap,
        Duration.ofSeconds(jitter));
  }

  static Schedule scheduleFrom(Map<String, Object> args) {
    Optional<String> cron = optional(args, "cron_expression");
    Optional<String> runAt = optional(args, "run_at");
    Optional<String> interval = optional(args, "interval");
    int given =
        (cron.isPresent() ? 1 : 0) + (runAt.isPresent() ? 1 : 0) + (interval.isPresent() ? 1 : 0);
    if (given > 1) {
      List<String> both = new ArrayList<>();
      cron.ifPresent(c -> both.add("cron_expression"));
      runAt.ifPresent(r -> both.add("run_at"));
      interval.ifPresent(i -> both.add("interval"));
      throw new ToolInputException(
          both.get(both.size() - 1),
          "give one of cron_expression, run_at and interval, not "
              + String.join(" and ", both)
              + ": a task has one schedule");
    }
    ZoneId zone = timeZone(args);
    if (cron.isPresent()) {
      CronDialect dialect =
          optional(args, "cron_dialect")
              .map(d -> parse("cron_dialect", d, CronDialect::parse))
              .orElse(CronDialect.UNIX);
      return new Schedule.Cron(cron.get(), dialect, zone);
    }
    if (runAt.isPresent()) {
      return RunAtArgument.parse(runAt.get(), zone).at();
    }
    if (interval.isPresent()) {
      Duration every = parseDuration(interval.get());
      try {
        return Schedule.every(every);
      } catch (IllegalArgumentException e) {
        throw new ToolInputException("interval", String.valueOf(e.getMessage()));
      }
    }
    return Schedule.immediate();
  }

  /** The {@code time_zone} argument, if given. */
  static @Nullable ZoneId timeZone(Map<String, Object> args) {
    Optional<String> zone = optional(args, "time_zone");
    if (zone.isEmpty()) {
      return null;
    }
    try {
      return ZoneId.of(zone.get());
    } catch (DateTimeException e) {
      throw new ToolInputException(
          "time_zone",
          "'" + zone.get() + "' is not an IANA time zone; e.g. \"Europe/Berlin\" or \"UTC\"");
    }
  }

  /** The longest interval accepted: longer ones are a one-shot task or a cron in disguise. */
  static final Duration MAX_INTERVAL = Duration.ofDays(366);

  static Duration parseDuration(String text) {
    Duration parsed;
    try {
      Matcher m = SHORT_DURATION.matcher(text.trim());
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        parsed =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
      } else {
        parsed = Duration.parse(text.trim());
      }
    } catch (DateTimeParseException e) {
      throw new ToolInputException(
          "interval", "'" + text + "' is not a duration; e.g. \"15m\", \"2h\" or \"PT15M\"");
    } catch (NumberFormatException | ArithmeticException e) {
      parsed = MAX_INTERVAL.plusDays(1); // more digits than a long: too long, said below
    }
    if (parsed.compareTo(MAX_INTERVAL) > 0) {
      throw new ToolInputException(
          "interval",
          "'"
              + text
              + "' is longer than the most accepted, 366 days; use a cron_expression or run_at");
    }
    return parsed;
  }

  static <T> T parse(String field, String value, Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new ToolInputException(field, String.valueOf(e.getMessage()));
    }
  }

  static String required(Map<String, Object> args, String field) {
    return optional(args, field)
        .orElseThrow(
            () -> new ToolInputException(field, "required, and must be a non-empty string"));
  }

  static Optional<String> optional(Map<String, Object> args, String field) {
    Object value = args.get(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw new ToolInputException(field, "expected a string, got " + value);
    }
    return text.isBlank() ? Optional.empty() : Optional.of(text);
  }

  static int optionalInt(Map<String, Object> args, String field, int dflt, int min, int max) {
    Object value = args.get(field);
    if (value == null) {
      return dflt;
    }
    java.math.BigDecimal exact;
    try {
      exact = value instanceof Number number ? new java.math.BigDecimal(number.toString()) : null;
    } catch (NumberFormatException e) { // NaN, infinity
      exact = null;
    }
    if (exact == null || exact.stripTrailingZeros().scale() > 0) {
      throw new ToolInputException(field, "expected an integer, got " + value);
    }
    // Compared exactly: a huge number must not wrap around into range, nor show wrapped.
    if (exact.compareTo(java.math.BigDecimal.valueOf(min)) < 0
        || exact.compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
      throw new ToolInputException(
          field, "must be between " + min + " and " + max + ", got " + exact.toPlainString());
    }
    return exact.intValueExact();
  }
}
