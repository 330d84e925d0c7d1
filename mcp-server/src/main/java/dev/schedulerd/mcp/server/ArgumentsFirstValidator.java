package dev.schedulerd.mcp.server;

import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The schema validator given to the SDK. The SDK checks each call's arguments against the tool's
 * input schema, and each structured result against its output schema. Arguments come from clients:
 * always checked. Results are ours: checking them took about half of the server's CPU per call (the
 * SDK's validator turns each result into a tree and back into a string, W7 in BENCHMARKS.md), and
 * the tests check them already (the test JVMs run with assertions on, and the e2e suite's client
 * validates every result). So results are checked only where assertions are enabled.
 */
final class ArgumentsFirstValidator implements JsonSchemaValidator {
  private final JsonSchemaValidator delegate;
  private final Set<Map<String, Object>> outputSchemas;
  private final boolean checkResults;

  /**
   * @param outputSchemas the tools' output schemas, the very instances the SDK will pass back
   * @param checkResults whether results are validated too
   */
  ArgumentsFirstValidator(
      JsonSchemaValidator delegate,
      Collection<Map<String, Object>> outputSchemas,
      boolean checkResults) {
    this.delegate = delegate;
    Set<Map<String, Object>> byIdentity = Collections.newSetFromMap(new IdentityHashMap<>());
    byIdentity.addAll(outputSchemas);
    this.outputSchemas = Collections.unmodifiableSet(byIdentity);
    this.checkResults = checkResults;
  }

  /** Results are checked when this class runs with assertions enabled (as in every test JVM). */
  static boolean assertionsEnabled() {
    return ArgumentsFirstValidator.class.desiredAssertionStatus();
  }

  @Override
  public ValidationResponse validate(Map<String, Object> schema, Object content) {
    if (outputSchemas.contains(schema)) {
      if (!checkResults) {
        // Every result of ours carries text content, so the SDK never needs this JSON string.
        return ValidationResponse.asValid(null);
      }
    } else {
      foldEnumCase(schema, content);
    }
    return delegate.validate(schema, content);
  }

  /**
   * An agent writes "HIGH" as readily as "high": a string argument that matches one of its enum's
   * values but for case (or surrounding blanks) is taken as that value before the check, here and
   * in arrays of objects (a workflow's tasks). The handler then sees the canonical value.
   */
  @SuppressWarnings("unchecked")
  static void foldEnumCase(Map<String, Object> schema, Object content) {
    if (!(content instanceof Map<?, ?> arguments)
        || !(schema.get("properties") instanceof Map<?, ?> properties)) {
      return;
    }
    Map<String, Object> values = (Map<String, Object>) arguments;
    for (Map.Entry<?, ?> property : properties.entrySet()) {
      if (!(property.getKey() instanceof String name)
          || !(property.getValue() instanceof Map<?, ?> propertySchema)) {
        continue;
      }
      Object value = values.get(name);
      if (value instanceof String text && propertySchema.get("enum") instanceof List<?> allowed) {
        if (!allowed.contains(text)) {
          for (Object option : allowed) {
            if (option instanceof String canonical && canonical.equalsIgnoreCase(text.strip())) {
              values.put(name, canonical);
            }
          }
        }
      } else if (value instanceof List<?> items
          && propertySchema.get("items") instanceof Map<?, ?> itemSchema) {
        for (Object item : items) {
          foldEnumCase((Map<String, Object>) itemSchema, item);
        }
      }
    }
  }

  @Override
  public ValidationResponse validateSchema(Map<String, Object> schema) {
    return delegate.validateSchema(schema);
  }
}
