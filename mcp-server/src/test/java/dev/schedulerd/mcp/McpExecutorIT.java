package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mcp executor of one real daemon calling a tool of a second one over stdio, on a schedule. */
final class McpExecutorIT {
  @TempDir Path home;

  @Test
  void aScheduledTaskCallsAToolOfAnotherSchedulerd() throws Exception {
    Path config = home.resolve("schedulerd.properties");
    Files.writeString(
        config,
        "executors.mcp.enabled=true\n"
            + "executors.mcp.servers.other=\""
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "\" -XX:TieredStopAtLevel=1 -jar \""
            + JarProcess.jar()
            + "\" --store memory\n");
    Process daemon =
        JarProcess.builder(home, List.of("--store", "memory", "--config", config.toString()))
            .redirectError(home.resolve("daemon.log").toFile())
            .start();
    try (ProcessClient client = new ProcessClient(daemon)) {
      JsonNode added =
          client.call(
              "scheduler_add_task",
              "{\"task_id\":\"remote-preview\",\"task_type\":\"mcp\",\"config\":{\"server\":\"other\","
                  + "\"tool\":\"scheduler_preview_schedule\",\"arguments\":{\"cron_expression\":"
                  + "\"0 3 * * *\",\"time_zone\":\"UTC\",\"count\":2}}}");
      assertThat(added.path("isError").asBoolean()).as(added.toString()).isFalse();

      JsonNode task = client.awaitFinished("remote-preview");

      assertThat(task.path("status").asText())
          .as(Files.readString(home.resolve("daemon.log")))
          .isEqualTo("completed");
      assertThat(task.path("last_run").path("result").asText())
          .contains("result of other/scheduler_preview_schedule")
          .contains("fire_times")
          .contains("T03:00:00Z");

      JsonNode refused =
          client.call(
              "scheduler_add_task",
              "{\"task_id\":\"nowhere\",\"task_type\":\"mcp\",\"config\":{\"server\":\"nowhere\",\"tool\":\"x\"}}");
      assertThat(refused.path("content").get(0).path("text").asText())
          .contains("'nowhere' is not a server this daemon may call")
          .contains("configured: other");
    }
  }
}
