package com.example.hello;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.ExecutionContext;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import java.util.ArrayList;
import java.util.List;

/**
 * Kind {@code hello}: greets {@code config.name}. The smallest useful executor: a kind, a config
 * schema, validation at add time, and an execute that returns a result. Listed in {@code
 * META-INF/services/dev.schedulerd.api.executor.TaskExecutor} so the daemon finds it.
 */
public final class HelloExecutor implements TaskExecutor {
  @Override
  public String kind() {
    return "hello";
  }

  @Override
  public String description() {
    return "Greets config.name: an example plugin.";
  }

  @Override
  public ObjectNode configSchema() {
    ObjectNode schema = JsonNodeFactory.instance.objectNode().put("type", "object");
    schema.putObject("properties").putObject("name").put("type", "string").put("minLength", 1);
    schema.putArray("required").add("name");
    schema.put("additionalProperties", false);
    return schema;
  }

  @Override
  public List<String> validate(ObjectNode config) {
    List<String> problems = new ArrayList<>();
    JsonNode name = config.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      problems.add("name: required, a non-empty string, e.g. {\"name\": \"world\"}");
    }
    config
        .fieldNames()
        .forEachRemaining(
            field -> {
              if (!field.equals("name")) {
                problems.add(
                    "unknown field '" + field + "': the hello executor accepts only 'name'");
              }
            });
    return problems;
  }

  @Override
  public ExecutionResult execute(ExecutionContext context) {
    String greeting = "Hello, " + context.config().path("name").asText() + "!";
    context.logger().info(greeting);
    return ExecutionResult.success(greeting);
  }
}
