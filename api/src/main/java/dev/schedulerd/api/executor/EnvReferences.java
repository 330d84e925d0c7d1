package dev.schedulerd.api.executor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * References to the daemon's environment in a task's config: {@code ${env:NAME}} inside any string
 * value. The text a client wrote keeps the reference; only {@link RunSecrets} resolves it, inside
 * the run.
 */
public final class EnvReferences {
  /** One reference; group 1 is the variable's name. */
  public static final Pattern REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

  private EnvReferences() {}

  /** Whether {@code text} holds a reference. */
  public static boolean contains(String text) {
    return REFERENCE.matcher(text).find();
  }

  /** The names {@code text} references, in order, with repeats. */
  public static List<String> names(String text) {
    List<String> names = new ArrayList<>();
    Matcher m = REFERENCE.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /**
   * Every reference in {@code config}'s string values (at any depth) that {@code policy} refuses,
   * as a message naming where it is, the variable and the key that would allow it.
   */
  public static List<String> refused(JsonNode config, EnvPolicy policy) {
    List<String> problems = new ArrayList<>();
    collect(config, "config", policy, problems);
    return problems;
  }

  private static void collect(JsonNode node, String where, EnvPolicy policy, List<String> out) {
    if (node.isTextual()) {
      for (String name : names(node.asText())) {
        if (!policy.allows(name)) {
          out.add(where + ": ${env:" + name + "}: " + policy.refusal(name));
        }
      }
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        collect(field.getValue(), where + "." + field.getKey(), policy, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), where + "[" + i + "]", policy, out);
      }
    }
  }
}
