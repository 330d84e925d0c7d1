package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.eq;

import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/** Judging waiting tasks when the store refuses a read. */
final class WaitingTasksTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = Mockito.spy(new InMemoryTaskStore());
  private final SyncSignal sync = new SyncSignal();
  private final TaskFeed feed =
      new TaskFeed(new DispatchQueue(8, Map.of(), Map.of(), Duration.ofMinutes(5)), sync);
  private final WaitingTasks waiting =
      new WaitingTasks(store, clock, "node-a", feed, new SchedulerEvents(List.of()));

  @Test
  void aCheckTheStoreRefused_isTriedAgainAtTheNextRound_withoutAskingForOneAtOnce()
      throws Exception {
    store.insert(
        TaskDefinition.builder("w", "log").dependencies(Dependencies.on("d")).build(),
        TaskState.waiting(clock.instant()));
    Mockito.doThrow(new StoreException("database is locked")).when(store).find(eq("w"));
    feed.checkLater("w");
    sync.await(Duration.ZERO, () -> true); // the round that takes the request

    waiting.judgeAll();

    assertThat(feed.takeChecks()).as("kept for the next round").containsExactly("w");
    assertThat(sync.pending())
        .as("a failing check asking for a round at once would make the sync thread spin")
        .isFalse();
  }
}
