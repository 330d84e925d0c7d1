package dev.schedulerd.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CombinedAddsTest {
  /** A writer whose first writes wait for {@link #release}; it records every batch. */
  private static final class HeldWriter implements CombinedAdds.BatchWriter<String> {
    final List<List<String>> batches = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch started;
    final int held;
    volatile String taken = "";
    volatile String failing = "";
    volatile boolean failAll;

    HeldWriter(int held) {
      this.held = held;
      this.started = new CountDownLatch(held);
    }

    @Override
    public boolean[] write(List<String> adds) {
      batches.add(List.copyOf(adds));
      if (batches.size() <= held) {
        started.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failAll || adds.contains(failing)) {
        throw new StoreException("writing to the test database failed: connection reset");
      }
      boolean[] added = new boolean[adds.size()];
      for (int i = 0; i < added.length; i++) {
        added[i] = !adds.get(i).equals(taken);
      }
      return added;
    }
  }

  /** Starts {@code id}'s add on its own thread; its outcome lands in {@code outcomes}. */
  private static Thread add(CombinedAdds<String> adds, String id, Map<String, Object> outcomes) {
    return Thread.ofPlatform()
        .start(
            () -> {
              try {
                adds.add(id, id);
                outcomes.put(id, "added");
              } catch (RuntimeException e) {
                outcomes.put(id, e);
              }
            });
  }

  @Test
  void anAddAlone_isWrittenAtOnceByItself() {
    HeldWriter writer = new HeldWriter(0);
    CombinedAdds<String> adds = new CombinedAdds<>(writer, 2, 256);
    adds.add("a", "a");
    adds.add("b", "b");
    assertThat(writer.batches).containsExactly(List.of("a"), List.of("b"));
  }

  @Test
  void addsArrivingWhileTheWritesAreUnderWay_goTogetherInTheNextWrite() throws Exception {
    HeldWriter writer = new HeldWriter(2);
    CombinedAdds<String> adds = new CombinedAdds<>(writer, 2, 256);
    Map<String, Object> outcomes = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    threads.add(add(adds, "first", outcomes));
    threads.add(add(adds, "second", outcomes));
    assertThat(writer.started.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 5; i++) {
      threads.add(add(adds, "later-" + i, outcomes));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> adds.waiting() == 5);
    writer.release.countDown();
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    assertThat(writer.batches).hasSize(3);
    assertThat(writer.batches.get(2))
        .containsExactlyInAnyOrder("later-0", "later-1", "later-2", "later-3", "later-4");
    assertThat(outcomes)
        .hasSize(7)
        .allSatisfy((id, outcome) -> assertThat(outcome).isEqualTo("added"));
  }

  @Test
  void eachCaller_learnsItsOwnOutcome_evenWhenAnotherAddFailedTheirWrite() throws Exception {
    HeldWriter writer = new HeldWriter(1);
    writer.taken = "taken";
    writer.failing = "doomed";
    CombinedAdds<String> adds = new CombinedAdds<>(writer, 1, 2);
    Map<String, Object> outcomes = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    threads.add(add(adds, "first", outcomes));
    assertThat(writer.started.await(10, TimeUnit.SECONDS)).isTrue();
    // In line, two per write: [taken, fine] then [doomed, after].
    for (String id : List.of("taken", "fine", "doomed", "after")) {
      threads.add(add(adds, id, outcomes));
      int queued = threads.size() - 1;
      await().atMost(Duration.ofSeconds(10)).until(() -> adds.waiting() == queued);
    }
    writer.release.countDown();
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    assertThat(writer.batches)
        .as("a failed batch is written again one by one")
        .containsExactly(
            List.of("first"),
            List.of("taken", "fine"),
            List.of("doomed", "after"),
            List.of("doomed"),
            List.of("after"));
    assertThat(outcomes.get("first")).isEqualTo("added");
    assertThat(outcomes.get("fine")).isEqualTo("added");
    assertThat(outcomes.get("taken"))
        .isInstanceOf(DuplicateTaskException.class)
        .hasFieldOrPropertyWithValue("taskId", "taken");
    assertThat(outcomes.get("doomed"))
        .isInstanceOf(StoreException.class)
        .isNotInstanceOf(DuplicateTaskException.class)
        .hasFieldOrPropertyWithValue(
            "message", "writing to the test database failed: connection reset");
    assertThat(outcomes.get("after")).as("another add's failure is not its own").isEqualTo("added");
    // The line is empty and the writes are done: the next add is alone again.
    adds.add("last", "last");
    assertThat(writer.batches.get(writer.batches.size() - 1)).containsExactly("last");
  }

  @Test
  void anInterruptedAddStillInLine_leavesItUnwritten() throws Exception {
    HeldWriter writer = new HeldWriter(1);
    CombinedAdds<String> adds = new CombinedAdds<>(writer, 1, 256);
    Map<String, Object> outcomes = new ConcurrentHashMap<>();
    Thread first = add(adds, "first", outcomes);
    assertThat(writer.started.await(10, TimeUnit.SECONDS)).isTrue();
    Thread impatient = add(adds, "impatient", outcomes);
    await().atMost(Duration.ofSeconds(10)).until(() -> adds.waiting() == 1);
    impatient.interrupt();
    impatient.join(10_000);
    assertThat(adds.waiting()).isZero();
    writer.release.countDown();
    first.join(10_000);
    assertThat(outcomes.get("impatient")).isInstanceOf(StoreException.class);
    assertThat(String.valueOf(outcomes.get("impatient"))).contains("not added");
    assertThat(writer.batches).containsExactly(List.of("first"));
    adds.add("next", "next"); // the write it would have waited for ended: alone again
    assertThat(writer.batches).containsExactly(List.of("first"), List.of("next"));
  }

  @Test
  void aBatchWhoseAddsAllFail_triesTwoAlone_andTellsTheRestTheLastFailure() throws Exception {
    HeldWriter writer = new HeldWriter(1);
    writer.failing = "first"; // the held write fails too
    CombinedAdds<String> adds = new CombinedAdds<>(writer, 1, 256);
    Map<String, Object> outcomes = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    threads.add(add(adds, "first", outcomes));
    assertThat(writer.started.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 5; i++) {
      threads.add(add(adds, "later-" + i, outcomes));
      int queued = i + 1;
      await().atMost(Duration.ofSeconds(10)).until(() -> adds.waiting() == queued);
    }
    writer.failing = "later"; // the database is away: every write fails
    writer.failAll = true;
    writer.release.countDown();
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    assertThat(writer.batches).hasSize(1 + 1 + 2); // held, the batch, two alone
    assertThat(outcomes)
        .hasSize(6)
        .allSatisfy((id, o) -> assertThat(o).isInstanceOf(StoreException.class));
  }
}
