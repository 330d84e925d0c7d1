package dev.schedulerd.store.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.sqlite.SqliteOptions;
import dev.schedulerd.store.sqlite.SqliteTaskStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTaskStoreTest {
  private static final Instant NOW = Instant.parse("2025-01-15T14:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path seedExample() throws IOException {
    Path file = dir.resolve("scheduler_tasks.json");
    try (InputStream in =
        Objects.requireNonNull(getClass().getResourceAsStream("/seed-example.json"))) {
      Files.copy(in, file);
    }
    return file;
  }

  private static JsonTaskStore open(Path file) {
    return JsonTaskStore.open(file, ZoneId.of("UTC"), InstantSource.fixed(NOW));
  }

  @Test
  void aHandEditWhileOpen_isNeverOverwritten_andIsReadAtTheNextOpen() throws IOException {
    Path file = seedExample();
    try (JsonTaskStore store = open(file)) {
      store.delete("report-once"); // the store's own write: fine
      Files.writeString(file, Files.readString(file)); // saved unchanged: no edit
      Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(NOW)); // touched
      store.delete("backup-reminder");
      assertThat(store.problem()).isEmpty();
      String edited = Files.readString(file).replace("\"heartbeat\"", "\"heartbeat-edited\"");
      Files.writeString(file, edited); // a person's edit, in place

      assertThatThrownBy(() -> store.delete("flaky-sync"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("The task file " + file + " was changed by another program")
          .hasMessageContaining("Restart schedulerd to take the edit");
      assertThat(store.problem()).isPresent();
      assertThatThrownBy(() -> store.delete("heartbeat-edited"))
          .as("and every write after it")
          .hasMessageContaining("was changed by another program");
      assertThat(Files.readString(file)).isEqualTo(edited);
    }
    try (JsonTaskStore reopened = open(file)) {
      assertThat(reopened.find("heartbeat-edited")).isPresent();
      assertThat(reopened.find("flaky-sync")).isPresent();
      assertThat(reopened.find("backup-reminder")).isEmpty();
      assertThat(reopened.problem()).isEmpty();
    }
  }

  // ------------------------------------------------------------------ the seed's file

  @Test
  void seedExample_isReadIntoTheModel() throws IOException {
    try (JsonTaskStore store = open(seedExample())) {
      StoredTask backup = store.find("backup-reminder").orElseThrow();
      assertThat(backup.definition().executorKind()).isEqualTo("log");
      assertThat(backup.definition().priority()).isEqualTo(Priority.HIGH);
      assertThat(backup.definition().schedule())
          .isEqualTo(new Schedule.Cron("0 3 * * *", CronDialect.UNIX, ZoneId.of("Europe/Berlin")));
      assertThat(backup.definition().timeout()).isEqualTo(Duration.ofMinutes(5));
      assertThat(backup.definition().config().path("message").asText())
          .isEqualTo("check the backup");
      assertThat(backup.state().status()).isEqualTo(TaskStatus.SCHEDULED);
      assertThat(backup.state().nextDueAt()).isEqualTo(Instant.parse("2025-01-16T02:00:00Z"));

      StoredTask heartbeat = store.find("heartbeat").orElseThrow();
      assertThat(heartbeat.state().status())
          .as("the seed's running task was cut off: it runs again")
          .isEqualTo(TaskStatus.SCHEDULED);
      assertThat(heartbeat.state().nextDueAt()).isEqualTo(NOW);
      assertThat(heartbeat.definition().schedule())
          .isEqualTo(new Schedule.Every(Duration.ofMinutes(1), null));

      assertThat(store.find("report-once").orElseThrow().state().status())
          .isEqualTo(TaskStatus.COMPLETED);
      StoredTask flaky = store.find("flaky-sync").orElseThrow();
      assertThat(flaky.state().status()).isEqualTo(TaskStatus.FAILED);
      assertThat(flaky.state().attempt()).isEqualTo(3);
      assertThat(flaky.definition().priority()).isEqualTo(Priority.CRITICAL);
    }
  }

  @Test
  void seedExample_openAndClose_leavesTheFileByteForByte() throws IOException {
    Path file = seedExample();
    byte[] before = Files.readAllBytes(file);
    try (JsonTaskStore store = open(file)) {
      assertThat(store.list()).hasSize(4);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void seedExample_roundTrip_keepsUntouchedTasksAndUnknownFields() throws IOException {
    Path file = seedExample();
    JsonNode before = JSON.readTree(file.toFile());
    try (JsonTaskStore store = open(file)) {
      store.insert(
          TaskDefinition.builder("new-one", "log")
              .schedule(Schedule.at(NOW.plusSeconds(60)))
              .build(),
          TaskState.initial(NOW.plusSeconds(60), NOW));
      StoredTask backup = store.find("backup-reminder").orElseThrow();
      store.write(
          dev.schedulerd.api.store.TaskWrite.claim(
              "backup-reminder",
              backup.version(),
              new dev.schedulerd.api.Lease("node-1", "run-1", NOW, NOW.plusSeconds(30))));
    }
    JsonNode after = JSON.readTree(file.toFile());

    for (String untouched : List.of("report-once", "heartbeat", "flaky-sync")) {
      assertThat(after.path("tasks").path(untouched))
          .isEqualTo(before.path("tasks").path(untouched));
    }
    JsonNode backup = after.path("tasks").path("backup-reminder");
    assertThat(backup.path("tags"))
        .as("a field schedulerd does not know is kept")
        .isEqualTo(before.path("tasks").path("backup-reminder").path("tags"));
    assertThat(backup.path("status").asText()).isEqualTo("running");
    assertThat(backup.path("priority").asText()).isEqualTo("high");
    assertThat(backup.path("next_run").isNull()).isTrue();
    assertThat(backup.path("schedulerd").path("state").path("lease").path("runId").asText())
        .isEqualTo("run-1");
    assertThat(after.path("metadata").path("total_tasks").asInt()).isEqualTo(5);
    assertThat(after.path("metadata").path("saved_at").asText()).isEqualTo(NOW.toString());
    List<String> order = List.copyOf(JSON.convertValue(after.path("tasks"), Map.class).keySet());
    assertThat(order)
        .containsExactly("backup-reminder", "report-once", "heartbeat", "flaky-sync", "new-one");

    try (JsonTaskStore reopened = open(file)) {
      assertThat(reopened.list()).hasSize(5);
      StoredTask claimed = reopened.find("backup-reminder").orElseThrow();
      assertThat(claimed.state().status()).isEqualTo(TaskStatus.RUNNING);
      assertThat(claimed.state().lease()).isNotNull();
      assertThat(reopened.find("new-one")).isPresent();
    }
  }

  // ------------------------------------------------------------------ one process at a time

  @Test
  void secondProcess_isRefusedNamingTheFileAndTheHolder() throws Exception {
    Path file = dir.resolve("tasks.json");
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");

      assertThatThrownBy(() -> open(file))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("in use by another schedulerd (pid " + holder.pid())
          .hasMessageContaining("--store sqlite");
    } finally {
      holder.getOutputStream().close();
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    try (JsonTaskStore afterwards = open(file)) {
      assertThat(afterwards.list()).isEmpty();
    }
  }

  // ------------------------------------------------------------------ bad files

  private void assertRefusedAndUntouched(Path file, String problem) throws IOException {
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(problem)
        .hasMessageContaining("left untouched");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void truncatedFile_isRefusedAndLeftUntouched() throws IOException {
    Path file = seedExample();
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
    assertRefusedAndUntouched(file, "is not valid JSON (line");
  }

  @Test
  void bitFlippedFile_isRefusedAndLeftUntouched() throws IOException {
    Path file = seedExample();
    byte[] bytes = Files.readAllBytes(file);
    int quote =
        new String(bytes, java.nio.charset.StandardCharsets.UTF_8).indexOf("\"", bytes.length / 2);
    bytes[quote] ^= 0x01; // '"' becomes '#': the structure breaks mid-file
    Files.write(file, bytes);
    assertRefusedAndUntouched(file, "is not valid JSON (line");
  }

  @Test
  void unreadableFile_isRefusedNamingThePermission() throws IOException {
    Path file = seedExample();
    Files.setPosixFilePermissions(file, java.util.Set.of());
    org.junit.jupiter.api.Assumptions.assumeFalse(
        Files.isReadable(file), "running as root: every file is readable");
    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void emptyFile_isRefusedAndLeftUntouched() throws IOException {
    Path file = dir.resolve("empty.json");
    Files.writeString(file, "");
    assertRefusedAndUntouched(file, "it is empty");
  }

  @Test
  void otherJson_isRefusedAsNotATaskFile() throws IOException {
    Path file = dir.resolve("package.json");
    Files.writeString(file, "{\"name\": \"something else\", \"version\": \"1.0.0\"}");
    assertRefusedAndUntouched(file, "is not a task file");
  }

  @Test
  void newerFormat_isRefused() throws IOException {
    Path file = dir.resolve("newer.json");
    Files.writeString(file, "{\"tasks\": {}, \"metadata\": {\"schedulerd_format\": 9}}");
    assertRefusedAndUntouched(file, "newer schedulerd (format 9");
  }

  @Test
  void invalidTask_isRefusedNamingIt() throws IOException {
    Path file = dir.resolve("bad-task.json");
    Files.writeString(
        file,
        "{\"tasks\": {\"t1\": {\"id\": \"t1\", \"type\": \"log\", \"status\": \"exploded\"}},"
            + " \"metadata\": {}}");
    assertRefusedAndUntouched(file, "task 't1' is invalid: has status 'exploded'");
  }

  @Test
  void directory_isRefused() {
    assertThatThrownBy(() -> open(dir))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("is a directory");
  }

  // ------------------------------------------------------------------ import and export

  @Test
  void importIntoSqlite_thenExport_roundTripsTheTasks() throws IOException {
    Path seed = seedExample();
    byte[] seedBefore = Files.readAllBytes(seed);
    FireTimes fireTimes = new FireTimes(ZoneId.of("UTC"));
    try (SqliteTaskStore sqlite = SqliteTaskStore.open(SqliteOptions.of(dir.resolve("s.db")))) {
      SeedFiles.ImportReport report = SeedFiles.importInto(sqlite, seed, fireTimes, NOW);
      assertThat(report.imported()).isEqualTo(4);
      assertThat(report.alreadyPresent()).isEmpty();
      assertThat(sqlite.find("backup-reminder").orElseThrow().definition().schedule())
          .isInstanceOf(Schedule.Cron.class);
      assertThat(sqlite.find("flaky-sync").orElseThrow().state().status())
          .isEqualTo(TaskStatus.FAILED);

      SeedFiles.ImportReport again = SeedFiles.importInto(sqlite, seed, fireTimes, NOW);
      assertThat(again.imported()).isZero();
      assertThat(again.alreadyPresent()).hasSize(4);

      Path exported = dir.resolve("exported.json");
      assertThat(SeedFiles.exportFrom(sqlite, exported, NOW)).isEqualTo(4);
      List<SeedFormat.Entry> back = SeedFiles.read(exported, fireTimes, NOW);
      assertThat(back)
          .extracting(e -> e.task().definition())
          .containsExactlyInAnyOrderElementsOf(
              sqlite.list().stream().map(StoredTask::definition).toList());
      assertThat(back)
          .extracting(e -> e.task().state().status())
          .containsExactlyInAnyOrderElementsOf(
              sqlite.list().stream().map(t -> t.state().status()).toList());
      JsonNode exportedJson = JSON.readTree(exported.toFile());
      assertThat(exportedJson.path("tasks").path("backup-reminder").path("priority").asText())
          .isEqualTo("high");
      assertThat(exportedJson.path("metadata").path("total_tasks").asInt()).isEqualTo(4);
    }
    assertThat(Files.readAllBytes(seed)).as("import only reads the file").isEqualTo(seedBefore);
  }
}
