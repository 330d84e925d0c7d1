package dev.schedulerd.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskWrite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTaskStoreTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00.123456789Z");

  @TempDir Path dir;

  private static TaskDefinition definition(String id) {
    return TaskDefinition.builder(id, "log").schedule(Schedule.at(T0)).build();
  }

  private static TaskState initial() {
    return TaskState.initial(T0, T0);
  }

  private SqliteTaskStore open(Path file) {
    return SqliteTaskStore.open(SqliteOptions.of(file));
  }

  // ------------------------------------------------------------------ opening

  @Test
  void open_missingDirectory_isCreated_andKeepsWhatWasWritten() {
    Path file = dir.resolve("a/b/scheduler.db");
    try (SqliteTaskStore store = open(file)) {
      store.insert(definition("t1"), initial());
    }
    try (SqliteTaskStore store = open(file)) {
      assertThat(store.find("t1")).isPresent();
    }
  }

  @Test
  void open_directory_failsNamingIt() {
    assertThatThrownBy(() -> open(dir))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("is a directory");
  }

  @Test
  void open_fileOfAnotherKind_failsAndLeavesItUntouched() throws IOException {
    Path file = dir.resolve("notes.db");
    Files.writeString(file, "these are my notes, not a database\n".repeat(200));
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not a SQLite database")
        .hasMessageContaining("left untouched")
        .hasMessageContaining("--store");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(dir.resolve("notes.db-wal")).doesNotExist();
  }

  @Test
  void open_truncatedFile_failsAsDamagedAndLeavesItUntouched() throws IOException {
    Path file = dir.resolve("scheduler.db");
    try (SqliteTaskStore store =
        SqliteTaskStore.open(
            SqliteOptions.of(file).withSynchronous(SqliteOptions.Synchronous.NORMAL))) {
      for (int i = 0; i < 2_000; i++) {
        store.insert(definition("task-" + i), initial());
      }
    }
    byte[] whole = Files.readAllBytes(file);
    byte[] half = java.util.Arrays.copyOf(whole, whole.length / 2);
    Files.write(file, half);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("damaged")
        .hasMessageContaining("Restore it from a backup");
    assertThat(Files.readAllBytes(file)).isEqualTo(half);
  }

  /** More rows than one decoding chunk: the reader and the pool share them, the order stays. */
  @Test
  void aLargeRead_keepsRowOrder_andSaysTheFirstDamagedRow() throws Exception {
    Path file = dir.resolve("large.db");
    int tasks = 5_000; // two full chunks of 2,048 and a tail
    try (SqliteTaskStore store = open(file)) {
      List<StoredTask> batch = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        batch.add(new StoredTask(definition("row-" + i), initial()));
      }
      store.insertAll(batch);
    }
    try (SqliteTaskStore store = open(file)) { // a new instance: every row is decoded
      assertThat(store.changesSince(0, Integer.MAX_VALUE).changed())
          .extracting(StoredTask::id)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.range(0, tasks).mapToObj(i -> "row-" + i).toList());
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = c.createStatement()) {
      // One row in the first chunk (decoded by the pool or the reader), one in the tail.
      statement.executeUpdate(
          "UPDATE tasks SET definition = '{\"id\":\"row-10\", broken' WHERE id = 'row-10'");
      statement.executeUpdate(
          "UPDATE tasks SET definition = '{\"id\":\"row-4990\", broken' WHERE id = 'row-4990'");
    }
    try (SqliteTaskStore store = open(file)) {
      assertThatThrownBy(() -> store.changesSince(0, Integer.MAX_VALUE))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("a stored task cannot be read")
          .hasMessageContaining("row-10")
          .hasMessageNotContaining("row-4990");
    }
  }

  @Test
  void open_emptiedFile_isRefusedAndLeftEmpty() throws IOException {
    Path file = dir.resolve("scheduler.db");
    Files.write(file, new byte[0]);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("it is empty (0 bytes)")
        .hasMessageContaining("delete it or move it aside");
    assertThat(Files.size(file)).isZero();
  }

  @Test
  void open_bitFlippedFile_failsAsDamagedAndLeavesItUntouched() throws IOException {
    Path file = dir.resolve("scheduler.db");
    try (SqliteTaskStore store = open(file)) {
      for (int i = 0; i < 500; i++) {
        store.insert(definition("task-" + i), initial());
      }
    }
    byte[] bytes = Files.readAllBytes(file);
    int pageSize = ((bytes[16] & 0xFF) << 8) | (bytes[17] & 0xFF);
    for (int page = 2; page * pageSize < bytes.length; page += 3) {
      bytes[(page - 1) * pageSize] ^= (byte) 0x5A; // each flipped page header is a b-tree page type
    }
    Files.write(file, bytes);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("damaged")
        .hasMessageContaining("Restore it from a backup");
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  @Test
  void open_newerSchema_isRefusedAndLeftUntouched() throws Exception {
    Path file = dir.resolve("scheduler.db");
    open(file).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 99");
    }
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("newer schedulerd (schema version 99")
        .hasMessageContaining("up to " + SqliteDialect.LATEST_SCHEMA);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void open_schemaOfAnOlderBuild_isMigratedKeepingItsTasks() throws Exception {
    Path file = dir.resolve("old.db");
    try (SqliteTaskStore store = open(file)) {
      store.insert(definition("kept"), initial());
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE nodes"); // as version 1 left it
      s.execute("DROP TRIGGER tasks_priority_insert");
      s.execute("DROP TRIGGER tasks_priority_update");
      s.execute("DROP INDEX tasks_priority_status");
      s.execute("ALTER TABLE tasks DROP COLUMN priority");
      s.execute("PRAGMA user_version = 1");
    }
    try (SqliteTaskStore store = open(file)) {
      assertThat(store.find("kept")).isPresent();
      assertThat(store.counts().byPriority())
          .as("the priority column filled from the definitions")
          .containsEntry(dev.schedulerd.api.Priority.MEDIUM, 1L);
      store.heartbeat(new dev.schedulerd.api.store.NodeInfo("n", T0, T0, 0));
      assertThat(store.nodes(T0)).hasSize(1);
    }
  }

  @Test
  void counts_readAnIndex_notEveryTasksDefinition_andStatusPagesKeepIdOrder() throws Exception {
    Path file = dir.resolve("counted.db");
    try (SqliteTaskStore store = open(file)) {
      store.insert(definition("a"), initial());
      store.insert(
          TaskDefinition.builder("b", "noop").priority(dev.schedulerd.api.Priority.HIGH).build(),
          initial());
      dev.schedulerd.api.store.TaskCounts counts = store.counts();
      assertThat(counts.total()).isEqualTo(2);
      assertThat(counts.byPriority())
          .containsEntry(dev.schedulerd.api.Priority.MEDIUM, 1L)
          .containsEntry(dev.schedulerd.api.Priority.HIGH, 1L);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      // As a process of schema 2 writes: no priority column named; and a value no build writes.
      s.executeUpdate(
          "INSERT INTO tasks (id, definition, state, status, version, change_seq) SELECT 'old',"
              + " definition, state, status, version, change_seq + 1000 FROM tasks WHERE id = 'a'");
      s.executeUpdate(
          "UPDATE tasks SET definition = json_set(definition, '$.priority', 'low') WHERE id = 'a'");
      s.executeUpdate(
          "UPDATE tasks SET definition = json_set(definition, '$.priority', 'urgent')"
              + " WHERE id = 'b'");
      try (SqliteTaskStore store = open(file)) {
        dev.schedulerd.api.store.TaskCounts counts = store.counts();
        assertThat(counts.total()).isEqualTo(3);
        assertThat(counts.byPriority())
            .as("filled by the triggers; an unknown priority left out, not an error")
            .containsOnly(
                java.util.Map.entry(dev.schedulerd.api.Priority.MEDIUM, 1L),
                java.util.Map.entry(dev.schedulerd.api.Priority.LOW, 1L));
      }
      assertThat(plan(s, "SELECT status, priority, count(*) FROM tasks GROUP BY priority, status"))
          .contains("USING COVERING INDEX tasks_priority_status");
      assertThat(plan(s, "SELECT id FROM tasks WHERE id > '' AND status = 'x' ORDER BY id LIMIT 9"))
          .contains("USING PRIMARY KEY")
          .doesNotContain("TEMP B-TREE");
      assertThat(
              plan(
                  s,
                  "SELECT id FROM tasks WHERE id > '' AND "
                      + SqliteDialect.INSTANCE.unindexed("priority")
                      + " = 'x' ORDER BY id LIMIT 9"))
          .as("as the store filters by priority")
          .contains("USING PRIMARY KEY")
          .doesNotContain("TEMP B-TREE");
    }
  }

  private static String plan(Statement s, String sql) throws Exception {
    StringBuilder steps = new StringBuilder();
    try (var rows = s.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
      while (rows.next()) {
        steps.append(rows.getString("detail")).append('\n');
      }
    }
    return steps.toString();
  }

  @Test
  void open_databaseOfAnotherProgram_isRefused() throws Exception {
    Path file = dir.resolve("other.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)");
    }
    byte[] before = Files.readAllBytes(file);

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("some other program (tables invoices)");
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void open_unreadableFile_failsNamingThePermission() throws IOException {
    assumeThat(System.getProperty("user.name")).as("root reads any file").isNotEqualTo("root");
    Path file = dir.resolve("scheduler.db");
    open(file).close();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));

    assertThatThrownBy(() -> open(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("may not read");
  }

  @Test
  void open_fileThatCannotBeCreated_failsNamingTheDirectory() throws IOException {
    Path blocker = dir.resolve("blocker");
    Files.writeString(blocker, "a file where a directory should be");

    assertThatThrownBy(() -> open(blocker.resolve("scheduler.db")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("directory cannot be created");
  }

  // ------------------------------------------------------------------ options

  @Test
  void provider_parsesPathAndOptions() {
    SqliteOptions options =
        SqliteOptions.parse(
            "/tmp/x.db?synchronous=normal&busy_timeout_ms=250", Map.of("runs_kept_per_task", "7"));
    assertThat(options.file()).isEqualTo(Path.of("/tmp/x.db"));
    assertThat(options.synchronous()).isEqualTo(SqliteOptions.Synchronous.NORMAL);
    assertThat(options.busyTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(options.runsKeptPerTask()).isEqualTo(7);
    assertThat(options.runsSyncedWithin()).isEqualTo(Duration.ofMillis(50));
    assertThat(
            SqliteOptions.parse("/tmp/x.db?runs_synced_within_ms=0", Map.of()).runsSyncedWithin())
        .isZero();
    assertThatThrownBy(() -> SqliteOptions.parse("/tmp/x.db?runs_synced_within_ms=5000", Map.of()))
        .hasMessageContaining("runs_synced_within_ms='5000'")
        .hasMessageContaining("0 to 1000");
    assertThat(SqliteOptions.parse("", Map.of()).file()).isEqualTo(SqliteOptions.defaultFile());
    assertThat(SqliteOptions.defaultFile().toString()).endsWith(".memory/scheduler.db");
  }

  @Test
  void provider_rejectsUnknownOptionsNamingThem() {
    assertThatThrownBy(() -> SqliteOptions.parse("/tmp/x.db?fsync=yes", Map.of()))
        .hasMessageContaining("unknown sqlite store option 'fsync'");
    assertThatThrownBy(() -> SqliteOptions.parse("/tmp/x.db?synchronous=off", Map.of()))
        .hasMessageContaining("synchronous='off' is invalid: use full or normal");
    assertThatThrownBy(() -> SqliteOptions.parse("/tmp/x.db?busy_timeout_ms=soon", Map.of()))
        .hasMessageContaining("busy_timeout_ms='soon'");
  }

  @Test
  void provider_opensTheFileInTheLocation() {
    Path file = dir.resolve("via-provider.db");
    try (var store =
        new SqliteTaskStoreProvider().open(StoreSettings.of(file + "?synchronous=normal"))) {
      store.insert(definition("t1"), initial());
    }
    assertThat(file).exists();
  }

  // ------------------------------------------------------------------ writes

  @Test
  void burstOfConcurrentInserts_sharesCommits() throws Exception {
    try (SqliteTaskStore store = open(dir.resolve("burst.db"))) {
      long before = store.commits();
      int writers = 400;
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<StoredTask>> inserts = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
          String id = "burst-" + i;
          inserts.add(threads.submit(() -> store.insert(definition(id), initial())));
        }
        for (Future<StoredTask> insert : inserts) {
          insert.get();
        }
      }
      assertThat(store.list()).hasSize(writers);
      assertThat(store.commits() - before).isLessThan(writers);
    }
  }

  @Test
  void statementsRun_areCounted_aBatchByItsRows_transactionControlNot() throws Exception {
    try (SqliteTaskStore store = open(dir.resolve("counted.db"))) {
      long before = store.statements();
      store.find("absent");
      assertThat(store.statements() - before).as("one read").isEqualTo(1);

      before = store.statements();
      store.insertAll(
          List.of(
              new StoredTask(definition("a1"), initial()),
              new StoredTask(definition("a2"), initial()),
              new StoredTask(definition("a3"), initial())));
      long threeRows = store.statements() - before;
      before = store.statements();
      store.insertAll(
          List.of(
              new StoredTask(definition("b1"), initial()),
              new StoredTask(definition("b2"), initial()),
              new StoredTask(definition("b3"), initial()),
              new StoredTask(definition("b4"), initial()),
              new StoredTask(definition("b5"), initial()),
              new StoredTask(definition("b6"), initial())));
      long sixRows = store.statements() - before;
      // Each row is inserted (and its removal record dropped) by a batch entry of its own: three
      // more rows are at least three more statements, whatever the write's fixed ones are.
      assertThat(threeRows).isGreaterThanOrEqualTo(3);
      assertThat(sixRows - threeRows).isGreaterThanOrEqualTo(3);
      assertThat(store.commits()).isPositive();
    }
  }

  /**
   * Claims and lease renewals (the scheduler's bookkeeping) do not wait for an fsync each: within
   * the bound one sync covers them all. Adds do.
   */
  @Test
  void claimsAndRenewals_shareFsyncs_addsWaitForTheirOwn() throws Exception {
    Path file = dir.resolve("bookkeeping.db");
    try (SqliteTaskStore store =
        SqliteTaskStore.open(
            SqliteOptions.of(file).withRunsSyncedWithin(SqliteOptions.MAX_RUNS_SYNCED_WITHIN))) {
      int tasks = 20;
      long synced = store.syncedCommits();
      for (int i = 0; i < tasks; i++) {
        store.insert(definition("b-" + i), initial());
      }
      assertThat(store.syncedCommits() - synced).as("one fsync per add").isEqualTo(tasks);

      synced = store.syncedCommits();
      long commits = store.commits();
      long start = System.nanoTime();
      for (int i = 0; i < tasks; i++) {
        Lease lease = new Lease("n1", "run-" + i, T0, T0.plusSeconds(30));
        assertThat(store.write(TaskWrite.claim("b-" + i, 1, lease))).isPresent();
        assertThat(store.write(TaskWrite.renewLease("b-" + i, "run-" + i, T0.plusSeconds(60))))
            .isPresent();
      }
      long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
      assertThat(store.commits() - commits).isEqualTo(2L * tasks);
      // At most one sync per second the writes took, and one at the end: not one per write.
      assertThat(store.syncedCommits() - synced).isLessThanOrEqualTo(seconds + 1);
    }
  }

  @Test
  void failingWriteInABatch_doesNotUndoTheOthers() throws Exception {
    try (SqliteTaskStore store = open(dir.resolve("mixed.db"))) {
      store.insert(definition("taken"), initial());
      AtomicInteger duplicates = new AtomicInteger();
      try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
          String id = i % 2 == 0 ? "taken" : "fresh-" + i;
          writes.add(
              threads.submit(
                  () -> {
                    try {
                      store.insert(definition(id), initial());
                    } catch (dev.schedulerd.api.store.DuplicateTaskException e) {
                      duplicates.incrementAndGet();
                    }
                  }));
        }
        for (Future<?> write : writes) {
          write.get();
        }
      }
      assertThat(duplicates).hasValue(50);
      assertThat(store.list()).hasSize(51);
    }
  }

  @Test
  void reusedStatements_leaveNoTransactionOpen_soACheckpointEmptiesTheLog() throws Exception {
    Path file = dir.resolve("reused.db");
    try (SqliteTaskStore store = open(file)) {
      store.insert(definition("kept"), initial());
      for (int i = 0; i < 20; i++) { // every kind of write, failing ones too, several times
        StoredTask task = store.insert(definition("t" + i), initial());
        assertThatThrownBy(() -> store.insert(definition("kept"), initial()))
            .isInstanceOf(dev.schedulerd.api.store.DuplicateTaskException.class);
        Lease lease = new Lease("n1", "run-" + i, T0, T0.plusSeconds(30));
        StoredTask claimed =
            store.write(TaskWrite.claim(task.id(), task.version(), lease)).orElseThrow();
        assertThat(store.write(TaskWrite.claim(task.id(), task.version(), lease))).isEmpty();
        RunRecord run =
            new RunRecord(
                "run-" + i, task.id(), 1, T0, T0, T0, RunOutcome.SUCCESS, "ok", null, "n1");
        assertThat(
                store.write(
                    TaskWrite.complete(
                        task.id(), "run-" + i, claimed.state().scheduled(T0, T0, 0, run, T0), run)))
            .isPresent();
        if (i % 2 == 0) {
          assertThat(store.delete(task.id())).isTrue();
        }
      }
      assertThat(store.list()).hasSize(11);
      for (int i = 0; i < 3; i++) { // and every kind of read, on the pooled reader connections
        assertThat(store.find("kept")).isPresent();
        assertThat(store.runs("t1", 10)).hasSize(1);
        assertThat(store.runPage(null, 5, null).runs()).hasSize(5);
        assertThat(store.changesSince(0, 4).changed()).hasSize(4);
        assertThat(store.findExpiredLeases(T0, 10)).isEmpty();
        assertThat(store.nodes(T0)).isEmpty();
      }
      // A statement left mid-step would hold a read transaction on its connection: the
      // write-ahead log could then never be checkpointed back to empty.
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement statement = other.createStatement();
          java.sql.ResultSet rs = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).as("checkpoint blocked").isZero();
        assertThat(rs.getInt(2)).as("frames left in the log").isZero();
      }
      store.insert(definition("after"), initial());
      assertThat(store.find("after")).isPresent(); // the readers see what came after
      assertThat(store.list()).hasSize(12);
    }
  }

  @Test
  void rowDamagedByAnotherProgram_isRefusedNamingWhatIsWrong() throws Exception {
    Path file = dir.resolve("damaged-row.db");
    try (SqliteTaskStore store = open(file)) {
      store.insert(definition("fine"), initial());
      store.insert(definition("cut"), initial());
      store.insert(definition("bytes"), initial());
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement statement = other.createStatement()) {
        statement.executeUpdate(
            "UPDATE tasks SET definition = '{\"id\": \"cut\"' WHERE id = 'cut'");
        // not UTF-8: a lone lead byte, stored as text
        statement.executeUpdate(
            "UPDATE tasks SET definition = CAST(X'7B226964223A22C3227D' AS TEXT) WHERE id = 'bytes'");
      }
      assertThat(store.find("fine")).isPresent();
      assertThatThrownBy(() -> store.find("cut"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("cannot be read")
          .hasMessageContaining("malformed")
          .hasMessageContaining("{\"id\": \"cut\"");
      assertThatThrownBy(() -> store.find("bytes"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("cannot be read")
          .hasMessageContaining("malformed");
    }
  }

  @Test
  void instantsRoundTripToTheNanosecond() {
    try (SqliteTaskStore store = open(dir.resolve("exact.db"))) {
      StoredTask stored = store.insert(definition("exact"), initial());
      assertThat(store.find("exact")).contains(stored);
      assertThat(stored.state().nextDueAt()).isEqualTo(T0);
    }
  }

  @Test
  void runRecords_beyondTheLimit_areDeletedOldestFirst() {
    Path file = dir.resolve("runs.db");
    try (SqliteTaskStore store =
        SqliteTaskStore.open(SqliteOptions.of(file).withRunsKeptPerTask(3))) {
      StoredTask task = store.insert(definition("busy"), initial());
      for (int i = 1; i <= 5; i++) {
        String runId = "run-" + i;
        Instant at = T0.plusSeconds(i);
        StoredTask claimed =
            store
                .write(
                    TaskWrite.claim(
                        "busy", task.version(), new Lease("n1", runId, at, at.plusSeconds(30))))
                .orElseThrow();
        RunRecord run =
            new RunRecord(runId, "busy", 1, at, at, at, RunOutcome.FAILED, null, "no", "n1");
        task =
            store
                .write(
                    TaskWrite.complete(
                        "busy",
                        runId,
                        claimed.state().scheduled(at, at.plusSeconds(1), 0, run, at),
                        run))
                .orElseThrow();
      }
      assertThat(store.runs("busy", 10))
          .extracting(RunRecord::runId)
          .containsExactly("run-5", "run-4", "run-3");
    }
  }

  // ------------------------------------------------------------------ several processes

  @Test
  void theFeed_handsBackThisStoresOwnWritesAsWritten_andDecodesAnotherProcesssRewrite() {
    Path file = dir.resolve("own-writes.db");
    try (SqliteTaskStore a = open(file);
        SqliteTaskStore b = open(file)) {
      a.insert(definition("mine"), initial());
      StoredTask claimed =
          a.write(TaskWrite.claim("mine", 1, new Lease("node-a", "run-1", T0, T0.plusSeconds(30))))
              .orElseThrow();

      ChangeSet first = a.changesSince(0);
      assertThat(first.changed())
          .as("the task as this store wrote it: not read back through JSON")
          .singleElement()
          .isSameAs(claimed);
      assertThat(b.changesSince(0).changed())
          .as("another store object decodes the row")
          .singleElement()
          .isNotSameAs(claimed)
          .isEqualTo(claimed);

      StoredTask fromB = b.write(TaskWrite.update("mine", 2, claimed.state())).orElseThrow();
      assertThat(a.changesSince(first.cursor()).changed())
          .as("a row rewritten by another process has a new change number: decoded")
          .singleElement()
          .isNotSameAs(fromB)
          .isEqualTo(fromB);
    }
  }

  @Test
  void writesOfAnotherConnection_areSeenThroughListenerAndChangeFeed() {
    Path file = dir.resolve("shared.db");
    try (SqliteTaskStore a = open(file);
        SqliteTaskStore b = open(file)) {
      AtomicInteger notified = new AtomicInteger();
      ChangeSet start = b.changesSince(0);
      b.changeNotifier().orElseThrow().addChangeListener(notified::incrementAndGet);

      a.insert(definition("from-a"), initial());
      a.delete("from-a");
      a.insert(definition("again-from-a"), initial());

      // b's watcher sees a's commits through PRAGMA data_version within its poll interval.
      await().atMost(Duration.ofSeconds(5)).until(() -> notified.get() > 0);
      ChangeSet changes = b.changesSince(start.cursor());
      assertThat(changes.changed()).extracting(StoredTask::id).containsExactly("again-from-a");
      assertThat(changes.removed()).containsExactly("from-a");
      assertThat(b.changesSince(changes.cursor()).isEmpty()).isTrue();
    }
  }

  @Test
  void closedStore_refusesCalls() throws SQLException {
    SqliteTaskStore store = open(dir.resolve("closed.db"));
    store.close();
    assertThatThrownBy(() -> store.list())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.insert(definition("late"), initial()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("closed");
  }
}
