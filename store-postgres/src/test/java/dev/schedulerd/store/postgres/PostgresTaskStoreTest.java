package dev.schedulerd.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PostgresTaskStoreTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  private static TaskDefinition definition(String id) {
    return TaskDefinition.builder(id, "log").schedule(Schedule.at(T0)).build();
  }

  @Test
  void anotherNodesWrites_areHeardThroughListenNotify() {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore a = PostgresTaskStore.open(url);
        PostgresTaskStore b = PostgresTaskStore.open(url)) {
      AtomicInteger heard = new AtomicInteger();
      ChangeSet start = b.changesSince(0);
      b.changeNotifier().orElseThrow().addChangeListener(heard::incrementAndGet);

      a.insert(definition("from-a"), TaskState.initial(T0, T0));

      await().atMost(Duration.ofSeconds(5)).until(() -> heard.get() > 0);
      assertThat(b.changesSince(start.cursor()).changed())
          .extracting(StoredTask::id)
          .containsExactly("from-a");
    }
  }

  @Test
  void nodesOpeningANewDatabaseTogether_migrateOnce() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    var opened = new java.util.ArrayList<java.util.concurrent.Future<PostgresTaskStore>>();
    try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 4; i++) {
        opened.add(threads.submit(() -> PostgresTaskStore.open(url)));
      }
    }
    for (var store : opened) {
      store.get().close();
    }
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      assertThat(store.list()).isEmpty();
    }
  }

  @Test
  void aWriterOfAnOlderBuild_leavesNoTaskOutOfTheCounts() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      store.insert(definition("new"), TaskState.initial(T0, T0));
      String json = dev.schedulerd.api.json.TaskJson.writeDefinition(definition("x"));
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
          java.sql.Statement s = c.createStatement()) {
        // As a node of schema 2 writes: no priority column named.
        s.executeUpdate(
            "INSERT INTO tasks (id, definition, state, status, version, change_seq) SELECT 'old',"
                + " definition, state, status, version, change_seq + 1000 FROM tasks"
                + " WHERE id = 'new'");
        s.executeUpdate(
            "UPDATE tasks SET definition = '"
                + json.replace("\"medium\"", "\"low\"").replace("'", "''")
                + "' WHERE id = 'new'");
        s.executeUpdate(
            "INSERT INTO tasks (id, definition, state, status, version, change_seq)"
                + " SELECT 'damaged', '{not json', state, status, version, change_seq + 2000"
                + " FROM tasks WHERE id = 'new'");
      }

      dev.schedulerd.api.store.TaskCounts counts = store.counts();

      assertThat(counts.total()).isEqualTo(3);
      assertThat(counts.byPriority())
          .containsEntry(dev.schedulerd.api.Priority.MEDIUM, 1L)
          .containsEntry(dev.schedulerd.api.Priority.LOW, 1L)
          .hasSize(2);
    }
  }

  @Test
  void theStoresOwnConnections_waitBoundedTimes() {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      assertThat(store.connectionSettings("idle_in_transaction_session_timeout"))
          .isEqualTo("30s; socket timeout 60000");
      assertThat(store.connectionSettings("lock_timeout")).startsWith("15s;");
    }
    try (PostgresTaskStore store =
        PostgresTaskStore.open(url + (url.contains("?") ? "&" : "?") + "socketTimeout=5")) {
      assertThat(store.connectionSettings("lock_timeout"))
          .as("the URL's own parameters win")
          .isEqualTo("15s; socket timeout 5000");
    }
  }

  @Test
  void badUrls_failWithAMessageWithoutThePassword() {
    assertThatThrownBy(() -> PostgresTaskStore.open("jdbc:mysql://x/y"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a PostgreSQL JDBC URL");
    assertThatThrownBy(
            () ->
                PostgresTaskStore.open(
                    "jdbc:postgresql://127.0.0.1:1/nowhere?user=u&password=s3cret"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("127.0.0.1:1/nowhere")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aCallersDataSource_isUsedAndLeftOpen() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(3); // the caller's choice, not the store's 8
    try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(config)) {
      try (PostgresTaskStore store = PostgresTaskStore.open(pool)) {
        store.insert(definition("via-pool"), TaskState.initial(T0, T0));
        assertThat(store.sharedClock()).isPresent();
        assertThat(store.find("via-pool")).isPresent();
      }
      assertThat(pool.isClosed()).as("the caller closes its own pool").isFalse();
      try (java.sql.Connection c = pool.getConnection();
          java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM tasks")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  /**
   * Single adds of concurrent callers go in one statement (CombinedAdds): each caller still learns
   * its own outcome, a removed id's record goes, and a repeated id is added once.
   */
  @Test
  void concurrentSingleAdds_areWrittenTogether_eachToldItsOwnOutcome() throws Exception {
    String url = EmbeddedDatabase.freshDatabase();
    try (PostgresTaskStore store = PostgresTaskStore.open(url)) {
      store.insert(definition("taken"), TaskState.initial(T0, T0));
      store.insert(definition("back"), TaskState.initial(T0, T0));
      assertThat(store.delete("back")).isTrue();
      long before = store.changesSince(0).cursor();
      java.util.List<String> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 40; i++) {
        ids.add("t-" + i);
      }
      for (int i = 0; i < 4; i++) {
        ids.add("same");
        ids.add("taken");
        ids.add("back");
      }
      java.util.Map<String, java.util.List<String>> outcomes = new java.util.TreeMap<>();
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      var threads = new java.util.ArrayList<Thread>();
      for (String id : ids) {
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      String outcome;
                      try {
                        go.await();
                        store.insert(definition(id), TaskState.initial(T0, T0));
                        outcome = "added";
                      } catch (dev.schedulerd.api.store.DuplicateTaskException e) {
                        outcome = e.taskId().equals(id) ? "taken" : "taken, named " + e.taskId();
                      } catch (Exception e) {
                        outcome = e.toString();
                      }
                      synchronized (outcomes) {
                        outcomes.computeIfAbsent(id, k -> new java.util.ArrayList<>()).add(outcome);
                      }
                    }));
      }
      go.countDown();
      for (Thread thread : threads) {
        thread.join(30_000);
      }
      for (int i = 0; i < 40; i++) {
        assertThat(outcomes.get("t-" + i)).containsExactly("added");
      }
      assertThat(outcomes.get("same"))
          .containsExactlyInAnyOrder("added", "taken", "taken", "taken");
      assertThat(outcomes.get("back"))
          .containsExactlyInAnyOrder("added", "taken", "taken", "taken");
      assertThat(outcomes.get("taken")).containsExactly("taken", "taken", "taken", "taken");
      ChangeSet after = store.changesSince(before);
      assertThat(after.removed()).isEmpty();
      assertThat(after.changed()).extracting(StoredTask::id).contains("back", "same", "t-0");
      assertThat(store.list()).hasSize(43);
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
          java.sql.ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT count(*), count(DISTINCT change_seq >> 20) FROM tasks"
                          + " WHERE id LIKE 't-%' OR id IN ('same', 'back')")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(42);
        assertThat(rs.getInt(2)).as("transactions that wrote them").isLessThan(42);
      }
    }
  }
}
