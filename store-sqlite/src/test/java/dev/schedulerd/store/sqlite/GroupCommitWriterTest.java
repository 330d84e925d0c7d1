package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.store.StoreException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class GroupCommitWriterTest {
  @TempDir Path dir;

  private GroupCommitWriter writer(Path file) throws Exception {
    SqliteOptions options = SqliteOptions.of(file);
    SqliteTaskStore.open(options).close(); // the schema
    return new GroupCommitWriter(
        new PreparedStatements(SqliteTaskStore.connect(file, options), new LongAdder()),
        file.toString(),
        StoreFileGuard.of(file),
        () -> {});
  }

  @Test
  void aWriteThatThrowsAnError_failsAlone_andTheWritesAfterItStillCommit() throws Exception {
    GroupCommitWriter writer = writer(dir.resolve("error.db"));
    try {
      assertThatThrownBy(
              () ->
                  writer.execute(
                      session -> {
                        throw new AssertionError("a plug-in's bug");
                      }))
          .hasMessageContaining("a plug-in's bug");

      // Without a rollback the transaction stayed open and every later BEGIN failed.
      Integer later =
          writer.execute(
              session -> {
                try (ResultSet rs =
                    session.prepare("SELECT count(*) FROM change_counter").executeQuery()) {
                  return rs.next() ? rs.getInt(1) : -1;
                }
              });
      assertThat(later).isEqualTo(1);
    } finally {
      writer.close();
      writer.closeConnection();
    }
  }

  @Test
  void aWriteAfterClose_isRefused_notLeftWaiting() throws Exception {
    GroupCommitWriter writer = writer(dir.resolve("closed.db"));
    writer.close();
    writer.close(); // twice is fine
    writer.closeConnection();
    assertThatThrownBy(() -> writer.execute(session -> 1))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }
}
