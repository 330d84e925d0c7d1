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
}
