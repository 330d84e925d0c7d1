package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every size a client gives a task is bounded, and the refusal names the field and the limit. */
final class TaskLimitsTest {
  private final InMemoryTaskStore store = new InMemoryTaskStore();
  private final Scheduler scheduler =
      Scheduler.builder()
          .store(store)
          .executors(ExecutorRegistry.of(new TestExecutors.Recording()))
          .build();

  private static TaskDefinition.Builder task(String id) {
    return TaskDefinition.builder(id, "record");
  }

  @Test
  void description_overTheLimit_isRefused_atTheLimit_accepted() {
    scheduler.add(task("ok").description("d".repeat(TaskLimits.MAX_DESCRIPTION_CHARS)).build());
    assertThatThrownBy(() -> scheduler.add(task("big").description("d".repeat(3_000_000)).build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("description: is 3000000 characters long; the limit is 4096");
    assertThat(store.find("big")).isEmpty();
  }

  @Test
  void labels_tooManyOrTooLong_areRefused() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 20_000; i++) {
      many.put("k" + i, "v");
    }
    assertThatThrownBy(() -> scheduler.add(task("many").labels(many).build()))
        .hasMessageContaining("labels: has 20000 entries; the limit is 32");
    assertThatThrownBy(
            () -> scheduler.add(task("long").labels(Map.of("team", "x".repeat(300))).build()))
        .hasMessageContaining("labels.team: is 300 characters long; the limit is 256");
    assertThatThrownBy(() -> scheduler.add(task("key").labels(Map.of("k".repeat(65), "v")).build()))
        .hasMessageContaining("keys are 1 to 64 characters");
  }

  @Test
  void config_overTheLimit_isRefused() {
    var config = JsonNodeFactory.instance.objectNode().put("message", "x".repeat(70_000));
    assertThatThrownBy(() -> scheduler.add(task("cfg").config(config).build()))
        .hasMessageContaining("config: is 70014 bytes as JSON; the limit is 65536");
  }

  @Test
  void config_ofManyLongNumbers_isMeasuredToo() {
    var config = JsonNodeFactory.instance.objectNode();
    var numbers = config.putArray("n");
    for (int i = 0; i < 100; i++) {
      numbers.add(new java.math.BigDecimal("9".repeat(1_000)));
    }
    assertThatThrownBy(() -> scheduler.add(task("nums").config(config).build()))
        .hasMessageContaining("config: is")
        .hasMessageContaining("the limit is 65536");
  }

  @Test
  void update_isBoundedToo() {
    scheduler.add(task("u").build());
    assertThatThrownBy(() -> scheduler.update(task("u").description("d".repeat(5_000)).build()))
        .hasMessageContaining("the limit is 4096");
  }

  @Test
  void unfinishedTasks_beyondTheNodesLimit_areRefused() {
    Scheduler capped =
        Scheduler.builder()
            .store(store)
            .executors(ExecutorRegistry.of(new TestExecutors.Recording()))
            .maxQueuedTasks(2)
            .build();
    java.time.Instant later = java.time.Instant.parse("2099-01-01T00:00:00Z");
    capped.add(task("a").schedule(dev.schedulerd.api.Schedule.at(later)).build());
    capped.add(task("b").schedule(dev.schedulerd.api.Schedule.at(later)).build());
    assertThatThrownBy(() -> capped.add(task("c").build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("holds 2 unfinished tasks and takes at most 2")
        .hasMessageContaining("max-tasks");
    assertThatThrownBy(() -> capped.addWorkflow(List.of(task("w").build())))
        .hasMessageContaining("takes at most 2");
    capped.remove("a", "test");
    capped.add(task("c").schedule(dev.schedulerd.api.Schedule.at(later)).build());
    assertThat(store.find("c")).isPresent();
  }

  @Test
  void workflow_ofMoreTasksThanTheLimit_isRefused() {
    List<TaskDefinition> tasks = new ArrayList<>();
    for (int i = 0; i <= TaskLimits.MAX_WORKFLOW_TASKS; i++) {
      tasks.add(task("w" + i).build());
    }
    assertThatThrownBy(() -> scheduler.addWorkflow(tasks))
        .hasMessageContaining("a workflow of 501 tasks; the limit is 500");
    assertThat(store.list()).isEmpty();
  }
}
