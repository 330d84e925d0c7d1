package dev.schedulerd.mcp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.McpJsonDefaults;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ArgumentsFirstValidatorTest {
  private static final Map<String, Object> INPUT =
      Map.of(
          "type", "object",
          "properties", Map.of("n", Map.of("type", "integer")),
          "required", List.of("n"));

  // Equal to INPUT but another instance: only the registered instance counts as an output schema.
  private static final Map<String, Object> OUTPUT =
      Map.of(
          "type", "object",
          "properties", Map.of("n", Map.of("type", "integer")),
          "required", List.of("n"));

  private static ArgumentsFirstValidator validator(boolean checkResults) {
    return new ArgumentsFirstValidator(
        McpJsonDefaults.getSchemaValidator(), List.of(OUTPUT), checkResults);
  }

  @Test
  void arguments_areAlwaysChecked() {
    for (boolean checkResults : new boolean[] {false, true}) {
      ArgumentsFirstValidator validator = validator(checkResults);
      assertThat(validator.validate(INPUT, Map.of("n", "seven")).valid()).isFalse();
      assertThat(validator.validate(INPUT, Map.of()).valid()).isFalse();
      assertThat(validator.validate(INPUT, Map.of("n", 7)).valid()).isTrue();
    }
  }

  @Test
  void results_areCheckedOnlyWhenAskedTo() {
    assertThat(validator(true).validate(OUTPUT, Map.of("n", "seven")).valid()).isFalse();
    assertThat(validator(false).validate(OUTPUT, Map.of("n", "seven")).valid()).isTrue();
  }

  @Test
  void testJvms_runWithAssertions_soResultsAreCheckedThere() {
    assertThat(ArgumentsFirstValidator.assertionsEnabled()).isTrue();
  }
}
