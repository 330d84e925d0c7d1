package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store file deleted, replaced or robbed of its log while the store is open: SQLite would write
 * on through its open handles and the writes would be lost; the store refuses them instead, says
 * why, and never writes into the file now at the path.
 */
final class StoreFileGuardTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir Path dir;

  private static TaskDefinition definition(String id) {
    return TaskDefinition.builder(id, "log").schedule(Schedule.at(T0)).build();
  }

  private static void delete(Path file) throws Exception {
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
    }
  }

  @Test
  void aDeletedFile_refusesWrites_andSaysWhy() throws Exception {
    Path file = dir.resolve("tasks.db");
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(file))) {
      store.insert(definition("before"), TaskState.initial(T0, T0));
      assertThat(store.problem()).isEmpty();
      assertThat(store.find("before")).isPresent(); // a reader connection, open before the loss

      delete(file);

      assertThatThrownBy(() -> store.insert(definition("after"), TaskState.initial(T0, T0)))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(
              "The task store " + file + " was deleted since schedulerd opened it")
          .hasMessageContaining("writes are refused")
          .hasMessageContaining("Stop schedulerd, restore the file");
      assertThat(store.problem())
          .get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
          .contains("was deleted");
      assertThat(store.find("before")).as("what was written stays readable").isPresent();
    }
    assertThat(file).as("no new, empty file made at the path").doesNotExist();
  }

  @Test
  void aReplacedFile_isNeverWrittenInto() throws Exception {
    Path file = dir.resolve("tasks.db");
    Path other = dir.resolve("other.db");
    try (SqliteTaskStore second = SqliteTaskStore.open(SqliteOptions.of(other))) {
      second.insert(definition("theirs"), TaskState.initial(T0, T0));
    }
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(file))) {
      store.insert(definition("mine"), TaskState.initial(T0, T0));
      Files.move(other, file, StandardCopyOption.REPLACE_EXISTING);

      assertThatThrownBy(() -> store.insert(definition("lost"), TaskState.initial(T0, T0)))
          .hasMessageContaining("was replaced by another file");
    }
    try (SqliteTaskStore reopened = SqliteTaskStore.open(SqliteOptions.of(file))) {
      assertThat(reopened.list())
          .extracting(t -> t.id())
          .as("the file now at the path got nothing of ours")
          .containsExactly("theirs");
    }
  }

  @Test
  void aRemovedLog_refusesWrites() throws Exception {
    Path file = dir.resolve("tasks.db");
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(file))) {
      store.insert(definition("before"), TaskState.initial(T0, T0));
      Files.delete(dir.resolve("tasks.db-wal"));

      assertThatThrownBy(() -> store.insert(definition("after"), TaskState.initial(T0, T0)))
          .hasMessageContaining("lost its write-ahead log (tasks.db-wal was deleted)");
    }
  }

  @Test
  void throughASymbolicLink_theLogBesideTheRealFileIsWatched() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real")).resolve("tasks.db");
    Path link = dir.resolve("link.db");
    try (SqliteTaskStore created = SqliteTaskStore.open(SqliteOptions.of(real))) {
      created.insert(definition("first"), TaskState.initial(T0, T0));
    }
    Files.createSymbolicLink(link, real);
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(link))) {
      store.insert(definition("before"), TaskState.initial(T0, T0));
      Files.delete(real.resolveSibling("tasks.db-wal"));

      assertThatThrownBy(() -> store.insert(definition("after"), TaskState.initial(T0, T0)))
          .hasMessageContaining("lost its write-ahead log");
    }
  }

  @Test
  void anUntouchedFile_takesWritesAsBefore_acrossCheckpoints() throws Exception {
    Path file = dir.resolve("tasks.db");
    try (SqliteTaskStore store = SqliteTaskStore.open(SqliteOptions.of(file));
        SqliteTaskStore other = SqliteTaskStore.open(SqliteOptions.of(file))) {
      for (int i = 0; i < 2_000; i++) { // past the automatic checkpoint (1,000 pages)
        (i % 2 == 0 ? store : other).insert(definition("t" + i), TaskState.initial(T0, T0));
      }
      assertThat(store.problem()).isEmpty();
      assertThat(other.problem()).isEmpty();
      assertThat(store.list()).hasSize(2_000);
    }
  }
}
