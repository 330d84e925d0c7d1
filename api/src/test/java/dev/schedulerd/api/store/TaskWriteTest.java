package dev.schedulerd.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The rules every store applies through {@link TaskWrite#applyTo}, as one table. */
final class TaskWriteTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final Lease LEASE = new Lease("node-a", "run-1", T0, T0.plusSeconds(30));

  private static StoredTask queued(long version) {
    return new StoredTask(
        TaskDefinition.builder("t", "log").build(), TaskState.initial(T0, T0).withVersion(version));
  }

  private static StoredTask running(long version, String runId) {
    Lease lease = new Lease("node-a", runId, T0, T0.plusSeconds(30));
    return queued(version - 1)
        .withState(queued(version - 1).state().running(lease, T0).withVersion(version));
  }

  private static RunRecord record(String runId) {
    return new RunRecord(runId, "t", 1, T0, T0, T0, RunOutcome.SUCCESS, "ok", null, "node-a");
  }

  static Stream<Arguments> writes() {
    TaskState next = TaskState.initial(T0.plusSeconds(60), T0);
    return Stream.of(
        Arguments.of("update at the version read", TaskWrite.update("t", 3, next), queued(3), true),
        Arguments.of("update at another version", TaskWrite.update("t", 2, next), queued(3), false),
        Arguments.of("claim of a queued task", TaskWrite.claim("t", 3, LEASE), queued(3), true),
        Arguments.of(
            "claim of a running task", TaskWrite.claim("t", 3, LEASE), running(3, "r0"), false),
        Arguments.of("claim at another version", TaskWrite.claim("t", 2, LEASE), queued(3), false),
        Arguments.of(
            "renewal by the holder",
            TaskWrite.renewLease("t", "run-1", T0.plusSeconds(90)),
            running(4, "run-1"),
            true),
        Arguments.of(
            "renewal by another run",
            TaskWrite.renewLease("t", "run-2", T0.plusSeconds(90)),
            running(4, "run-1"),
            false),
        Arguments.of(
            "renewal of a queued task",
            TaskWrite.renewLease("t", "run-1", T0.plusSeconds(90)),
            queued(4),
            false),
        Arguments.of(
            "completion by the holder",
            TaskWrite.complete("t", "run-1", next, record("run-1")),
            running(4, "run-1"),
            true),
        Arguments.of(
            "completion by a lost lease",
            TaskWrite.complete("t", "run-0", next, record("run-0")),
            running(4, "run-1"),
            false),
        Arguments.of(
            "recovery at the version found",
            TaskWrite.recoverAbandoned("t", 4, next, record("run-1")),
            running(4, "run-1"),
            true),
        Arguments.of(
            "recovery after a renewal",
            TaskWrite.recoverAbandoned("t", 3, next, record("run-1")),
            running(4, "run-1"),
            false),
        Arguments.of(
            "recovery of a task without lease",
            TaskWrite.recoverAbandoned("t", 4, next, record("run-1")),
            queued(4),
            false),
        Arguments.of("any write of a missing task", TaskWrite.update("t", 1, next), null, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writes")
  void applyTo_writesTheNextVersion_onlyWhenTheConditionHolds(
      String name,
      TaskWrite write,
      @org.jspecify.annotations.Nullable StoredTask current,
      boolean written) {
    var result = write.applyTo(current);

    assertThat(result.isPresent()).isEqualTo(written);
    result.ifPresent(
        task ->
            assertThat(task.version())
                .isEqualTo(java.util.Objects.requireNonNull(current).version() + 1));
  }

  @Test
  void claim_movesToRunningUnderTheLease_andRenewalKeepsTheRun() {
    StoredTask claimed = TaskWrite.claim("t", 1, LEASE).applyTo(queued(1)).orElseThrow();
    assertThat(claimed.state().status()).isEqualTo(TaskStatus.RUNNING);
    assertThat(claimed.state().lease()).isEqualTo(LEASE);

    StoredTask renewed =
        TaskWrite.renewLease("t", "run-1", T0.plusSeconds(90)).applyTo(claimed).orElseThrow();
    Lease lease = java.util.Objects.requireNonNull(renewed.state().lease());
    assertThat(lease.runId()).isEqualTo("run-1");
    assertThat(lease.expiresAt()).isEqualTo(T0.plusSeconds(90));
  }

  @Test
  void complete_appendsTheFireTimesNotRun_beforeTheRun() {
    TaskWrite write =
        TaskWrite.complete(
            "t", "run-1", queued(1).state(), record("run-1"), List.of(record("skipped")));
    assertThat(write.runs()).extracting(RunRecord::runId).containsExactly("skipped", "run-1");
    assertThat(write.kind()).isEqualTo("complete");
    assertThat(write.isRunBookkeeping()).isTrue();
    assertThat(TaskWrite.update("t", 1, queued(1).state()).isRunBookkeeping()).isFalse();
  }

  @Test
  void replace_keepsTheId_andRefusesAnotherTasksDefinitionOrRuns() {
    TaskDefinition other = TaskDefinition.builder("u", "log").build();
    assertThatThrownBy(() -> TaskWrite.replace("t", 1, other, queued(1).state()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("u");
    RunRecord foreign =
        new RunRecord("r", "u", 1, T0, T0, T0, RunOutcome.SUCCESS, "ok", null, "node-a");
    assertThatThrownBy(() -> TaskWrite.complete("t", "r", queued(1).state(), foreign))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
