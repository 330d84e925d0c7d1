package dev.schedulerd.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.store.TaskStore;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TimedTaskStoreTest {
  /**
   * A wrapper that inherits a default method silently drops what the wrapped store does there (the
   * heartbeats were lost that way once): every TaskStore method must be delegated.
   */
  @Test
  void delegatesEveryTaskStoreMethod() throws Exception {
    List<String> inherited = new ArrayList<>();
    for (Method method : TaskStore.class.getMethods()) {
      Method own = TimedTaskStore.class.getMethod(method.getName(), method.getParameterTypes());
      if (own.getDeclaringClass() != TimedTaskStore.class) {
        inherited.add(method.getName());
      }
    }
    assertThat(inherited).as("TaskStore methods TimedTaskStore does not override").isEmpty();
  }

  @Test
  void aClaimBatch_countsTheClaimsAnotherNodeWon() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    TimedTaskStore store =
        new TimedTaskStore(new dev.schedulerd.store.memory.InMemoryTaskStore(), registry);
    java.time.Instant t0 = java.time.Instant.parse("2026-12-06T12:00:00Z");
    for (String id : List.of("a", "b")) {
      store.insert(
          dev.schedulerd.api.TaskDefinition.builder(id, "log").build(),
          dev.schedulerd.api.TaskState.initial(t0, t0));
    }
    dev.schedulerd.api.Lease other =
        new dev.schedulerd.api.Lease("node-b", "r0", t0, t0.plusSeconds(30));
    store.write(dev.schedulerd.api.store.TaskWrite.claim("a", 1, other)); // node-b was first

    dev.schedulerd.api.Lease mine =
        new dev.schedulerd.api.Lease("node-a", "r1", t0, t0.plusSeconds(30));
    List<dev.schedulerd.api.StoredTask> won =
        store.writeAll(
            List.of(
                dev.schedulerd.api.store.TaskWrite.claim("a", 1, mine),
                dev.schedulerd.api.store.TaskWrite.claim("b", 1, mine)));

    assertThat(won).extracting(dev.schedulerd.api.StoredTask::id).containsExactly("b");
    assertThat(registry.get("schedulerd.claims.lost").counter().count()).isEqualTo(1.0);
  }
}
