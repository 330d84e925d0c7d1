package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class LogSyncTest {
  @TempDir Path dir;

  private static LogSync logSync(Path file, boolean fullSync, Duration within) throws Exception {
    SqliteOptions options = SqliteOptions.of(file);
    SqliteTaskStore.open(options).close(); // the schema
    PreparedStatements statements =
        new PreparedStatements(SqliteTaskStore.connect(file, options), new LongAdder());
    return new LogSync(statements, StoreFileGuard.of(file), file.toString(), fullSync, within);
  }

  @Test
  void aBatchOfBookkeeping_fsyncsOnceTheOldestUnsyncedCommitIsOverTheBound() throws Exception {
    // A writer that never runs dry never waits for a write: the bound is kept by the batch itself.
    LogSync sync = logSync(dir.resolve("overdue.db"), true, Duration.ofNanos(1));
    assertThat(sync.beforeCommit(false)).as("nothing unsynced yet").isFalse();
    sync.committed(false);
    assertThat(sync.nanosToSync()).isZero();
    assertThat(sync.beforeCommit(false)).as("over the bound").isTrue();
    sync.committed(true);
    assertThat(sync.nanosToSync()).isEqualTo(-1);
    assertThat(sync.syncedCommits()).isEqualTo(1);
  }

  @Test
  void withinTheBound_bookkeepingWaits_aCallersWriteDoesNot() throws Exception {
    LogSync sync = logSync(dir.resolve("within.db"), true, Duration.ofHours(1));
    sync.committed(sync.beforeCommit(false));
    assertThat(sync.nanosToSync()).isPositive();
    assertThat(sync.beforeCommit(false)).isFalse();
    assertThat(sync.beforeCommit(true)).isTrue();
  }

  @Test
  void atSynchronousNormal_nothingFsyncsNorWaits() throws Exception {
    LogSync sync = logSync(dir.resolve("normal.db"), false, Duration.ofMillis(50));
    assertThat(sync.beforeCommit(true)).isFalse();
    sync.committed(false);
    assertThat(sync.nanosToSync()).isEqualTo(-1);
    sync.syncNow();
    assertThat(sync.syncedCommits()).isZero();
  }
}
