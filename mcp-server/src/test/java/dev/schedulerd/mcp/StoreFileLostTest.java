package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an agent reads when the SQLite file is deleted under a running scheduler. */
final class StoreFileLostTest {
  @TempDir Path dir;

  @Test
  void aDeletedStoreFile_isSaidInDaemonStatus_andAnAddIsRefusedNotAcknowledged() throws Exception {
    Path file = dir.resolve("scheduler.db");
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(file));
        Scheduler scheduler = Scheduler.builder().store(store).build()) {
      scheduler.start();
      try (McpTestSession session = new McpTestSession(scheduler, "{}")) {
        String add =
            "{\"task_id\":\"%s\",\"task_type\":\"log\",\"cron_expression\":\"0 3 * * *\","
                + "\"config\":{\"message\":\"m\"}}";
        assertThat(
                session
                    .call("scheduler_add_task", add.formatted("before"))
                    .path("isError")
                    .asBoolean())
            .isFalse();
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
          Files.deleteIfExists(dir.resolve("scheduler.db" + suffix));
        }

        JsonNode refused = session.call("scheduler_add_task", add.formatted("after"));
        JsonNode status = session.call("scheduler_daemon_status", "{}");

        assertThat(refused.path("isError").asBoolean()).as(refused.toString()).isTrue();
        assertThat(refused.path("content").get(0).path("text").asText())
            .contains("The task store " + file + " was deleted")
            .contains("writes are refused");
        JsonNode daemon = status.path("structuredContent").path("daemon");
        assertThat(daemon.path("store_problem").asText()).contains("was deleted");
        assertThat(status.path("content").get(0).path("text").asText())
            .contains("STORE PROBLEM: The task store " + file + " was deleted");
      }
    }
  }
}
