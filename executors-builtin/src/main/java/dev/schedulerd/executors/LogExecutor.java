package dev.schedulerd.executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Kind {@code log}: records {@code config.message} as the run's result and logs it. Harmless, so
 * always enabled: reminders, tests, demos. Stateless and thread-safe.
 */
public final class LogExecutor implements TaskExecutor {
  /** The longest message accepted, in characters. */
  public static final int MAX_MESSAGE_LENGTH = 16 * 1024;

  @Override
  public String kind() {
    return "log";
  }

  @Override
  public String description() {
    return "Records a message as the run's result and in the daemon's log: reminders, tests, demos.";
  }

  @Override
  public ObjectNode configSchema() {
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode message =
        json.objectNode()
            .put("type", "string")
            .put("minLength", 1)
            .put("maxLength", MAX_MESSAGE_LENGTH)
            .put("description", "The text to record, e.g. \"Water the plants\".");
    ObjectNode schema = json.objectNode().put("type", "object");
    schema.putObject("properties").set("message", message);
    schema.putArray("required").add("message");
    schema.put("additionalProperties", false);
    return schema;
  }

  @Override
  public List<String> validate(ObjectNode config) {
    List<String> problems = new ArrayList<>();
    JsonNode message = config.get("message");
    if (message == null || message.isNull()) {
      problems.add(
          "message: required; give the text to record, e.g. {\"message\": \"Water the plants\"}");
    } else if (!message.isTextual()) {
      problems.add(
          "message: expected a string, got "
              + message.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
              + " "
              + message);
    } else if (message.asText().isBlank()) {
      problems.add("message: must not be empty");
    } else if (message.asText().length() > MAX_MESSAGE_LENGTH) {
      problems.add(
          "message: "
              + message.asText().length()
              + " characters is too long; at most "
              + MAX_MESSAGE_LENGTH
              + " are accepted");
    }
    for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("message")) {
        problems.add("unknown field '" + name + "': the log executor accepts only 'message'");
      }
    }
    return problems;
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) {
    String message = context.config().path("message").asText();
    context.logger().info("{}", message);
    return ExecutionResult.success(message);
  }
}
