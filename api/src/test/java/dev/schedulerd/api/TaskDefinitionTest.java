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
}
