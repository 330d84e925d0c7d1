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

  /**
   * The first {@code count} ids {@code prefix + i}, from {@code i = from}, that {@code which}
   * takes.
   */
  private static List<String> ids(
      String prefix, int from, java.util.function.Predicate<String> which, int count) {
    List<String> found = new java.util.ArrayList<>();
    for (int i = from; found.size() < count; i++) {
      if (which.test(prefix + i)) {
        found.add(prefix + i);
      }
    }
    return found;
  }

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
    Instant stealable = T0.plus(WorkShares.STEAL_AFTER);
    List<QueueEntry> stolen = new java.util.ArrayList<>(queue.takeDispatchable(stealable));
    assertThat(stolen).as("half of what is left at a time").hasSize((20 - mine.size()) / 2);
    for (List<QueueEntry> more = queue.takeDispatchable(stealable);
        !more.isEmpty();
        more = queue.takeDispatchable(stealable)) {
      stolen.addAll(more);
    }
    assertThat(stolen).hasSize(20 - mine.size());
    assertThat(stolen).allMatch(e -> e.dueAt.equals(T0)); // its run's due instant is unchanged
  }

  @Test
  void anotherNodesOverdueTask_waitsTheDelayFromWhenItWasSeen_andGoesAfterThisNodesOwn() {
    WorkShares shares = new WorkShares("node-a");
    shares.update(live("node-a", "node-b"));
    String theirs = ids("t", 0, id -> !shares.owns(id), 1).get(0);
    String mine = ids("t", 0, shares::owns, 1).get(0);
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
    String theirs = ids("p", 0, id -> !shares.owns(id), 1).get(0);
    String mine = ids("p", 0, shares::owns, 1).get(0);
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
    List<String> bs = ids("q", 0, id -> !shares.owns(id), 2);
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

  /**
   * An idle node helping with another's backlog takes its latest runs, not the oldest one its owner
   * claims next: the two racing for the same run made most of W8's lost claims at a backlog's end.
   */
  @Test
  void anIdleNode_stealsTheLatestOfAnothersBacklog_andItsOwnerTheOldest() {
    WorkShares shares = new WorkShares("node-a");
    shares.update(live("node-a", "node-b"));
    List<String> theirs = ids("b", 0, id -> !shares.owns(id), 6);
    DispatchQueue queue = new DispatchQueue(1, Map.of(), Map.of(), Duration.ZERO, shares);
    for (int i = 0; i < theirs.size(); i++) {
      queue.offer(
          new DispatchQueue.Offer(
              theirs.get(i), 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0.plusMillis(i)));
    }
    Instant now = T0.plusSeconds(1);
    assertThat(queue.takeDispatchable(now)).isEmpty(); // seen due now: the owner's for a while
    Instant stealable = now.plus(WorkShares.STEAL_AFTER);
    List<String> stolen = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queue.takeDispatchable(stealable).forEach(e -> stolen.add(e.taskId));
      queue.release("log", List.of());
    }
    assertThat(stolen).containsExactly(theirs.get(5), theirs.get(4), theirs.get(3));

    // A more urgent one of theirs still goes first, latest or not.
    String urgent = ids("b", 200, id -> !shares.owns(id), 1).get(0);
    queue.offer(new DispatchQueue.Offer(urgent, 1, Priority.HIGH, "log", TaskStatus.SCHEDULED, T0));
    assertThat(queue.takeDispatchable(stealable))
        .as("the urgent one was just seen: its owner's for a while")
        .extracting(e -> e.taskId)
        .containsExactly(theirs.get(2));
    queue.release("log", List.of());
    Instant later = stealable.plus(WorkShares.STEAL_AFTER);
    assertThat(queue.takeDispatchable(later)).extracting(e -> e.taskId).containsExactly(urgent);
  }

  /**
   * A node that comes due with a backlog while alone, then sees another node, leaves that node's
   * share to it: in W8 the node started first raced the other for its whole share.
   */
  @Test
  void aBacklogDueBeforeAnotherNodeWasSeen_leavesThatNodesShareToIt() {
    WorkShares shares = new WorkShares("node-a");
    DispatchQueue queue = new DispatchQueue(1, Map.of(), Map.of(), Duration.ZERO, shares);
    for (int i = 0; i < 20; i++) {
      queue.offer(
          new DispatchQueue.Offer("t" + i, 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0));
    }
    List<String> taken = new java.util.ArrayList<>();
    queue.takeDispatchable(T0).forEach(e -> taken.add(e.taskId)); // alone: all due are its own
    queue.release("log", List.of());
    shares.update(live("node-a", "node-b"));
    Instant soon = T0.plusMillis(1);
    for (List<QueueEntry> next = queue.takeDispatchable(soon);
        !next.isEmpty();
        next = queue.takeDispatchable(soon)) {
      next.forEach(e -> taken.add(e.taskId));
      queue.release("log", List.of());
    }
    assertThat(taken.subList(1, taken.size())).isNotEmpty().allMatch(shares::owns);
    assertThat(queue.nextDue()).isEqualTo(soon.plus(WorkShares.STEAL_AFTER));
  }

  /** With three nodes, the next node on a task's list helps first: two helpers do not race. */
  @Test
  void aTaskOfABusyNode_isTakenByTheNextNodeOnItsListFirst() {
    List<NodeInfo> nodes = live("node-a", "node-b", "node-c");
    WorkShares a = new WorkShares("node-a");
    WorkShares b = new WorkShares("node-b");
    WorkShares c = new WorkShares("node-c");
    List.of(a, b, c).forEach(s -> s.update(nodes));
    for (int i = 0; i < 300; i++) {
      String task = "t" + i;
      assertThat(java.util.List.of(a.place(task), b.place(task), c.place(task)))
          .as(task)
          .containsExactlyInAnyOrder(0, 1, 2);
    }
    String cFirstThenA = ids("t", 0, t -> c.place(t) == 0 && a.place(t) == 1, 1).get(0);
    String cFirstThenB = ids("t", 0, t -> c.place(t) == 0 && a.place(t) == 2, 1).get(0);
    DispatchQueue queue = new DispatchQueue(10, Map.of(), Map.of(), Duration.ZERO, a);
    for (String task : List.of(cFirstThenA, cFirstThenB)) {
      queue.offer(
          new DispatchQueue.Offer(task, 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0));
    }
    assertThat(queue.takeDispatchable(T0)).isEmpty();
    assertThat(queue.takeDispatchable(T0.plus(WorkShares.STEAL_AFTER)))
        .extracting(e -> e.taskId)
        .containsExactly(cFirstThenA);
    assertThat(queue.takeDispatchable(T0.plus(WorkShares.STEAL_AFTER.multipliedBy(2))))
        .extracting(e -> e.taskId)
        .containsExactly(cFirstThenB);
  }

  /** The backlog of a node that left is this node's own once its delay passed: oldest first. */
  @Test
  void theBacklogOfANodeThatLeft_runsOldestFirst_allAtOnce() {
    WorkShares shares = new WorkShares("node-a");
    shares.update(live("node-a", "node-b"));
    List<String> bs = ids("q", 0, id -> !shares.owns(id), 6);
    DispatchQueue queue = new DispatchQueue(10, Map.of(), Map.of(), Duration.ZERO, shares);
    for (int i = 0; i < bs.size(); i++) {
      queue.offer(
          new DispatchQueue.Offer(
              bs.get(i), 1, Priority.MEDIUM, "log", TaskStatus.SCHEDULED, T0.plusMillis(i)));
    }
    Instant seen = T0.plusMillis(10);
    assertThat(queue.takeDispatchable(seen)).isEmpty(); // node-b's, deferred
    shares.update(live("node-a")); // node-b stopped
    assertThat(queue.takeDispatchable(seen.plus(WorkShares.STEAL_AFTER)))
        .extracting(e -> e.taskId)
        .containsExactlyElementsOf(bs);
  }
}
