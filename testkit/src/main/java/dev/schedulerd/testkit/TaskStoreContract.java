package dev.schedulerd.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedulerd.api.Lease;
import dev.schedulerd.api.Priority;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.ChangeNotifier;
import dev.schedulerd.api.store.ChangeSet;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.NodeRegistry;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TaskStore} must do. Extend it, implement {@link #openStore()} (a new, empty
 * store per call) and the contract runs against your store:
 *
 * <pre>{@code
 * final class MyStoreTest extends TaskStoreContract {
 *   @Override
 *   protected TaskStore openStore() {
 *     return new MyStore(tempDir.resolve("tasks.db"));
 *   }
 * }
 * }</pre>
 */
public abstract class TaskStoreContract {
  protected static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

  protected TaskStore store;

  /** A new, empty store. It is closed after each test. */
  protected abstract TaskStore openStore() throws Exception;

  @BeforeEach
  void openStoreForTest() throws Exception {
    store = openStore();
  }

  @AfterEach
  void closeStoreAfterTest() {
    store.close();
  }

  protected static TaskDefinition definition(String id) {
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("message", "hello from " + id);
    config.putArray("tags").add("a").add(2);
    return TaskDefinition.builder(id, "log")
        .priority(Priority.HIGH)
        .schedule(Schedule.cron("0 3 * * *", ZoneId.of("Europe/Berlin")))
        .config(config)
        .description("contract task " + id)
        .retryPolicy(RetryPolicy.maxAttempts(5))
        .timeout(Duration.ofMinutes(2))
        .labels(Map.of("team", "core"))
        .build();
  }

  protected static TaskState scheduledAt(Instant due) {
    return TaskState.initial(due, T0);
  }

  protected static Lease lease(String owner, String runId, Instant at) {
    return new Lease(owner, runId, at, at.plusSeconds(30));
  }

  protected static RunRecord run(String taskId, String runId, int attempt, RunOutcome outcome) {
    return new RunRecord(
        runId,
        taskId,
        attempt,
        T0,
        T0,
        T0.plusSeconds(1),
        outcome,
        outcome == RunOutcome.SUCCESS ? "done" : null,
        outcome == RunOutcome.SUCCESS ? null : "boom",
        "node-a");
  }

  /** The record of a fire time that did not run. */
  protected static RunRecord notRun(String taskId, String runId, Instant fireTime, RunOutcome why) {
    return new RunRecord(
        runId, taskId, 0, fireTime, fireTime, fireTime, why, null, "reason", "node-a");
  }

  // The writes a scheduler makes, as it makes them: one TaskWrite each.

  protected Optional<StoredTask> update(String taskId, long version, TaskState next) {
    return store.write(TaskWrite.update(taskId, version, next));
  }

  protected Optional<StoredTask> updateWithRuns(
      String taskId, long version, TaskState next, List<RunRecord> runs) {
    return store.write(TaskWrite.updateWithRuns(taskId, version, next, runs));
  }

  protected Optional<StoredTask> replace(
      String taskId, long version, TaskDefinition definition, TaskState next) {
    return store.write(TaskWrite.replace(taskId, version, definition, next));
  }

  protected Optional<StoredTask> claim(String taskId, long version, Lease lease) {
    return store.write(TaskWrite.claim(taskId, version, lease));
  }

  protected Optional<StoredTask> renewLease(String taskId, String runId, Instant expiry) {
    return store.write(TaskWrite.renewLease(taskId, runId, expiry));
  }

  protected Optional<StoredTask> complete(
      String taskId, String runId, TaskState next, RunRecord run) {
    return store.write(TaskWrite.complete(taskId, runId, next, run));
  }

  protected Optional<StoredTask> complete(
      String taskId, String runId, TaskState next, RunRecord run, List<RunRecord> notRun) {
    return store.write(TaskWrite.complete(taskId, runId, next, run, notRun));
  }

  protected Optional<StoredTask> recoverAbandoned(
      String taskId, long version, TaskState next, RunRecord run) {
    return store.write(TaskWrite.recoverAbandoned(taskId, version, next, run));
  }

  private Lease leaseOf(String taskId) {
    Lease lease = store.find(taskId).orElseThrow().state().lease();
    assertThat(lease).as("lease of " + taskId).isNotNull();
    return Objects.requireNonNull(lease);
  }

  @Test
  void insert_thenFind_returnsEqualTaskAtVersionOne() {
    StoredTask inserted = store.insert(definition("t1"), scheduledAt(T0));

    assertThat(inserted.version()).isEqualTo(1);
    Optional<StoredTask> found = store.find("t1");
    assertThat(found).contains(inserted);
    assertThat(found.orElseThrow().definition()).isEqualTo(definition("t1"));
    assertThat(found.orElseThrow().state().nextDueAt()).isEqualTo(T0);
  }

  @Test
  void insert_duplicateId_throwsAndKeepsOriginal() {
    StoredTask original = store.insert(definition("t1"), scheduledAt(T0));

    assertThatThrownBy(() -> store.insert(definition("t1"), scheduledAt(T0.plusSeconds(5))))
        .isInstanceOf(DuplicateTaskException.class)
        .hasMessageContaining("t1");
    assertThat(store.find("t1")).contains(original);
  }

  @Test
  void find_unknownId_isEmpty() {
    assertThat(store.find("nope")).isEmpty();
  }

  @Test
  void list_returnsAllTasksOrderedById() {
    store.insert(definition("b"), scheduledAt(T0));
    store.insert(definition("a"), scheduledAt(T0));
    store.insert(definition("c"), scheduledAt(T0));

    assertThat(store.list()).extracting(StoredTask::id).containsExactly("a", "b", "c");
  }

  @Test
  void update_atExpectedVersion_writesAndBumpsVersion() {
    StoredTask inserted = store.insert(definition("t1"), scheduledAt(T0));
    TaskState claimed = inserted.state().running(lease("n", "r1", T0), T0);
    TaskState rescheduled =
        claimed.scheduled(T0.plusSeconds(60), T0.plusSeconds(60), 0, null, T0.plusSeconds(1));

    Optional<StoredTask> updated = update("t1", 1, rescheduled);

    assertThat(updated).isPresent();
    assertThat(updated.orElseThrow().version()).isEqualTo(2);
    assertThat(store.find("t1").orElseThrow().state().nextDueAt()).isEqualTo(T0.plusSeconds(60));
  }

  @Test
  void update_atStaleVersion_changesNothing() {
    StoredTask inserted = store.insert(definition("t1"), scheduledAt(T0));
    update("t1", 1, inserted.state());

    assertThat(update("t1", 1, inserted.state())).isEmpty();
    assertThat(store.find("t1").orElseThrow().version()).isEqualTo(2);
  }

  @Test
  void update_missingTask_isEmpty() {
    assertThat(update("ghost", 1, scheduledAt(T0))).isEmpty();
  }

  @Test
  void claim_queuedTask_installsLeaseAndCountsAttempt() {
    store.insert(definition("t1"), scheduledAt(T0));

    Optional<StoredTask> claimed = claim("t1", 1, lease("node-a", "run-1", T0));

    assertThat(claimed).isPresent();
    TaskState state = claimed.orElseThrow().state();
    assertThat(state.status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(state.attempt()).isEqualTo(1);
    assertThat(state.lease()).isEqualTo(lease("node-a", "run-1", T0));
    assertThat(claimed.orElseThrow().version()).isEqualTo(2);
    assertThat(store.find("t1")).isEqualTo(claimed);
  }

  @Test
  void claim_sameVersionTwice_onlyFirstWins() {
    store.insert(definition("t1"), scheduledAt(T0));

    assertThat(claim("t1", 1, lease("node-a", "run-a", T0))).isPresent();
    assertThat(claim("t1", 1, lease("node-b", "run-b", T0))).isEmpty();
    assertThat(leaseOf("t1").owner()).isEqualTo("node-a");
  }

  @Test
  void claim_runningTask_isRefusedEvenAtCurrentVersion() {
    store.insert(definition("t1"), scheduledAt(T0));
    claim("t1", 1, lease("node-a", "run-a", T0));

    assertThat(claim("t1", 2, lease("node-b", "run-b", T0))).isEmpty();
  }

  @Test
  void claim_concurrentClaimants_exactlyOneWinsPerTask() throws Exception {
    int tasks = 50;
    int claimants = 4;
    for (int i = 0; i < tasks; i++) {
      store.insert(definition("t" + i), scheduledAt(T0));
    }
    AtomicInteger wins = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Callable<Void>> work = new ArrayList<>();
    for (int c = 0; c < claimants; c++) {
      String node = "node-" + c;
      work.add(
          () -> {
            start.await();
            for (int i = 0; i < tasks; i++) {
              if (claim("t" + i, 1, lease(node, node + "-run-" + i, T0)).isPresent()) {
                wins.incrementAndGet();
              }
            }
            return null;
          });
    }
    ExecutorService pool = Executors.newFixedThreadPool(claimants);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> w : work) {
        futures.add(pool.submit(w));
      }
      start.countDown();
      for (Future<Void> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(wins.get()).isEqualTo(tasks);
    assertThat(store.list()).allMatch(t -> t.state().status() == TaskStatus.RUNNING);
  }

  @Test
  void replace_atExpectedVersion_changesDefinitionAndState() {
    StoredTask original = store.insert(definition("t1"), scheduledAt(T0));
    TaskDefinition changed =
        TaskDefinition.builder("t1", "log")
            .priority(Priority.LOW)
            .schedule(Schedule.at(T0.plusSeconds(60)))
            .description("changed")
            .build();

    Optional<StoredTask> replaced =
        replace("t1", original.version(), changed, scheduledAt(T0.plusSeconds(60)));

    assertThat(replaced).isPresent();
    StoredTask stored = store.find("t1").orElseThrow();
    assertThat(stored.definition()).isEqualTo(changed);
    assertThat(stored.version()).isEqualTo(original.version() + 1);
    assertThat(stored.state().nextDueAt()).isEqualTo(T0.plusSeconds(60));
    assertThat(replace("t1", original.version(), definition("t1"), scheduledAt(T0)))
        .as("stale version")
        .isEmpty();
    assertThat(store.find("t1").orElseThrow().definition()).isEqualTo(changed);
    assertThat(store.counts().byPriority())
        .as("counted at its new priority")
        .containsOnlyKeys(Priority.LOW);
    assertThat(
            store
                .query(
                    new dev.schedulerd.api.store.TaskQuery(
                        null, Priority.LOW, null, null, null, null, 10))
                .tasks())
        .as("found by its new priority")
        .extracting(StoredTask::id)
        .containsExactly("t1");
  }

  @Test
  void runPage_pagesThroughEveryTasksRuns_orOneTasks_newestFirst() {
    for (String id : List.of("a", "b")) {
      store.insert(definition(id), scheduledAt(T0));
    }
    int n = 0;
    for (int round = 0; round < 3; round++) {
      for (String id : List.of("a", "b")) {
        StoredTask task = store.find(id).orElseThrow();
        String runId = id + "-run-" + round;
        Instant at = T0.plusSeconds(++n);
        StoredTask claimed = claim(id, task.version(), lease("node", runId, at)).orElseThrow();
        RunRecord record =
            new RunRecord(runId, id, 1, at, at, at, RunOutcome.SUCCESS, "ok", null, "node");
        complete(id, runId, claimed.state().scheduled(at, at, 0, record, at), record);
      }
    }

    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      dev.schedulerd.api.store.RunPage page = store.runPage(null, 4, cursor);
      assertThat(page.runs()).hasSizeLessThanOrEqualTo(4);
      page.runs().forEach(r -> seen.add(r.runId()));
      cursor = page.nextCursor();
    } while (cursor != null);
    assertThat(seen)
        .containsExactly("b-run-2", "a-run-2", "b-run-1", "a-run-1", "b-run-0", "a-run-0");

    List<String> seenOfA = new ArrayList<>();
    cursor = null;
    do {
      dev.schedulerd.api.store.RunPage page = store.runPage("a", 2, cursor);
      assertThat(page.runs()).hasSizeLessThanOrEqualTo(2);
      page.runs().forEach(r -> seenOfA.add(r.runId()));
      cursor = page.nextCursor();
    } while (cursor != null);
    assertThat(seenOfA).containsExactly("a-run-2", "a-run-1", "a-run-0");
    assertThat(store.runPage("nobody", 2, null).runs()).isEmpty();
  }

  @Test
  void query_pagesTheMatchingTasksInIdOrder_acrossFilters() {
    for (int i = 0; i < 7; i++) {
      TaskDefinition base = definition(String.format(java.util.Locale.ROOT, "t%02d", i));
      TaskDefinition task =
          TaskDefinition.builder(base.id(), i % 3 == 0 ? "shell" : "log")
              .priority(i % 2 == 0 ? Priority.HIGH : Priority.LOW)
              .labels(Map.of("team", i < 4 ? "core" : "ops"))
              .build();
      store.insert(task, scheduledAt(T0));
    }
    claim("t02", 1, lease("n", "r", T0)); // running

    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      dev.schedulerd.api.store.TaskPage page =
          store.query(dev.schedulerd.api.store.TaskQuery.all(3).after(cursor));
      assertThat(page.tasks()).hasSizeLessThanOrEqualTo(3);
      page.tasks().forEach(t -> seen.add(t.id()));
      cursor = page.nextCursor();
    } while (cursor != null);
    assertThat(seen).containsExactly("t00", "t01", "t02", "t03", "t04", "t05", "t06");

    var scheduledHighLog =
        new dev.schedulerd.api.store.TaskQuery(
            TaskStatus.SCHEDULED, Priority.HIGH, "log", null, null, null, 10);
    assertThat(store.query(scheduledHighLog).tasks())
        .extracting(StoredTask::id)
        .containsExactly("t04"); // t02 runs, t00 and t06 are shell
    var low =
        new dev.schedulerd.api.store.TaskQuery(null, Priority.LOW, null, null, null, null, 10);
    assertThat(store.query(low).tasks())
        .extracting(StoredTask::id)
        .containsExactly("t01", "t03", "t05");
    var shell = new dev.schedulerd.api.store.TaskQuery(null, null, "shell", null, null, null, 10);
    assertThat(store.query(shell).tasks())
        .extracting(StoredTask::id)
        .containsExactly("t00", "t03", "t06");
    var opsAfterT04 =
        new dev.schedulerd.api.store.TaskQuery(null, null, null, "team", "ops", "t04", 1);
    dev.schedulerd.api.store.TaskPage ops = store.query(opsAfterT04);
    assertThat(ops.tasks()).extracting(StoredTask::id).containsExactly("t05");
    assertThat(ops.nextCursor()).isEqualTo("t05");
    assertThat(store.query(opsAfterT04.after("t05")).nextCursor()).isNull();
    var running =
        new dev.schedulerd.api.store.TaskQuery(
            TaskStatus.RUNNING, null, null, null, null, null, 10);
    assertThat(store.query(running).tasks()).extracting(StoredTask::id).containsExactly("t02");
  }

  @Test
  void query_findsSparseMatchesAcrossAStoreOfMoreThanAThousandTasks() {
    List<StoredTask> many = new ArrayList<>();
    for (int i = 0; i < 1_100; i++) {
      String id = String.format(java.util.Locale.ROOT, "m%04d", i);
      many.add(
          new StoredTask(
              TaskDefinition.builder(id, "log")
                  .labels(Map.of("kind", i % 250 == 7 ? "rare" : "common"))
                  .build(),
              scheduledAt(T0)));
    }
    store.insertAll(many);

    List<String> seen = new ArrayList<>();
    var rare = new dev.schedulerd.api.store.TaskQuery(null, null, null, "kind", "rare", null, 2);
    String cursor = null;
    do {
      dev.schedulerd.api.store.TaskPage page = store.query(rare.after(cursor));
      page.tasks().forEach(t -> seen.add(t.id()));
      cursor = page.nextCursor();
    } while (cursor != null);

    assertThat(seen).containsExactly("m0007", "m0257", "m0507", "m0757", "m1007");
  }

  @Test
  void counts_byStatusAndPriority() {
    assertThat(store.counts().total()).isZero();
    store.insert(definition("a"), scheduledAt(T0)); // HIGH
    store.insert(
        TaskDefinition.builder("b", "log").priority(Priority.LOW).build(), scheduledAt(T0));
    store.insert(
        TaskDefinition.builder("c", "log").priority(Priority.LOW).build(), scheduledAt(T0));
    claim("c", 1, lease("n", "r", T0));

    dev.schedulerd.api.store.TaskCounts counts = store.counts();

    assertThat(counts.total()).isEqualTo(3);
    assertThat(counts.byStatus())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(TaskStatus.SCHEDULED, 2L, TaskStatus.RUNNING, 1L));
    assertThat(counts.byPriority())
        .containsExactlyInAnyOrderEntriesOf(Map.of(Priority.HIGH, 1L, Priority.LOW, 2L));
  }

  @Test
  void runPage_refusesACursorItDidNotGive() {
    assertThatThrownBy(() -> store.runPage(null, 4, "not-a-cursor"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ capabilities, when offered

  @Test
  void nodeRegistry_heartbeatsReplaceEachOther_andOldOnesAreNotListed() {
    Optional<NodeRegistry> offered = store.nodeRegistry();
    Assumptions.assumeTrue(offered.isPresent(), "the store keeps no heartbeats");
    NodeRegistry registry = offered.get();
    registry.heartbeat(new NodeInfo("node-a", T0, T0, 1));
    registry.heartbeat(new NodeInfo("node-b", T0, T0.plusSeconds(5), 0));
    registry.heartbeat(new NodeInfo("node-a", T0, T0.plusSeconds(10), 3));

    List<NodeInfo> live = registry.nodes(T0.plusSeconds(5));

    assertThat(live).extracting(NodeInfo::nodeId).containsExactly("node-a", "node-b");
    assertThat(live.get(0).runsInFlight()).isEqualTo(3);
    assertThat(live.get(0).lastHeartbeat()).isEqualTo(T0.plusSeconds(10));
    assertThat(registry.nodes(T0.plusSeconds(6)))
        .extracting(NodeInfo::nodeId)
        .containsExactly("node-a");
  }

  @Test
  void changeNotifier_callsListenersAfterAWrite_untilRemoved() throws Exception {
    Optional<ChangeNotifier> offered = store.changeNotifier();
    Assumptions.assumeTrue(offered.isPresent(), "the store announces no changes");
    ChangeNotifier notifier = offered.get();
    AtomicInteger removedCalls = new AtomicInteger();
    Runnable removed = removedCalls::incrementAndGet;
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch second = new CountDownLatch(2);
    notifier.addChangeListener(removed); // added first: called before the other, if at all
    notifier.addChangeListener(
        () -> {
          first.countDown();
          second.countDown();
        });

    store.insert(definition("a"), scheduledAt(T0));
    assertThat(first.await(10, TimeUnit.SECONDS)).as("called after the insert").isTrue();
    assertThat(removedCalls.get()).isPositive();

    notifier.removeChangeListener(removed);
    int callsBefore = removedCalls.get();
    store.insert(definition("b"), scheduledAt(T0));
    assertThat(second.await(10, TimeUnit.SECONDS)).as("called after the second insert").isTrue();
    assertThat(removedCalls.get()).as("not called once removed").isEqualTo(callsBefore);
  }

  @Test
  void sharedClock_readsAnInstantThatDoesNotGoBack() {
    Optional<java.time.InstantSource> offered = store.sharedClock();
    Assumptions.assumeTrue(offered.isPresent(), "the store has no shared clock");
    Instant first = offered.get().instant();
    Instant second = offered.get().instant();
    assertThat(second).isAfterOrEqualTo(first);
    assertThat(first).isAfter(T0);
  }

  @Test
  void writeAll_claimsEachUnderItsOwnCondition() {
    store.insert(definition("free"), scheduledAt(T0));
    store.insert(definition("stale"), scheduledAt(T0));
    store.insert(definition("taken"), scheduledAt(T0));
    claim("taken", 1, lease("other", "other-run", T0));

    List<StoredTask> claimed =
        store.writeAll(
            List.of(
                TaskWrite.claim("free", 1, lease("me", "run-free", T0)),
                TaskWrite.claim("stale", 0, lease("me", "run-stale", T0)),
                TaskWrite.claim("taken", 1, lease("me", "run-taken", T0)),
                TaskWrite.claim("missing", 1, lease("me", "run-missing", T0))));

    assertThat(claimed).extracting(StoredTask::id).containsExactly("free");
    assertThat(leaseOf("free").runId()).isEqualTo("run-free");
    assertThat(store.find("stale").orElseThrow().state().status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(leaseOf("taken").runId()).isEqualTo("other-run");
  }

  @Test
  void writeAll_concurrentClaimBatches_exactlyOneWinsPerTask() throws Exception {
    int tasks = 40;
    for (int i = 0; i < tasks; i++) {
      store.insert(definition("t" + i), scheduledAt(T0));
    }
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<List<StoredTask>>> batches = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        String node = "node-" + c;
        List<TaskWrite> claims = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
          claims.add(TaskWrite.claim("t" + i, 1, lease(node, node + "-run-" + i, T0)));
        }
        batches.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.writeAll(claims);
                }));
      }
      start.countDown();
      int wins = 0;
      for (Future<List<StoredTask>> batch : batches) {
        wins += batch.get(30, TimeUnit.SECONDS).size();
      }
      assertThat(wins).isEqualTo(tasks);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void renewLease_byHolder_extendsExpiry() {
    store.insert(definition("t1"), scheduledAt(T0));
    claim("t1", 1, lease("node-a", "run-1", T0));

    Optional<StoredTask> renewed = renewLease("t1", "run-1", T0.plusSeconds(90));

    assertThat(renewed).isPresent();
    assertThat(leaseOf("t1").expiresAt()).isEqualTo(T0.plusSeconds(90));
  }

  @Test
  void renewLease_byFormerHolder_isRefused() {
    store.insert(definition("t1"), scheduledAt(T0));
    claim("t1", 1, lease("node-a", "run-1", T0));

    assertThat(renewLease("t1", "run-other", T0.plusSeconds(90))).isEmpty();
  }

  @Test
  void complete_byLeaseHolder_writesStateAndRunTogether() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("node-a", "run-1", T0)).orElseThrow();
    RunRecord record = run("t1", "run-1", 1, RunOutcome.SUCCESS);
    TaskState next =
        claimed
            .state()
            .scheduled(
                T0.plusSeconds(86_400), T0.plusSeconds(86_400), 0, record, T0.plusSeconds(1));

    Optional<StoredTask> completed = complete("t1", "run-1", next, record);

    assertThat(completed).isPresent();
    StoredTask stored = store.find("t1").orElseThrow();
    assertThat(stored.state().status()).isEqualTo(TaskStatus.SCHEDULED);
    assertThat(stored.state().lease()).isNull();
    assertThat(stored.state().lastRun()).isEqualTo(record);
    assertThat(store.runs("t1", 10)).containsExactly(record);
  }

  @Test
  void complete_withStaleRunId_writesNothing() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("node-a", "run-1", T0)).orElseThrow();
    RunRecord stale = run("t1", "run-0", 1, RunOutcome.SUCCESS);

    Optional<StoredTask> completed =
        complete("t1", "run-0", claimed.state().finished(TaskStatus.COMPLETED, stale, T0), stale);

    assertThat(completed).isEmpty();
    assertThat(store.find("t1")).contains(claimed);
    assertThat(store.runs("t1", 10)).isEmpty();
  }

  @Test
  void updateWithRuns_atExpectedVersion_writesStateAndRecordsTogether() {
    StoredTask queued = store.insert(definition("t1"), scheduledAt(T0));
    RunRecord missed1 = notRun("t1", "missed-1", T0, RunOutcome.MISSED);
    RunRecord missed2 = notRun("t1", "missed-2", T0.plusSeconds(60), RunOutcome.MISSED);
    TaskState next =
        queued.state().rescheduled(T0.plusSeconds(120), T0.plusSeconds(120), T0.plusSeconds(130));

    Optional<StoredTask> written =
        updateWithRuns("t1", queued.version(), next, List.of(missed1, missed2));

    assertThat(written).isPresent();
    assertThat(store.find("t1").orElseThrow().state().nextDueAt()).isEqualTo(T0.plusSeconds(120));
    assertThat(store.runs("t1", 10)).containsExactly(missed2, missed1);
  }

  @Test
  void complete_withSkippedFireTimes_writesThemBeforeTheRun() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("node-a", "run-1", T0)).orElseThrow();
    RunRecord record = run("t1", "run-1", 1, RunOutcome.SUCCESS);
    RunRecord skipped = notRun("t1", "skipped-1", T0.plusSeconds(60), RunOutcome.SKIPPED);
    TaskState next =
        claimed
            .state()
            .scheduled(T0.plusSeconds(120), T0.plusSeconds(120), 0, record, T0.plusSeconds(90));

    assertThat(complete("t1", "run-1", next, record, List.of(skipped))).isPresent();
    assertThat(store.runs("t1", 10)).containsExactly(record, skipped);
    assertThat(complete("t1", "run-1", next, record, List.of(skipped))).isEmpty();
    assertThat(store.runs("t1", 10)).hasSize(2);
  }

  @Test
  void runPage_keepsTheOrderRecordsWereWritten_evenWithOneEndInstant() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("node-a", "run-1", T0)).orElseThrow();
    RunRecord record = run("t1", "run-1", 1, RunOutcome.SUCCESS);
    Instant passed = T0.plusSeconds(60);
    List<RunRecord> notRun =
        List.of(
            notRun("t1", "z-first", passed, RunOutcome.MISSED),
            notRun("t1", "a-second", passed, RunOutcome.MISSED),
            notRun("t1", "m-third", passed, RunOutcome.MISSED));
    TaskState next =
        claimed
            .state()
            .scheduled(T0.plusSeconds(120), T0.plusSeconds(120), 0, record, T0.plusSeconds(90));
    assertThat(complete("t1", "run-1", next, record, notRun)).isPresent();

    List<String> paged = new ArrayList<>();
    String cursor = null;
    do {
      dev.schedulerd.api.store.RunPage page = store.runPage("t1", 2, cursor);
      page.runs().forEach(r -> paged.add(r.runId()));
      cursor = page.nextCursor();
    } while (cursor != null);
    assertThat(paged)
        .as("as runs() lists them")
        .containsExactlyElementsOf(store.runs("t1", 10).stream().map(RunRecord::runId).toList());
    assertThat(store.runPage(null, 10, null).runs()).extracting(RunRecord::runId).isEqualTo(paged);
  }

  @Test
  void insertAll_addsEveryTask_orNoneWhenOneIdIsTaken() {
    store.insert(definition("taken"), scheduledAt(T0));

    assertThatThrownBy(
            () ->
                store.insertAll(
                    List.of(
                        new StoredTask(definition("w1"), scheduledAt(T0)),
                        new StoredTask(definition("taken"), scheduledAt(T0)))))
        .isInstanceOf(DuplicateTaskException.class);
    assertThat(store.find("w1")).isEmpty();

    List<StoredTask> added =
        store.insertAll(
            List.of(
                new StoredTask(definition("w1"), scheduledAt(T0)),
                new StoredTask(definition("w2"), TaskState.waiting(T0))));
    assertThat(added).extracting(StoredTask::id).containsExactly("w1", "w2");
    assertThat(added).allMatch(t -> t.version() == 1);
    assertThat(store.find("w2").orElseThrow().state().status()).isEqualTo(TaskStatus.WAITING);
    assertThat(store.changesSince(0).changed()).extracting(StoredTask::id).contains("w1", "w2");
  }

  @Test
  void updateWithRuns_atStaleVersion_writesNothing() {
    StoredTask queued = store.insert(definition("t1"), scheduledAt(T0));
    assertThat(update("t1", queued.version(), queued.state().rescheduled(T0, T0, T0))).isPresent();
    RunRecord missed = notRun("t1", "missed-1", T0, RunOutcome.MISSED);

    Optional<StoredTask> written =
        updateWithRuns(
            "t1",
            queued.version(),
            queued.state().rescheduled(T0.plusSeconds(60), T0.plusSeconds(60), T0),
            List.of(missed));

    assertThat(written).isEmpty();
    assertThat(store.runs("t1", 10)).isEmpty();
  }

  @Test
  void recoverAbandoned_atVersionFoundExpired_writesStateAndRunTogether() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("node-a", "run-1", T0)).orElseThrow();
    RunRecord abandoned = run("t1", "run-1", 1, RunOutcome.ABANDONED);
    TaskState next = claimed.state().retryWait(T0.plusSeconds(60), abandoned, T0.plusSeconds(60));

    Optional<StoredTask> recovered = recoverAbandoned("t1", claimed.version(), next, abandoned);

    assertThat(recovered).isPresent();
    StoredTask stored = store.find("t1").orElseThrow();
    assertThat(stored.state().status()).isEqualTo(TaskStatus.RETRY_WAIT);
    assertThat(stored.version()).isEqualTo(claimed.version() + 1);
    assertThat(store.runs("t1", 10)).containsExactly(abandoned);
  }

  @Test
  void recoverAbandoned_afterTheHolderRenewed_writesNothing() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("node-a", "run-1", T0)).orElseThrow();
    StoredTask renewed = renewLease("t1", "run-1", T0.plusSeconds(90)).orElseThrow();
    RunRecord abandoned = run("t1", "run-1", 1, RunOutcome.ABANDONED);

    Optional<StoredTask> recovered =
        recoverAbandoned(
            "t1",
            claimed.version(),
            claimed.state().retryWait(T0.plusSeconds(60), abandoned, T0),
            abandoned);

    assertThat(recovered).isEmpty();
    assertThat(store.find("t1")).contains(renewed);
    assertThat(store.runs("t1", 10)).isEmpty();
  }

  @Test
  void recoverAbandoned_ofATaskHoldingNoLease_writesNothing() {
    StoredTask queued = store.insert(definition("t1"), scheduledAt(T0));
    RunRecord abandoned = run("t1", "run-1", 1, RunOutcome.ABANDONED);

    Optional<StoredTask> recovered =
        recoverAbandoned(
            "t1",
            queued.version(),
            queued.state().finished(TaskStatus.CANCELLED, abandoned, T0),
            abandoned);

    assertThat(recovered).isEmpty();
    assertThat(store.find("t1")).contains(queued);
    assertThat(store.runs("t1", 10)).isEmpty();
  }

  @Test
  void runs_areNewestFirstAndLimited() {
    store.insert(definition("t1"), scheduledAt(T0));
    for (int attempt = 1; attempt <= 3; attempt++) {
      StoredTask current = store.find("t1").orElseThrow();
      String runId = "run-" + attempt;
      StoredTask claimed = claim("t1", current.version(), lease("node-a", runId, T0)).orElseThrow();
      RunRecord record = run("t1", runId, attempt, RunOutcome.FAILED);
      complete("t1", runId, claimed.state().retryWait(T0, record, T0), record);
    }

    assertThat(store.runs("t1", 2)).extracting(RunRecord::runId).containsExactly("run-3", "run-2");
    assertThat(store.runs("t1", 10)).hasSize(3);
    assertThat(store.runs("unknown", 10)).isEmpty();
  }

  @Test
  void findExpiredLeases_returnsOnlyExpiredOldestFirst() {
    store.insert(definition("late"), scheduledAt(T0));
    store.insert(definition("early"), scheduledAt(T0));
    store.insert(definition("fresh"), scheduledAt(T0));
    store.insert(definition("idle"), scheduledAt(T0));
    claim("late", 1, new Lease("n", "r-late", T0, T0.plusSeconds(20)));
    claim("early", 1, new Lease("n", "r-early", T0, T0.plusSeconds(10)));
    claim("fresh", 1, new Lease("n", "r-fresh", T0, T0.plusSeconds(300)));

    List<StoredTask> expired = store.findExpiredLeases(T0.plusSeconds(60), 10);

    assertThat(expired).extracting(StoredTask::id).containsExactly("early", "late");
    assertThat(store.findExpiredLeases(T0.plusSeconds(60), 1))
        .extracting(StoredTask::id)
        .containsExactly("early");
    assertThat(store.findExpiredLeases(T0.plusSeconds(5), 10)).isEmpty();
  }

  @Test
  void findExpiredLeases_afterRenewal_usesNewExpiry() {
    store.insert(definition("t1"), scheduledAt(T0));
    claim("t1", 1, new Lease("n", "r1", T0, T0.plusSeconds(10)));
    renewLease("t1", "r1", T0.plusSeconds(100));

    assertThat(store.findExpiredLeases(T0.plusSeconds(50), 10)).isEmpty();
    assertThat(store.findExpiredLeases(T0.plusSeconds(100), 10)).hasSize(1);
  }

  @Test
  void delete_removesTaskAndRuns() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("n", "r1", T0)).orElseThrow();
    RunRecord record = run("t1", "r1", 1, RunOutcome.SUCCESS);
    complete("t1", "r1", claimed.state().finished(TaskStatus.COMPLETED, record, T0), record);

    assertThat(store.delete("t1")).isTrue();
    assertThat(store.find("t1")).isEmpty();
    assertThat(store.runs("t1", 10)).isEmpty();
    assertThat(store.delete("t1")).isFalse();
  }

  @Test
  void deleteAtVersion_removesOnlyTheTaskAsRead() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("n", "r1", T0)).orElseThrow();
    RunRecord record = run("t1", "r1", 1, RunOutcome.SUCCESS);
    StoredTask ended =
        complete("t1", "r1", claimed.state().finished(TaskStatus.COMPLETED, record, T0), record)
            .orElseThrow();
    long cursor = store.changesSince(0).cursor();

    assertThat(store.delete("t1", ended.version() - 1)).as("written since").isFalse();
    assertThat(store.find("t1")).isPresent();
    assertThat(store.runs("t1", 10)).hasSize(1);
    assertThat(store.delete("t1", ended.version())).isTrue();
    assertThat(store.find("t1")).isEmpty();
    assertThat(store.runs("t1", 10)).isEmpty();
    assertThat(store.changesSince(cursor).removed()).containsExactly("t1");
    assertThat(store.delete("t1", ended.version())).isFalse();
  }

  @Test
  void delete_runningTask_fencesOutTheLateResult() {
    store.insert(definition("t1"), scheduledAt(T0));
    StoredTask claimed = claim("t1", 1, lease("n", "r1", T0)).orElseThrow();
    store.delete("t1");
    RunRecord record = run("t1", "r1", 1, RunOutcome.SUCCESS);

    assertThat(
            complete(
                "t1", "r1", claimed.state().finished(TaskStatus.COMPLETED, record, T0), record))
        .isEmpty();
    assertThat(store.find("t1")).isEmpty();
  }

  @Test
  void changesSince_zero_returnsEveryTask() {
    store.insert(definition("a"), scheduledAt(T0));
    store.insert(definition("b"), scheduledAt(T0));

    ChangeSet all = store.changesSince(0);

    assertThat(all.changed()).extracting(StoredTask::id).containsExactlyInAnyOrder("a", "b");
    assertThat(all.removed()).isEmpty();
    assertThat(all.cursor()).isPositive();
  }

  @Test
  void changesSince_cursor_returnsOnlyLaterWritesAndRemovals() {
    store.insert(definition("a"), scheduledAt(T0));
    store.insert(definition("b"), scheduledAt(T0));
    store.insert(definition("c"), scheduledAt(T0));
    long cursor = store.changesSince(0).cursor();

    claim("a", 1, lease("n", "r1", T0));
    store.delete("b");
    store.insert(definition("d"), scheduledAt(T0));
    ChangeSet later = store.changesSince(cursor);

    assertThat(later.changed()).extracting(StoredTask::id).containsExactlyInAnyOrder("a", "d");
    assertThat(later.changed())
        .filteredOn(t -> t.id().equals("a"))
        .allMatch(t -> t.state().status() == TaskStatus.RUNNING);
    assertThat(later.removed()).containsExactly("b");
    assertThat(later.cursor()).isGreaterThan(cursor);
    assertThat(store.changesSince(later.cursor()).isEmpty()).isTrue();
  }

  @Test
  void changesSince_inPages_coversEveryChangeOnce_withinTheLimit() {
    for (int i = 0; i < 10; i++) {
      store.insert(definition("t" + i), scheduledAt(T0));
    }
    store.delete("t3");
    claim("t5", 1, lease("n", "r1", T0)); // changed again: its latest state, once

    java.util.Map<String, StoredTask> seen = new java.util.LinkedHashMap<>();
    List<String> removed = new ArrayList<>();
    long cursor = 0;
    int pages = 0;
    ChangeSet page;
    do {
      page = store.changesSince(cursor, 3);
      assertThat(page.changed()).as("page %d within the limit", pages).hasSizeLessThanOrEqualTo(3);
      for (StoredTask task : page.changed()) {
        assertThat(seen.put(task.id(), task)).as("%s seen twice", task.id()).isNull();
      }
      removed.addAll(page.removed());
      if (page.changed().isEmpty()) {
        assertThat(page.cursor()).isGreaterThanOrEqualTo(cursor);
      } else {
        assertThat(page.cursor()).isGreaterThan(cursor);
      }
      cursor = page.cursor();
      pages++;
    } while (page.changed().size() == 3);

    assertThat(seen.keySet())
        .containsExactlyInAnyOrder("t0", "t1", "t2", "t4", "t5", "t6", "t7", "t8", "t9");
    assertThat(Objects.requireNonNull(seen.get("t5")).state().status())
        .isEqualTo(TaskStatus.RUNNING);
    assertThat(removed).containsExactly("t3");
    assertThat(pages).isEqualTo(4);
    assertThat(store.changesSince(cursor, 3).isEmpty()).isTrue();
  }

  @Test
  void changesSince_noWrites_keepsCursor() {
    store.insert(definition("a"), scheduledAt(T0));
    long cursor = store.changesSince(0).cursor();

    ChangeSet none = store.changesSince(cursor);

    assertThat(none.isEmpty()).isTrue();
    assertThat(none.cursor()).isEqualTo(cursor);
  }

  @Test
  void config_isStoredAsAnIndependentCopy() {
    TaskDefinition original = definition("t1");
    store.insert(original, scheduledAt(T0));

    ObjectNode copy = store.find("t1").orElseThrow().definition().config();
    copy.put("message", "tampered");

    assertThat(store.find("t1").orElseThrow().definition().config().get("message").asText())
        .isEqualTo("hello from t1");
  }
}
