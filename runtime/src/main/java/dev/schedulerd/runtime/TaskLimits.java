package dev.schedulerd.runtime;

import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.TaskDefinition;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The sizes a client may give a task. A client is an LLM, and what it sends is kept in the store
 * and in memory for the task's life, so every size has a bound: without them one client's 3 MB
 * descriptions and 20,000-label tasks made a store that took 3.8 GB of heap to open.
 */
final class TaskLimits {
  static final int MAX_DESCRIPTION_CHARS = 4_096;
  static final int MAX_LABELS = 32;
  static final int MAX_LABEL_KEY_CHARS = 64;
  static final int MAX_LABEL_VALUE_CHARS = 256;
  static final int MAX_CONFIG_BYTES = 64 * 1024;
  static final int MAX_WORKFLOW_TASKS = 500;

  private TaskLimits() {}

  /**
   * @throws InvalidTaskException naming the field, its size and the limit
   */
  static void check(TaskDefinition definition) {
    int description = definition.description().length();
    if (description > MAX_DESCRIPTION_CHARS) {
      throw new InvalidTaskException(
          "description",
          "is "
              + description
              + " characters long; the limit is "
              + MAX_DESCRIPTION_CHARS
              + ": keep it to a summary");
    }
    Map<String, String> labels = definition.labels();
    if (labels.size() > MAX_LABELS) {
      throw new InvalidTaskException(
          "labels", "has " + labels.size() + " entries; the limit is " + MAX_LABELS);
    }
    labels.forEach(
        (key, value) -> {
          if (key.isEmpty() || key.length() > MAX_LABEL_KEY_CHARS) {
            throw new InvalidTaskException(
                "labels",
                "a key of "
                    + key.length()
                    + " characters; keys are 1 to "
                    + MAX_LABEL_KEY_CHARS
                    + " characters");
          }
          if (value.length() > MAX_LABEL_VALUE_CHARS) {
            throw new InvalidTaskException(
                "labels." + key,
                "is " + value.length() + " characters long; the limit is " + MAX_LABEL_VALUE_CHARS);
          }
        });
    if (definition.config().isEmpty() || roughSize(definition.config()) < MAX_CONFIG_BYTES / 8) {
      return; // most configs are a few fields: no need to write them out to measure them
    }
    int config = definition.config().toString().getBytes(StandardCharsets.UTF_8).length;
    if (config > MAX_CONFIG_BYTES) {
      throw new InvalidTaskException(
          "config",
          "is "
              + config
              + " bytes as JSON; the limit is "
              + MAX_CONFIG_BYTES
              + " (64 KiB): keep large data in a file or service the task reads");
    }
  }

  /**
   * At least the characters of the config's names and values (its JSON has quotes and escapes
   * besides), stopping once past the limit: enough to know that a small config is within it.
   */
  private static long roughSize(com.fasterxml.jackson.databind.JsonNode node) {
    if (node.isTextual()) {
      return node.textValue().length();
    }
    long size = 2;
    if (node.isObject()) {
      for (var it = node.fields(); it.hasNext() && size < MAX_CONFIG_BYTES; ) {
        var field = it.next();
        size += field.getKey().length() + roughSize(field.getValue());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size() && size < MAX_CONFIG_BYTES; i++) {
        size += 1 + roughSize(node.get(i));
      }
    } else {
      size += node.asText().length(); // a number (of any length), boolean or null
    }
    return size;
  }

  /**
   * @throws InvalidTaskException when a workflow has more tasks than the limit
   */
  static void checkWorkflow(int tasks) {
    if (tasks > MAX_WORKFLOW_TASKS) {
      throw new InvalidTaskException(
          "tasks",
          "a workflow of "
              + tasks
              + " tasks; the limit is "
              + MAX_WORKFLOW_TASKS
              + ": split it, later parts depending on tasks already added");
    }
  }
}
