package dev.schedulerd.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.json.TaskJson;
import dev.schedulerd.api.store.ChangeSet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The change feed with writers that commit side by side ({@link SnapshotFeed}): nothing committed
 * is missed whatever order transactions commit in, and nothing running elsewhere holds it back.
 * Other nodes' writes are made here on a plain connection, as the store makes them, so that a
 * transaction can be held open between its write and its commit.
 */
class PostgresChangeFeedTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private static TaskDefinition definition(String id) {
    return TaskDefinition.builder(id, "log").schedule(Schedule.at(T0)).build();
  }

  /** Begins a transaction that inserts {@code id} as a node of this build does; not committed. */
  private static Connection insertUncommitted(String url, String id, boolean olderBuild)
      throws SQLException {
    Connection c = DriverManager.getConnection(url);
    c.setAutoCommit(false);
    long changeSeq;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                olderBuild
                    ? "UPDATE change_counter SET value = value + 1 RETURNING value"
                    : "SELECT pg_current_xact_id()::text::bigint")) {
      rs.next();
      changeSeq = olderBuild ? rs.getLong(1) : SnapshotFeed.firstOf(rs.getLong(1));
    }
    TaskState state = TaskState.initial(T0, T0).withVersion(1);
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO tasks (id, definition, state, status, version, next_due_ms, change_seq,"
                + " priority) VALUES (?, ?, ?, ?, 1, ?, ?, 'medium')")) {
      insert.setString(1, id);
      insert.setString(2, TaskJson.writeDefinition(definition(id)));
      insert.setString(3, TaskJson.writeState(state));
      insert.setString(4, state.status().wireName());
      insert.setLong(5, T0.toEpochMilli());
      insert.setLong(6, changeSeq);
      insert.executeUpdate();
    }
    return c;
  }

  private static java.util.List<String> ids(ChangeSet changes) {
    return changes.changed().stream().map(StoredTask::id).toList();
  }

  @Test
  void aWriteCommittedAfterALaterNumberedOne_isReadNextTime() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      long cursor = store.changesSince(0).cursor();
      try (Connection early = insertUncommitted(url, "early", false)) {
        store.insert(definition("later"), TaskState.initial(T0, T0)); // a higher number, committed

        ChangeSet first = store.changesSince(cursor, 100);
        assertThat(ids(first)).containsExactly("later");

        early.commit(); // the lower number commits after the reader moved past "later"
        ChangeSet second = store.changesSince(first.cursor(), 100);
        assertThat(ids(second)).containsExactly("early");
        assertThat(store.changesSince(second.cursor(), 100).isEmpty()).isTrue();
      }
    }
  }

  @Test
  void aLongTransactionOfAnotherProgram_doesNotHoldTheFeedBack() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore store = PostgresTaskStore.open(url);
        Connection other = DriverManager.getConnection(url)) {
      other.setAutoCommit(false);
      try (Statement s = other.createStatement()) {
        s.execute("CREATE TABLE unrelated (x INT)"); // holds a transaction id, open throughout
      }
      long cursor = store.changesSince(0).cursor();
      for (int i = 0; i < 3; i++) {
        store.insert(definition("t" + i), TaskState.initial(T0, T0));
        ChangeSet changes = store.changesSince(cursor);
        assertThat(ids(changes)).containsExactly("t" + i);
        cursor = changes.cursor();
      }
      other.rollback();
    }
  }

  @Test
  void writesOfANodeOfAnOlderBuild_areRead() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      store.insert(definition("first"), TaskState.initial(T0, T0));
      long cursor = store.changesSince(0).cursor();
      try (Connection old = insertUncommitted(url, "from-an-older-node", true)) {
        old.commit();
      }
      assertThat(ids(store.changesSince(cursor))).containsExactly("from-an-older-node");
    }
  }

  @Test
  void aCursorThisStoreDidNotGive_readsEverything() {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore a = PostgresTaskStore.open(url);
        PostgresTaskStore b = PostgresTaskStore.open(url)) {
      long fromA = a.changesSince(0).cursor(); // before the writes
      a.insert(definition("x"), TaskState.initial(T0, T0));
      a.insert(definition("y"), TaskState.initial(T0, T0));
      b.changesSince(0); // b's own first cursor: past the writes

      assertThat(ids(b.changesSince(fromA))).containsExactlyInAnyOrder("x", "y");
    }
  }

  @Test
  void aBatchWithATakenId_addsNone_evenWhenTheDriverRewritesBatches() {
    String url = EmbeddedDatabase.freshDatabase() + "&reWriteBatchedInserts=true";
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      store.insert(definition("taken"), TaskState.initial(T0, T0));
      StoredTask fresh =
          new StoredTask(definition("fresh"), TaskState.initial(T0, T0).withVersion(1));
      StoredTask again =
          new StoredTask(definition("taken"), TaskState.initial(T0, T0).withVersion(1));

      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> store.insertAll(java.util.List.of(again, fresh)))
          .isInstanceOf(dev.schedulerd.api.store.DuplicateTaskException.class);
      assertThat(store.find("fresh")).isEmpty();
    }
  }
}
