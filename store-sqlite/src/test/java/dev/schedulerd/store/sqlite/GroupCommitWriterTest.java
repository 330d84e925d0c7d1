package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.jdbc.Session;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
    Path file = dir.resolve("later.db");
    GroupCommitWriter writer = writer(file, Duration.ofHours(1));
    try (Connection other = SqliteTaskStore.connect(file, SqliteOptions.of(file))) {
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      assertThat(writer.commits()).isEqualTo(2);
      assertThat(writer.syncedCommits()).isZero();

      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync)).isEqualTo(FULL);
      assertThat(writer.syncedCommits()).isEqualTo(1);

      // Closing syncs what is left, with a commit that writes to the log.
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      assertThat(writer.syncedCommits()).isEqualTo(1);
      long before = dataVersion(other);
      writer.close();
      assertThat(dataVersion(other)).isNotEqualTo(before);
    } finally {
      writer.close();
      writer.closeConnection();
    }
    assertThat(writer.commits()).isEqualTo(4);
    assertThat(writer.syncedCommits()).isEqualTo(2);
  }

  @Test
  void bookkeepingAlone_isSyncedWithinTheBound_byTheWritersOwnCommit() throws Exception {
    Path file = dir.resolve("bound.db");
    GroupCommitWriter writer = writer(file, Duration.ofMillis(20));
    try (Connection other = SqliteTaskStore.connect(file, SqliteOptions.of(file))) {
      assertThat(writer.execute(GroupCommitWriterTest::writeAndTellSync, false)).isEqualTo(NORMAL);
      long before = dataVersion(other);
      await().atMost(Duration.ofSeconds(10)).until(() -> writer.syncedCommits() == 1);
      assertThat(writer.commits()).isEqualTo(1);
      // The sync is a commit that wrote to the log (one that wrote nothing would sync nothing).
      assertThat(dataVersion(other)).isNotEqualTo(before);
    } finally {
      writer.close();
      writer.closeConnection();
    }
    assertThat(writer.syncedCommits()).as("nothing left to sync at close").isEqualTo(1);
  }

  /** SQLite's count of commits by other connections, as {@code connection} sees it. */
  private static long dataVersion(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("PRAGMA data_version")) {
      return rs.next() ? rs.getLong(1) : -1;
    }
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
