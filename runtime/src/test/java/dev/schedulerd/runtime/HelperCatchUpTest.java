package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.store.NodeInfo;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A node about to claim a run of another node's share first reads the store's changes, and does not
 * claim one its owner claimed after this node last looked (W8: most lost claims were such).
 */
final class HelperCatchUpTest {

  /** The first id {@code prefix + i} that node "a" owns when "a" and "b" are live. */
  private static String ownedByA() {
    WorkShares b = new WorkShares("b");
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    b.update(List.of(new NodeInfo("a", t, t, 0), new NodeInfo("b", t, t, 0)));
    for (int i = 0; ; i++) {
      if (b.place("task-" + i) == 1) {
        return "task-" + i;
      }
    }
  }

  @Test
  void aRunItsOwnerClaimedSinceTheHelperLooked_isNotClaimedByTheHelper() throws Exception {
    InMemoryTaskStore store = new InMemoryTaskStore();
    ManualClock clock = ManualClock.atEpochOf2026();
    TestExecutors.Recording executor = new TestExecutors.Recording();
    String task = ownedByA();
    List<String> claimsByB = new CopyOnWriteArrayList<>();
    AtomicReference<@Nullable Runnable> injection = new AtomicReference<>();
    AtomicBoolean armed = new AtomicBoolean();
    TaskStore seenByB =
        proxy(
            store,
            (name, args) -> {
              // The sync round's last store call; what follows is the tick's.
              if (name.equals("findExpiredLeases")) {
                armed.set(injection.get() != null);
              } else if (armed.get() && (name.equals("changesSince") || name.equals("writeAll"))) {
                armed.set(false);
                Runnable inject = injection.getAndSet(null);
                if (inject != null) {
                  inject.run(); // node "a" claims the run now: after b's sync, before b's claim
                }
              }
              if (name.equals("writeAll")) {
                @SuppressWarnings("unchecked")
                List<TaskWrite> writes = (List<TaskWrite>) args[0];
                writes.stream()
                    .filter(w -> w.change() instanceof TaskWrite.Change.Claimed)
                    .forEach(w -> claimsByB.add(w.taskId()));
              }
            });
    try (ManualScheduler a =
            ManualScheduler.with(clock, store, builder -> builder.nodeId("a"), executor);
        ManualScheduler b =
            ManualScheduler.with(clock, seenByB, builder -> builder.nodeId("b"), executor)) {
      a.scheduler().add(TaskDefinition.builder(task, "record").build());
      b.scheduler().runDue(); // b sees the run, due now, in a's share: it waits to help
      assertThat(claimsByB).isEmpty();

      clock.advance(Duration.ofSeconds(2)); // past the helper's delay; a has not claimed it yet
      injection.set(
          () -> {
            StoredTask stored = store.find(task).orElseThrow();
            Instant now = clock.instant();
            Lease lease = new Lease("a", "run-of-a", now, now.plusSeconds(30));
            assertThat(store.write(TaskWrite.claim(task, stored.version(), lease))).isPresent();
          });
      b.scheduler().runDue();

      assertThat(injection.get()).as("a claimed the run during b's tick").isNull();
      assertThat(claimsByB).as("b read a's claim before claiming").isEmpty();
      assertThat(executor.runs).isEmpty();
    }
  }

  private interface Spy {
    void before(String method, @Nullable Object[] args);
  }

  private static TaskStore proxy(TaskStore target, Spy spy) {
    return (TaskStore)
        Proxy.newProxyInstance(
            TaskStore.class.getClassLoader(),
            new Class<?>[] {TaskStore.class},
            (p, method, args) -> {
              spy.before(method.getName(), args == null ? new Object[0] : args);
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
