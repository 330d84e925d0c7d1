package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class DispatchQueueTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final DispatchQueue queue = new DispatchQueue(10, Map.of());

  private static DispatchQueue.Offer offer(String id, long version) {
    return new DispatchQueue.Offer(id, version, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0);
  }

  @Test
  void takenVersion_offeredAgainByTheChangeFeed_isNotQueuedTwice() {
    queue.offer(offer("t", 1));
    assertThat(queue.takeDispatchable(T0)).hasSize(1);

    queue.offer(offer("t", 1)); // the feed read version 1 before the claim was written

    assertThat(queue.takeDispatchable(T0)).isEmpty();
    assertThat(queue.size()).isZero();
  }

  @Test
  void takenVersion_newerVersionOrUntake_isQueuedAgain() {
    queue.offer(offer("a", 1));
    queue.offer(offer("b", 1));
    assertThat(queue.takeDispatchable(T0)).hasSize(2);

    queue.offer(offer("a", 2));
    queue.untake("b", 1); // b's claim lost: whatever the store says next counts
    queue.offer(offer("b", 1));

    assertThat(queue.takeDispatchable(T0))
        .extracting(e -> e.taskId + "@" + e.version)
        .containsExactlyInAnyOrder("a@2", "b@1");
  }

  @Test
  void aTakenEntry_isStillTaken_untilTheFeedBringsANewerVersionOrTheTaskGoes() {
    queue.offer(offer("claimed-elsewhere", 1));
    queue.offer(offer("removed", 1));
    queue.offer(offer("unchanged", 1));
    java.util.List<QueueEntry> taken = queue.takeDispatchable(T0);
    assertThat(taken).hasSize(3).allMatch(queue::stillTaken);

    // What a helper's read of the change feed brings before it claims: another node's claim of
    // one task (a newer version, no longer queued), the removal of another.
    queue.remove("claimed-elsewhere", 2);
    queue.remove("removed", Long.MAX_VALUE);

    assertThat(taken)
        .filteredOn(queue::stillTaken)
        .extracting(e -> e.taskId)
        .containsExactly("unchanged");
  }

  /** A due run of {@code id} needing one unit of resource "gpu". */
  private static DispatchQueue.Offer needingGpu(String id, boolean spawnsRuns) {
    return new DispatchQueue.Offer(
        id,
        1,
        Priority.MEDIUM,
        "log",
        TaskStatus.SCHEDULED,
        T0,
        null,
        java.util.List.of("gpu"),
        spawnsRuns,
        false);
  }

  @Test
  void anEntryThatSpawnsRuns_givesBackNoResourcesItNeverHeld() {
    DispatchQueue limited = new DispatchQueue(10, Map.of(), Map.of("gpu", 1), Duration.ZERO);
    // A recurring task whose runs overlap: its entry spawns run tasks, which take the resources.
    limited.offer(needingGpu("spawner", true));
    QueueEntry spawner = limited.takeDispatchable(T0).get(0);
    limited.releaseTaken(spawner); // taken, then not run (another node got to it first, say)

    limited.offer(needingGpu("a", false));
    limited.offer(needingGpu("b", false));
    assertThat(limited.takeDispatchable(T0)).as("one gpu: one run at a time").hasSize(1);
  }

  @Test
  void offerAgain_afterAStoreFailure_queuesTheSameVersion() {
    queue.offer(offer("t", 3));
    assertThat(queue.takeDispatchable(T0)).hasSize(1);
    queue.release("log", java.util.List.of());

    queue.offerAgain(offer("t", 3));

    assertThat(queue.takeDispatchable(T0)).extracting(e -> e.version).containsExactly(3L);
  }

  @Test
  void epochNanos_keepsTheOrderOfInstants_andSaturatesFarOnes() {
    Instant[] ordered = {
      Instant.MIN,
      Instant.parse("1600-01-01T00:00:00Z"),
      Instant.EPOCH.minusNanos(1),
      Instant.EPOCH,
      T0,
      T0.plusNanos(1),
      Instant.parse("2262-04-11T23:47:16.854775807Z").minusSeconds(2),
      Instant.parse("2300-01-01T00:00:00Z"),
      Instant.MAX
    };
    for (int i = 1; i < ordered.length; i++) {
      assertThat(QueueEntry.epochNanos(ordered[i - 1]))
          .as("%s before %s", ordered[i - 1], ordered[i])
          .isLessThanOrEqualTo(QueueEntry.epochNanos(ordered[i]));
    }
    assertThat(QueueEntry.epochNanos(T0.plusNanos(1)) - QueueEntry.epochNanos(T0)).isOne();
    assertThat(QueueEntry.epochNanos(Instant.MAX)).isEqualTo(Long.MAX_VALUE);
    assertThat(QueueEntry.epochNanos(Instant.MIN)).isEqualTo(Long.MIN_VALUE);
  }

  /** The rank as it was computed with java.time: the due instant plus the handicap, saturated. */
  private static long rankViaInstants(Instant due, java.time.Duration step, int levels) {
    java.time.Duration handicap = step.multipliedBy(levels);
    Instant rank;
    try {
      rank = Instant.MAX.minus(handicap).isBefore(due) ? Instant.MAX : due.plus(handicap);
    } catch (java.time.DateTimeException e) {
      rank = Instant.MAX; // a handicap beyond every instant (the old arithmetic threw there)
    }
    return QueueEntry.epochNanos(rank);
  }

  @Test
  void rankNanos_agreesWithTheInstantArithmetic_atTheEdgesToo() {
    java.util.Random random = new java.util.Random(7);
    Instant[] dues = {
      Instant.MIN,
      Instant.parse("1600-01-01T00:00:00Z"),
      Instant.EPOCH,
      T0,
      Instant.parse("2262-04-11T23:47:16.854775807Z").minusSeconds(1),
      Instant.parse("2262-04-11T23:47:16.854775807Z").minusMillis(1),
      Instant.parse("2300-01-01T00:00:00Z"),
      Instant.MAX
    };
    java.time.Duration[] steps = {
      java.time.Duration.ZERO,
      java.time.Duration.ofNanos(1),
      java.time.Duration.ofSeconds(30),
      java.time.Duration.ofDays(365 * 100),
      java.time.Duration.ofSeconds(Long.MAX_VALUE / 4)
    };
    for (Instant due : dues) {
      for (java.time.Duration step : steps) {
        for (int levels = 0; levels < 4; levels++) {
          long stepNanos;
          try {
            stepNanos = step.toNanos();
          } catch (ArithmeticException e) {
            stepNanos = Long.MAX_VALUE;
          }
          assertThat(QueueEntry.rankNanos(due, step, stepNanos, levels))
              .as("%s + %s x %d", due, step, levels)
              .isEqualTo(rankViaInstants(due, step, levels));
        }
      }
    }
    for (int n = 0; n < 10_000; n++) {
      Instant due = T0.plusNanos(random.nextLong(1L << 60) - (1L << 59));
      java.time.Duration step = java.time.Duration.ofNanos(random.nextLong(1L << 40));
      int levels = random.nextInt(4);
      assertThat(QueueEntry.rankNanos(due, step, step.toNanos(), levels))
          .isEqualTo(rankViaInstants(due, step, levels));
    }
  }

  @Test
  void farFutureEntries_stillComeAfterNearOnes() {
    queue.offer(
        new DispatchQueue.Offer(
            "far", 1, Priority.CRITICAL, "log", TaskStatus.SCHEDULED, Instant.MAX));
    queue.offer(offer("near", 1));
    assertThat(queue.nextDue()).isEqualTo(T0);
    assertThat(queue.takeDispatchable(T0)).extracting(e -> e.taskId).containsExactly("near");

    DispatchQueue aging =
        new DispatchQueue(10, Map.of(), Map.of(), java.time.Duration.ofMinutes(5));
    aging.offer(
        new DispatchQueue.Offer("far", 1, Priority.LOW, "log", TaskStatus.SCHEDULED, Instant.MAX));
    aging.offer(offer("near", 1));
    assertThat(aging.takeDispatchable(T0)).extracting(e -> e.taskId).containsExactly("near");
  }
}
