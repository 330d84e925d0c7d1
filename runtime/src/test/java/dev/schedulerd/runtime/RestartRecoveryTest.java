package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A node restarting under its id takes back at once the runs its previous process held. */
final class RestartRecoveryTest {
  private final ManualClock clock = ManualClock.atEpochOf2026();
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final TestExecutors.Recording recording = new TestExecutors.Recording();

  /** A task claimed by {@code owner}'s previous process, whose lease runs for another hour. */
  private void claimedBy(String taskId, String owner) {
    StoredTask added =
        store.insert(
            TaskDefinition.builder(taskId, "record").build(),
            TaskState.initial(clock.instant(), clock.instant()));
    Lease lease =
        new Lease(
            owner, "run-" + taskId, clock.instant(), clock.instant().plus(Duration.ofHours(1)));
    assertThat(store.write(TaskWrite.claim(taskId, added.version(), lease))).isPresent();
  }

  @Test
  void restartUnderTheSameId_recoversItsOwnRunsAtOnce_andLeavesOthersAlone() {
    claimedBy("mine", "node-1");
    claimedBy("theirs", "node-2");

    // Starting takes it back at once, due again at once, the attempt not counted.
    try (ManualScheduler restarted =
        ManualScheduler.with(clock, store, b -> b.nodeId("node-1"), recording)) {
      restarted.task("mine").hasStatus(TaskStatus.SCHEDULED);
      assertThat(store.find("mine").orElseThrow().state().attempt()).isZero();
      restarted.runUntilIdle();
    }

    assertThat(recording.runsInOrder()).containsExactly("mine");
    assertThat(store.runs("mine", 5))
        .extracting(RunRecord::outcome)
        .containsExactly(RunOutcome.SUCCESS, RunOutcome.INTERRUPTED);
    assertThat(store.runs("mine", 5).get(1).error())
        .contains("node node-1 was killed or crashed while the run was in flight");
    assertThat(store.runs("mine", 5).get(0).attempt()).isEqualTo(1);
    StoredTask theirs = store.find("theirs").orElseThrow();
    assertThat(theirs.state().status()).as("node-2 may still run it").isEqualTo(TaskStatus.RUNNING);
  }
}
