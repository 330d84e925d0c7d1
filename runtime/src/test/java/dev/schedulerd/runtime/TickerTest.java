package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real ticker on the system clock: it sleeps until the head of the queue is due and is woken
 * when an earlier task arrives, instead of polling. Asserts wake-up counts, never durations.
 */
final class TickerTest {
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private final List<Scheduler> schedulers = new ArrayList<>();

  private Scheduler start(String nodeId) {
    Scheduler scheduler =
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(recording))
            .nodeId(nodeId)
            .syncInterval(Duration.ofMillis(200))
            .build();
    schedulers.add(scheduler);
    scheduler.start();
    return scheduler;
  }

  @AfterEach
  void stopAll() {
    schedulers.forEach(Scheduler::close);
  }

  private boolean completed(String id) {
    return store.find(id).map(t -> t.state().status() == TaskStatus.COMPLETED).orElse(false);
  }

  @Test
  void ticker_taskDueInTwoSeconds_startsAfterAFewWakeUps() {
    Scheduler scheduler = start("solo");
    Instant due = InstantSource.system().instant().plusSeconds(2);
    scheduler.add(TaskDefinition.builder("in-2s", "record").schedule(Schedule.at(due)).build());

    await().atMost(10, TimeUnit.SECONDS).until(() -> completed("in-2s"));

    StoredTask done = store.find("in-2s").orElseThrow();
    assertThat(done.state().lastRun()).isNotNull();
    assertThat(scheduler.status().wakeUps())
        .as("a polling ticker would wake every few milliseconds")
        .isLessThanOrEqualTo(4);
  }

  @Test
  void ticker_whileDispatchIsPaused_sleepsUntilResumed() {
    Scheduler scheduler = start("solo");
    Instant later = InstantSource.system().instant().plus(Duration.ofHours(1));
    scheduler.add(TaskDefinition.builder("in-1h", "record").schedule(Schedule.at(later)).build());
    scheduler.pauseDispatch();
    scheduler.add(TaskDefinition.builder("now", "record").build()); // due, held by the pause
    long before = scheduler.status().wakeUps();

    // A ticker that found its wake-up still pending once paused woke millions of times a second.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> scheduler.status().wakeUps() - before <= 4);
    assertThat(completed("now")).isFalse();

    scheduler.resumeDispatch();
    await().atMost(5, TimeUnit.SECONDS).until(() -> completed("now"));
  }

  @Test
  void ticker_earlierTaskAddedWhileWaiting_wakesAtOnce() {
    Scheduler scheduler = start("solo");
    Instant farAway = InstantSource.system().instant().plus(Duration.ofHours(1));
    scheduler.add(TaskDefinition.builder("in-1h", "record").schedule(Schedule.at(farAway)).build());

    scheduler.add(TaskDefinition.builder("now", "record").build());

    await().atMost(5, TimeUnit.SECONDS).until(() -> completed("now"));
    assertThat(completed("in-1h")).isFalse();
    // Two adds, the claimer's hand-off, and the store sync's echoes of our own writes, depending
    // on timing; a polling ticker wakes on every tick instead.
    assertThat(scheduler.status().wakeUps()).isLessThanOrEqualTo(6);
  }

  @Test
  void sharedStore_twoSchedulers_runEachTaskExactlyOnce() {
    start("node-a");
    Scheduler b = start("node-b");
    int tasks = 300;
    for (int i = 0; i < tasks; i++) {
      b.add(TaskDefinition.builder("shared-" + i, "record").build());
    }

    await().atMost(30, TimeUnit.SECONDS).until(() -> recording.runsInOrder().size() >= tasks);
    await()
        .atMost(30, TimeUnit.SECONDS)
        .until(
            () -> store.list().stream().allMatch(t -> t.state().status() == TaskStatus.COMPLETED));

    assertThat(recording.runsInOrder()).hasSize(tasks).doesNotHaveDuplicates();
    assertThat(store.list()).allSatisfy(t -> assertThat(store.runs(t.id(), 10)).hasSize(1));
  }
}
