package dev.schedulerd.executors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.executor.ExecutionResult;
import dev.schedulerd.api.executor.TaskExecutor;
import dev.schedulerd.runtime.ExecutorRegistry;
import dev.schedulerd.testkit.TaskExecutorContract;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class LogExecutorTest extends TaskExecutorContract {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @Override
  protected TaskExecutor executor() {
    return new LogExecutor();
  }

  @Override
  protected ObjectNode validConfig() {
    return json("{\"message\": \"Water the plants\"}");
  }

  @Override
  protected ObjectNode invalidConfig() {
    return json("{}");
  }

  @Test
  void execute_recordsTheMessageAsResult() throws Exception {
    ExecutionResult result = executor().execute(context(validConfig(), new AtomicBoolean()));

    assertThat(result).isEqualTo(ExecutionResult.success("Water the plants"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}| message: required",
        "{\"message\": 5}| message: expected a string, got number 5",
        "{\"message\": \"  \"}| message: must not be empty",
        "{\"message\": \"hi\", \"level\": \"warn\"}| unknown field 'level'",
      })
  void validate_badConfig_saysWhatIsWrong(String config, String problem) {
    assertThat(executor().validate(json(config)))
        .anySatisfy(p -> assertThat(p).startsWith(problem));
  }

  @Test
  void validate_tooLongMessage_namesTheLimit() {
    ObjectNode config =
        JSON.createObjectNode().put("message", "x".repeat(LogExecutor.MAX_MESSAGE_LENGTH + 1));

    assertThat(executor().validate(config)).singleElement().asString().contains("at most 16384");
  }

  @Test
  void serviceLoader_findsTheLogExecutor() {
    ExecutorRegistry registry = ExecutorRegistry.load(getClass().getClassLoader());

    assertThat(registry.find("log")).get().isInstanceOf(LogExecutor.class);
  }
}
