package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.Priority;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.NodeInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class WorkSharesTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  private static List<NodeInfo> live(String... ids) {
    return java.util.Arrays.stream(ids).map(id -> new NodeInfo(id, T0, T0, 0)).toList();
  }

  @Test
  void aNodeAlone_ownsEveryTask() {
    WorkShares alone = new WorkShares("node-a");
    assertThat(alone.owns("t-1")).isTrue();
    alone.update(live("node-a"));
    assertThat(alone.owns("t-1")).isTrue();
    assertThat(alone.owns("t-2")).isTrue();
  }

  @Test
  void threeNodes_eachTaskHasExactlyOneOwner_andTheSharesAreEven() {
    List<NodeInfo> nodes = live("node-a", "node-b", "node-c");
    List<WorkShares> shares =
        List.of(new WorkShares("node-a"), new WorkShares("node-b"), new WorkShares("node-c"));
    shares.forEach(s -> s.update(nodes));
    int[] owned = new int[3];
    for (int i = 0; i < 3_000; i++) {
      String task = "task-" + i;
      int owners = 0;
      for (int n = 0; n < 3; n++) {
        if (shares.get(n).owns(task)) {
          owners++;
          owned[n]++;
        }
      }
      assertThat(owners).as(task).isEqualTo(1);
    }
    for (int n = 0; n < 3; n++) {
      assertThat(owned[n]).as("node " + n).isBetween(850, 1_150);
    }
  }

  @Test
  void whenANodeLeaves_onlyItsTasksMove() {
    WorkShares a = new WorkShares("node-a");
    a.update(live("node-a", "node-b", "node-c"));
    List<String> ownedBefore =
        java.util.stream.IntStream.range(0, 1_000).mapToObj(i -> "t" + i).filter(a::owns).toList();
    a.update(live("node-a", "node-b"));
    assertThat(ownedBefore).allMatch(a::owns); // rendezvous hashing: a keeps what it had
  }

  @Test
  void anotherNodesTask_isTakenOnlyAfterTheDelay_andKeepsItsDueInstant() {
    WorkShares shares = new WorkShares("node-a");
    DispatchQueue queue = new DispatchQueue(100, Map.of(), Map.of(), Duration.ofMinutes(5), shares);
    // Queued while node-a was alone; node-b is seen before they come due.
    for (int i = 0; i < 20; i++) {
      queue.offer(
          new DispatchQueue.Offer("t" + i, 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0));
    }
    shares.update(live("node-a", "node-b"));
    List<String> mine =
        java.util.stream.IntStream.range(0, 20)
            .mapToObj(i -> "t" + i)
            .filter(shares::owns)
            .toList();
    assertThat(mine).isNotEmpty().hasSizeLessThan(20);

    assertThat(queue.takeDispatchable(T0))
        .extracting(e -> e.taskId)
        .containsExactlyInAnyOrderElementsOf(mine);
    assertThat(queue.nextDue()).isEqualTo(T0.plus(WorkShares.STEAL_AFTER));
    assertThat(queue.takeDispatchable(T0.plus(WorkShares.STEAL_AFTER).minusNanos(1))).isEmpty();
    List<DispatchQueue.Entry> stolen = queue.takeDispatchable(T0.plus(WorkShares.STEAL_AFTER));
    assertThat(stolen).hasSize(20 - mine.size());
    assertThat(stolen).allMatch(e -> e.dueAt.equals(T0)); // its run's due instant is unchanged
  }

  @Test
  void anotherNodesOverdueTask_waitsTheDelayFromWhenItWasSeen_andGoesAfterThisNodesOwn() {
    WorkShares shares = new WorkShares("node-a");
    shares.update(live("node-a", "node-b"));
    String theirs = null;
    String mine = null;
    for (int i = 0; theirs == null || mine == null; i++) {
      if (shares.owns("t" + i)) {
        mine = mine == null ? "t" + i : mine;
      } else {
        theirs = theirs == null ? "t" + i : theirs;
      }
    }
    DispatchQueue queue = new DispatchQueue(1, Map.of(), Map.of(), Duration.ofMinutes(5), shares);
    Instant now = T0.plusSeconds(3_600); // a backlog: due an hour ago
    queue.offer(
        new DispatchQueue.Offer(theirs, 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0));
    assertThat(queue.takeDispatchable(now)).as("overdue, still the owner's first").isEmpty();

    Instant stealable = now.plus(WorkShares.STEAL_AFTER);
    queue.offer(
        new DispatchQueue.Offer(mine, 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, stealable));
    assertThat(queue.takeDispatchable(stealable))
        .as("this node's own run first, though the other is older")
        .extracting(e -> e.taskId)
        .containsExactly(mine);
    queue.release("log", List.of());
    assertThat(queue.takeDispatchable(stealable)).extracting(e -> e.taskId).containsExactly(theirs);
  }

  @Test
  void anotherNodesMoreUrgentTask_isTakenAtOnce_soThatPriorityHoldsAcrossNodes() {
    WorkShares shares = new WorkShares("node-a");
    shares.update(live("node-a", "node-b"));
    String theirs = null;
    String mine = null;
    for (int i = 0; theirs == null || mine == null; i++) {
      if (shares.owns("p" + i)) {
        mine = mine == null ? "p" + i : mine;
      } else {
        theirs = theirs == null ? "p" + i : theirs;
      }
    }
    DispatchQueue queue = new DispatchQueue(1, Map.of(), Map.of(), Duration.ZERO, shares);
    queue.offer(new DispatchQueue.Offer(mine, 1, Priority.LOW, "log", TaskStatus.SCHEDULED, T0));
    queue.offer(
        new DispatchQueue.Offer(theirs, 1, Priority.CRITICAL, "log", TaskStatus.SCHEDULED, T0));
    assertThat(queue.takeDispatchable(T0)).extracting(e -> e.taskId).containsExactly(theirs);
  }

  @Test
  void aTaskWhoseOwnerLeft_competesAsThisNodesOwnOnceItsDelayPassed() {
    WorkShares shares = new WorkShares("node-a");
    shares.update(live("node-a", "node-b"));
    List<String> bs =
        java.util.stream.IntStream.range(0, 100)
            .mapToObj(i -> "q" + i)
            .filter(id -> !shares.owns(id))
            .limit(2)
            .toList();
    DispatchQueue queue = new DispatchQueue(1, Map.of(), Map.of(), Duration.ZERO, shares);
    queue.offer(
        new DispatchQueue.Offer(bs.get(0), 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0));
    assertThat(queue.takeDispatchable(T0)).isEmpty(); // node-b's, deferred
    shares.update(live("node-a")); // node-b stopped
    Instant later = T0.plus(WorkShares.STEAL_AFTER);
    queue.offer(
        new DispatchQueue.Offer(bs.get(1), 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, later));
    assertThat(queue.takeDispatchable(later))
        .as("the older one first, though an own entry is ready")
        .extracting(e -> e.taskId)
        .containsExactly(bs.get(0));
  }
}
