package dev.schedulerd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class TaskDefinitionTest {

  @Test
  void config_isCopiedInAndOut() {
    ObjectNode config = JsonNodeFactory.instance.objectNode().put("message", "hi");
    TaskDefinition definition = TaskDefinition.builder("t", "log").config(config).build();

    config.put("message", "changed outside");
    definition.config().put("message", "changed via accessor");

    assertThat(definition.config().get("message").asText()).isEqualTo("hi");
  }

  /** A config of one property is kept compact inside (W4); nothing outside may tell. */
  @Test
  void configOfOneProperty_readsCopiesAndComparesAsAnyConfig() throws Exception {
    ObjectNode config = JsonNodeFactory.instance.objectNode().put("n", 7);
    TaskDefinition one = TaskDefinition.builder("t", "log").config(config).build();
    TaskDefinition same = TaskDefinition.builder("t", "log").config(config.deepCopy()).build();

    assertThat(one).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(one.config()).isEqualTo(config).hasSameHashCodeAs(config);
    assertThat(one.config(Count.class)).isEqualTo(new Count(7));
    assertThat(one.withSchedule(Schedule.immediate()).config()).isEqualTo(config);
    assertThat(dev.schedulerd.api.json.TaskJson.writeDefinition(one))
        .contains("\"config\":{\"n\":7}");
    assertThat(
            dev.schedulerd.api.json.TaskJson.readDefinition(
                dev.schedulerd.api.json.TaskJson.writeDefinition(one)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(one);
    ObjectNode copy = one.config();
    copy.put("m", 8); // the copy handed out is an ordinary node
    assertThat(one.config().size()).isEqualTo(1);
  }

  record Count(int n) {}

  @Test
  void configOfOneNestedProperty_isCopiedDeep_inAndOut() {
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.putObject("request").put("url", "https://example.org");
    TaskDefinition definition = TaskDefinition.builder("t", "http").config(config).build();

    ((ObjectNode) config.get("request")).put("url", "changed outside");
    ((ObjectNode) definition.config().get("request")).put("url", "changed via accessor");

    assertThat(definition.config().get("request").get("url").asText())
        .isEqualTo("https://example.org");
  }

  @Test
  void labels_areCopied() {
    Map<String, String> labels = new HashMap<>(Map.of("team", "core"));
    TaskDefinition definition = TaskDefinition.builder("t", "log").labels(labels).build();

    labels.put("team", "other");

    assertThat(definition.labels()).containsEntry("team", "core");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "-leading-dash", "has space", "a/b"})
  void id_malformed_isRejectedNamingIt(String id) {
    assertThatThrownBy(() -> TaskDefinition.builder(id, "log").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("task id '" + id + "' is invalid");
  }

  @Test
  void timeout_notPositive_isRejected() {
    assertThatThrownBy(() -> TaskDefinition.builder("t", "log").timeout(Duration.ZERO).build())
        .hasMessageContaining("timeout must be positive");
  }

  @Test
  void every_tooShortInterval_isRejected() {
    assertThatThrownBy(() -> Schedule.every(Duration.ofMillis(10)))
        .hasMessageContaining("too short");
  }

  @Test
  void priority_parse_namesAlternatives() {
    assertThat(Priority.parse("CRITICAL")).isEqualTo(Priority.CRITICAL);
    assertThat(Priority.parse(" High ")).isEqualTo(Priority.HIGH);
    for (Priority p : Priority.values()) {
      assertThat(Priority.parse(p.wireName())).isEqualTo(p);
      assertThat(p.wireName()).isEqualTo(p.name().toLowerCase(java.util.Locale.ROOT));
    }
    assertThatThrownBy(() -> Priority.parse("urgent"))
        .hasMessageContaining("'urgent'")
        .hasMessageContaining("critical, high, medium, low");
  }

  @Test
  void priority_orderIsUrgency() {
    assertThat(Priority.CRITICAL).isLessThan(Priority.HIGH);
    assertThat(Priority.HIGH).isLessThan(Priority.MEDIUM);
    assertThat(Priority.MEDIUM).isLessThan(Priority.LOW);
  }

  /** The hand-written checks accept exactly what the documented patterns accept. */
  @Test
  void idAndKindChecksAgreeWithTheirPatterns() {
    java.util.regex.Pattern id =
        java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    java.util.regex.Pattern kind = java.util.regex.Pattern.compile("[a-z][a-z0-9_-]{0,63}");
    String alphabet = "aAzZ09._:-/ é\u0000\n";
    java.util.Random random = new java.util.Random(42);
    int accepted = 0;
    for (int n = 0; n < 20_000; n++) {
      int length = random.nextInt(n % 2 == 0 ? 6 : 140);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < length; i++) {
        // Mostly valid characters, so long valid strings occur too.
        sb.append(
            random.nextInt(10) < 8
                ? alphabet.charAt(random.nextInt(4)) // a A z Z
                : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String candidate = sb.toString();
      assertThat(TaskDefinition.isValidId(candidate))
          .as("id '%s'", candidate)
          .isEqualTo(id.matcher(candidate).matches());
      assertThat(TaskDefinition.isValidKind(candidate))
          .as("kind '%s'", candidate)
          .isEqualTo(kind.matcher(candidate).matches());
      if (id.matcher(candidate).matches()) {
        accepted++;
      }
    }
    assertThat(accepted).as("valid ids among the samples").isGreaterThan(1_000);
    for (String edge :
        new String[] {
          "a".repeat(128), "a".repeat(129), "a".repeat(64), "a".repeat(65), "0", "-a", "a-", "A"
        }) {
      assertThat(TaskDefinition.isValidId(edge)).as(edge).isEqualTo(id.matcher(edge).matches());
      assertThat(TaskDefinition.isValidKind(edge)).as(edge).isEqualTo(kind.matcher(edge).matches());
    }
  }
}
