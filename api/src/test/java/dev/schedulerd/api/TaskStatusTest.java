package dev.schedulerd.api;

import static dev.schedulerd.api.TaskStatus.CANCELLED;
import static dev.schedulerd.api.TaskStatus.COMPLETED;
import static dev.schedulerd.api.TaskStatus.FAILED;
import static dev.schedulerd.api.TaskStatus.PAUSED;
import static dev.schedulerd.api.TaskStatus.RETRY_WAIT;
import static dev.schedulerd.api.TaskStatus.RUNNING;
import static dev.schedulerd.api.TaskStatus.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class TaskStatusTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** The whole table, written out again: any change to it must be made here on purpose. */
  private static final Set<String> LEGAL =
      Set.of(
          "SCHEDULED->RUNNING",
          "SCHEDULED->PAUSED",
          "SCHEDULED->CANCELLED",
          "RUNNING->SCHEDULED",
          "RUNNING->RETRY_WAIT",
          "RUNNING->COMPLETED",
          "RUNNING->FAILED",
          "RUNNING->CANCELLED",
          "RETRY_WAIT->RUNNING",
          "RETRY_WAIT->PAUSED",
          "RETRY_WAIT->CANCELLED",
          "PAUSED->SCHEDULED",
          "PAUSED->RETRY_WAIT",
          "PAUSED->WAITING",
          "PAUSED->CANCELLED",
          "WAITING->SCHEDULED",
          "WAITING->PAUSED",
          "WAITING->CANCELLED");

  static Stream<Arguments> everyPair() {
    return EnumSet.allOf(TaskStatus.class).stream()
        .flatMap(
            from -> EnumSet.allOf(TaskStatus.class).stream().map(to -> Arguments.of(from, to)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("everyPair")
  void transition_followsTheTable(TaskStatus from, TaskStatus to) {
    boolean legal = LEGAL.contains(from + "->" + to);

    assertThat(from.canTransitionTo(to)).isEqualTo(legal);
    if (legal) {
      from.checkTransitionTo(to);
    } else {
      assertThatThrownBy(() -> from.checkTransitionTo(to))
          .isInstanceOf(IllegalStateTransitionException.class)
          .hasMessageContaining(from + " -> " + to);
    }
  }

  @Test
  void terminalStatuses_haveNoWayOut_butARetryOfAFailedOne() {
    assertThat(EnumSet.allOf(TaskStatus.class).stream().filter(TaskStatus::isTerminal))
        .containsExactlyInAnyOrder(COMPLETED, FAILED, CANCELLED);
    TaskState failed =
        TaskState.initial(T0, T0)
            .running(new Lease("n", "r", T0, T0.plusSeconds(30)), T0)
            .finished(FAILED, null, T0);
    assertThatThrownBy(() -> failed.scheduled(T0, T0, 0, null, T0))
        .as("only retried() leaves FAILED")
        .isInstanceOf(IllegalStateTransitionException.class);
  }

  @Test
  void retried_queuesAFailedTaskAgainWithAttemptsCountedAnew() {
    Instant later = T0.plusSeconds(60);
    TaskState failed =
        TaskState.initial(T0, T0)
            .running(new Lease("n", "r", T0, T0.plusSeconds(30)), T0)
            .finished(FAILED, null, T0);

    TaskState again = failed.retried(later, later);

    assertThat(again.status()).isEqualTo(SCHEDULED);
    assertThat(again.attempt()).isZero();
    assertThat(again.fireTime()).isEqualTo(later);
    assertThat(again.nextDueAt()).isEqualTo(later);
    assertThatThrownBy(() -> TaskState.initial(T0, T0).retried(later, later))
        .isInstanceOf(IllegalStateTransitionException.class);
  }

  @Test
  void taskState_completedTaskCannotBeClaimed() {
    TaskState done =
        TaskState.initial(T0, T0)
            .running(new Lease("n", "r", T0, T0.plusSeconds(30)), T0)
            .finished(COMPLETED, null, T0);

    assertThatThrownBy(() -> done.running(new Lease("n", "r2", T0, T0.plusSeconds(30)), T0))
        .isInstanceOf(IllegalStateTransitionException.class);
  }

  @Test
  void taskState_runningWithoutLease_isRejected() {
    assertThatThrownBy(() -> new TaskState(RUNNING, 1, T0, null, null, null, T0, T0, 1))
        .hasMessageContaining("needs lease");
  }

  @Test
  void taskState_queuedWithoutDueInstant_isRejected() {
    assertThatThrownBy(() -> new TaskState(SCHEDULED, 0, T0, null, null, null, T0, T0, 1))
        .hasMessageContaining("needs due instant");
    assertThatThrownBy(() -> new TaskState(RETRY_WAIT, 1, T0, null, null, null, T0, T0, 1))
        .hasMessageContaining("needs due instant");
    assertThatThrownBy(() -> new TaskState(PAUSED, 0, T0, T0, null, null, T0, T0, 1))
        .hasMessageContaining("has no due instant");
  }

  @Test
  void parse_acceptsAnyCaseAndNamesAlternativesOnError() {
    assertThat(TaskStatus.parse("Retry_Wait")).isEqualTo(RETRY_WAIT);
    assertThat(TaskStatus.parse(" paused ")).isEqualTo(TaskStatus.PAUSED);
    for (TaskStatus s : TaskStatus.values()) {
      assertThat(TaskStatus.parse(s.wireName())).isEqualTo(s);
      assertThat(s.wireName()).isEqualTo(s.name().toLowerCase(java.util.Locale.ROOT));
    }
    assertThatThrownBy(() -> TaskStatus.parse("done"))
        .hasMessageContaining("'done'")
        .hasMessageContaining("completed");
  }
}
