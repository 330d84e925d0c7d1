package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.jdbc.Session;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class GroupCommitWriterTest {
  @TempDir Path dir;

  private GroupCommitWriter writer(Path file) throws Exception {
    return writer(file, Duration.ofMillis(50));
  }

  private GroupCommitWriter writer(Path file, Duration syncWithin) throws Exception {
    SqliteOptions options = SqliteOptions.of(file);
    SqliteTaskStore.open(options).close(); // the schema
    return new GroupCommitWriter(
        new PreparedStatements(SqliteTaskStore.connect(file, options), new LongAdder()),
        file.toString(),
        true,
        syncWithin,
        StoreFileGuard.of(file),
        () -> {});
  }

  /** A write that changes a row and answers the {@code synchronous} its batch commits under. */
  private static int writeAndTellSync(Session session) throws SQLException {
    session.prepare("UPDATE change_counter SET value = value + 1").executeUpdate();
    try (ResultSet rs = session.prepare("PRAGMA synchronous").executeQuery()) {
      return rs.next() ? rs.getInt(1) : -1;
    }
  }

  private static final int NORMAL = 1;
  private static final int FULL = 2;

  @Test
  void bookkeepingAlone_commitsWithoutAnFsync_untilACallersWriteSyncsTheLog() throws Exception {
    GroupCommitWriter writer = writer(dir.resolve("later.db"), Duration.ofHours(1));
    try {
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      assertThat(writer.commits()).isEqualTo(2);
      assertThat(writer.syncedCommits()).isZero();

      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync)).isEqualTo(FULL);
      assertThat(writer.syncedCommits()).isEqualTo(1);

      // Closing syncs what is left.
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      assertThat(writer.syncedCommits()).isEqualTo(1);
    } finally {
      writer.close();
      writer.closeConnection();
    }
    assertThat(writer.commits()).isEqualTo(4);
    assertThat(writer.syncedCommits()).isEqualTo(2);
  }

  @Test
  void bookkeepingAlone_isSyncedWithinTheBound_byTheWritersOwnCommit() throws Exception {
    GroupCommitWriter writer = writer(dir.resolve("bound.db"), Duration.ofMillis(20));
    try {
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      await().atMost(Duration.ofSeconds(10)).until(() -> writer.syncedCommits() == 1);
      assertThat(writer.commits()).isEqualTo(1);
    } finally {
      writer.close();
      writer.closeConnection();
    }
    assertThat(writer.syncedCommits()).as("nothing left to sync at close").isEqualTo(1);
  }

  @Test
  void aZeroBound_syncsBookkeepingAtOnce() throws Exception {
    GroupCommitWriter writer = writer(dir.resolve("zero.db"), Duration.ZERO);
    try {
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(FULL);
      assertThat(writer.syncedCommits()).isEqualTo(1);
    } finally {
      writer.close();
      writer.closeConnection();
    }
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
