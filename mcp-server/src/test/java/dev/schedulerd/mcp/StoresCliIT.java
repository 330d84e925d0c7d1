package dev.schedulerd.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar choosing, creating, importing and exporting stores, as a user meets it. */
final class StoresCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}\n"
          + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
  private static final String LIST_TASKS =
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
          + "\"scheduler_list_tasks\",\"arguments\":{}}}\n";

  @TempDir Path home;

  private Path seedFile() throws Exception {
    Path memory = Files.createDirectories(home.resolve(".memory"));
    Path file = memory.resolve("scheduler_tasks.json");
    try (InputStream in =
        Objects.requireNonNull(getClass().getResourceAsStream("/seed-example.json"))) {
      Files.copy(in, file);
    }
    return file;
  }

  private static List<String> taskIds(String stdout) throws Exception {
    for (String line : stdout.split("\n")) {
      JsonNode message = JSON.readTree(line);
      if (message.path("id").asInt() == 2) {
        return message
            .path("result")
            .path("structuredContent")
            .path("tasks")
            .findValuesAsText("task_id");
      }
    }
    throw new AssertionError("no answer to list_tasks in: " + stdout);
  }

  @Test
  void firstStart_withTheSeedsFile_importsItIntoTheNewDefaultDatabase() throws Exception {
    Path seed = seedFile();
    byte[] seedBefore = Files.readAllBytes(seed);

    JarProcess first = JarProcess.run(home, INITIALIZE + LIST_TASKS);

    assertThat(first.exitCode()).as(first.stderr()).isZero();
    assertThat(first.stderr()).contains("imported 4 task(s) from the seed's file " + seed);
    assertThat(home.resolve(".memory/scheduler.db")).exists();
    assertThat(taskIds(first.stdout()))
        .containsExactlyInAnyOrder("backup-reminder", "report-once", "heartbeat", "flaky-sync");
    assertThat(Files.readAllBytes(seed)).isEqualTo(seedBefore);

    JarProcess second = JarProcess.run(home, INITIALIZE + LIST_TASKS);
    assertThat(second.stderr()).as("only a new database imports").doesNotContain("imported");
    assertThat(taskIds(second.stdout())).hasSize(4);
  }

  @Test
  void exportThenImport_intoAJsonStore() throws Exception {
    seedFile();
    JarProcess.run(home, ""); // creates the database from the seed's file
    Path exported = home.resolve("exported.json");

    JarProcess export = JarProcess.run(home, "", "export", exported.toString());
    assertThat(export.exitCode()).as(export.stderr()).isZero();
    assertThat(export.stdout()).contains("Exported 4 task(s) to " + exported);
    assertThat(JSON.readTree(exported.toFile()).path("metadata").path("total_tasks").asInt())
        .isEqualTo(4);

    Path jsonStore = home.resolve("copy.json");
    JarProcess imported =
        JarProcess.run(home, "", "import", "--store", "json:" + jsonStore, exported.toString());
    assertThat(imported.exitCode()).as(imported.stderr()).isZero();
    assertThat(imported.stdout()).contains("Imported 4 task(s)");

    JarProcess served =
        JarProcess.run(home, INITIALIZE + LIST_TASKS, "--store", "json:" + jsonStore);
    assertThat(taskIds(served.stdout())).hasSize(4);
  }

  @Test
  void pipedRequests_thenEndOfInput_areAllAnsweredBeforeExit() throws Exception {
    StringBuilder requests = new StringBuilder(INITIALIZE);
    for (int id = 10; id < 30; id++) {
      requests.append(
          "{\"jsonrpc\":\"2.0\",\"id\":"
              + id
              + ",\"method\":\"tools/call\",\"params\":{\"name\":\"scheduler_add_task\","
              + "\"arguments\":{\"task_id\":\"piped-"
              + id
              + "\",\"task_type\":\"log\",\"config\":{\"message\":\"hi\"}}}}\n");
    }

    JarProcess result = JarProcess.run(home, requests.toString(), "--store", "memory");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().lines().filter(l -> l.contains("\"isError\":false")).count())
        .as(result.stdout())
        .isEqualTo(20);
  }

  @Test
  void unknownStore_isAUsageErrorListingTheStoresFound() throws Exception {
    JarProcess result = JarProcess.run(home, "", "--store", "mongo:somewhere");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr())
        .contains("there is no store named 'mongo'")
        .contains("json (")
        .contains("memory (")
        .contains("sqlite (")
        .doesNotContain("Usage:");
    assertThat(result.stdout()).isEmpty();
  }

  /**
   * An unreadable store file, SQLite or JSON, stops start-up naming the file. Run by the real jar
   * with file permissions in force even as root, where the stores' own tests must skip this case.
   */
  @Test
  void unreadableStoreFiles_stopStartupNamingTheFile() throws Exception {
    Path db = home.resolve("tasks.db");
    Path json = home.resolve("tasks.json");
    for (String store : List.of("sqlite:" + db, "json:" + json)) {
      JarProcess created = JarProcess.run(home, INITIALIZE, "--store", store);
      assertThat(created.exitCode()).as(created.stderr()).isZero();
    }
    Files.setPosixFilePermissions(db, java.util.Set.of());
    Files.setPosixFilePermissions(json, java.util.Set.of());

    JarProcess sqlite =
        JarProcess.runBoundByFilePermissions(home, INITIALIZE, "--store", "sqlite:" + db);
    JarProcess file =
        JarProcess.runBoundByFilePermissions(home, INITIALIZE, "--store", "json:" + json);

    assertThat(sqlite.exitCode()).as(sqlite.stderr()).isEqualTo(1);
    assertThat(sqlite.stderr())
        .contains("Cannot open the task store " + db)
        .contains("may not read")
        .doesNotContain("\tat ");
    assertThat(file.exitCode()).as(file.stderr()).isEqualTo(1);
    assertThat(file.stderr())
        .contains("Cannot read the task file " + json)
        .contains("Fix its permissions")
        .doesNotContain("\tat ");
    assertThat(sqlite.stdout() + file.stdout()).isEmpty();
  }

  @Test
  void damagedStoreFile_stopsStartupWithOneMessageAndKeepsTheFile() throws Exception {
    Path db = home.resolve("tasks.db");
    Files.writeString(db, "definitely not sqlite".repeat(100));
    byte[] before = Files.readAllBytes(db);

    JarProcess result = JarProcess.run(home, INITIALIZE, "--store", "sqlite:" + db);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr())
        .contains("schedulerd: Cannot open the task store " + db)
        .contains("not a SQLite database")
        .doesNotContain("\tat ");
    assertThat(result.stdout()).isEmpty();
    assertThat(Files.readAllBytes(db)).isEqualTo(before);
  }

  @Test
  void jsonStore_secondServerIsRefusedWhileTheFirstRuns() throws Exception {
    Path file = home.resolve("tasks.json");
    Process first =
        JarProcess.builder(home, List.of("--store", "json:" + file))
            .redirectError(home.resolve("first.err").toFile())
            .start();
    try {
      first.getOutputStream().write(INITIALIZE.getBytes(StandardCharsets.UTF_8));
      first.getOutputStream().flush();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).contains("\"id\":1"); // it is up and holds the file

      JarProcess second = JarProcess.run(home, INITIALIZE, "--store", "json:" + file);

      assertThat(second.exitCode()).isEqualTo(1);
      assertThat(second.stderr())
          .contains(
              "The task file " + file + " is in use by another schedulerd (pid " + first.pid())
          .contains("--store sqlite");
    } finally {
      first.getOutputStream().close();
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(first.exitValue()).isZero();
  }
}
