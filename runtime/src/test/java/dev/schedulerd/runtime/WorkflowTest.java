package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.schedulerd.api.Dependencies;
import dev.schedulerd.api.InvalidTaskException;
import dev.schedulerd.api.RetryPolicy;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.DuplicateTaskException;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Dependencies and workflows: order, failure, fan-out and fan-in, cycles, atomic adds. */
final class WorkflowTest {
  private final TestExecutors.Recording recording = new TestExecutors.Recording();
  private final ManualScheduler manual = ManualScheduler.of(recording);
  private final Scheduler scheduler = manual.scheduler();
  private final TaskStore store = manual.store();
  private final ManualClock clock = manual.clock();

  @AfterEach
  void stop() {
    manual.close();
  }

  private static TaskDefinition.Builder task(String id, String... dependsOn) {
    return TaskDefinition.builder(id, "record").dependencies(Dependencies.on(dependsOn));
  }

  private void runUntilQuiet() {
    manual.runUntilIdle();
  }

  private StoredTask stored(String id) {
    return store.find(id).orElseThrow();
  }

  @Test
  void failingMiddleNode_skipsWhatDependsOnIt_unlessItContinues() {
    scheduler.addWorkflow(
        List.of(
            task("fetch").build(),
            task("build", "fetch")
                .config(JsonNodeFactory.instance.objectNode().put("fail", true))
                .retryPolicy(RetryPolicy.NONE)
                .build(),
            task("publish", "build").build(),
            task("announce", "publish").build(),
            task("cleanup").dependencies(Dependencies.on("build").continuingOnFailure()).build()));
    assertThat(stored("build").state().status()).isEqualTo(TaskStatus.WAITING);

    runUntilQuiet();

    assertThat(recording.runsInOrder()).containsExactly("fetch", "build", "cleanup");
    assertThat(stored("build").state().status()).isEqualTo(TaskStatus.FAILED);
    assertThat(stored("publish").state().status()).isEqualTo(TaskStatus.CANCELLED);
    RunRecord skipped = store.runs("publish", 5).get(0);
    assertThat(skipped.outcome()).isEqualTo(RunOutcome.SKIPPED);
    assertThat(skipped.error())
        .startsWith("skipped: dependency 'build' failed (failed attempt 1)")
        .contains("on_failure=skip");
    assertThat(store.runs("announce", 5).get(0).error())
        .as("skips travel down the graph")
        .startsWith("skipped: dependency 'publish' cancelled");
    assertThat(stored("cleanup").state().status()).isEqualTo(TaskStatus.COMPLETED);
  }

  @Test
  void onFailure_ofATaskAlreadySkipped_isRefused_ofAWaitingOne_changes() {
    scheduler.addWorkflow(
        List.of(
            task("build")
                .config(JsonNodeFactory.instance.objectNode().put("fail", true))
                .retryPolicy(RetryPolicy.NONE)
                .build(),
            task("publish", "build").build(),
            task("later", "publish").build()));
    assertThat(
            scheduler
                .update(
                    task("later")
                        .dependencies(Dependencies.on("publish").continuingOnFailure())
                        .build())
                .definition()
                .dependencies()
                .continueOnFailure())
        .as("a waiting task's on_failure changes")
        .isTrue();
    runUntilQuiet();
    assertThat(stored("publish").state().status()).isEqualTo(TaskStatus.CANCELLED);

    assertThatThrownBy(
            () ->
                scheduler.update(
                    task("publish")
                        .dependencies(Dependencies.on("build").continuingOnFailure())
                        .build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageStartingWith("on_failure: task 'publish' is cancelled")
        .hasMessageContaining("add it again");
    assertThat(stored("publish").definition().dependencies().continueOnFailure())
        .as("nothing stored")
        .isFalse();
  }

  @Test
  void fanOutAndFanIn_runInDependencyOrder() {
    scheduler.addWorkflow(
        List.of(
            task("join", "left", "middle", "right").build(),
            task("left", "root").build(),
            task("middle", "root").build(),
            task("right", "root").build(),
            task("root").build()));

    runUntilQuiet();

    List<String> order = recording.runsInOrder();
    assertThat(order).hasSize(5);
    assertThat(order.get(0)).isEqualTo("root");
    assertThat(order.subList(1, 4)).containsExactlyInAnyOrder("left", "middle", "right");
    assertThat(order.get(4)).isEqualTo("join");
  }

  @Test
  void joinWaits_untilTheLastOfItsDependenciesEnds() {
    scheduler.add(task("a").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());
    scheduler.add(task("b").build());
    scheduler.add(task("join", "a", "b").build());
    runUntilQuiet();
    assertThat(recording.runsInOrder()).containsExactly("b");
    assertThat(stored("join").state().status()).isEqualTo(TaskStatus.WAITING);

    clock.advance(Duration.ofSeconds(60));
    runUntilQuiet();
    assertThat(recording.runsInOrder()).containsExactly("b", "a", "join");
  }

  @Test
  void aCycle_isRefusedWithTheCycleNamed_andNothingIsAdded() {
    assertThatThrownBy(
            () ->
                scheduler.addWorkflow(
                    List.of(
                        task("start").build(),
                        task("p", "start", "r").build(),
                        task("q", "p").build(),
                        task("r", "q").build())))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("the dependencies form a cycle: p → r → q → p");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void aTakenId_addsNoneOfTheWorkflow() {
    scheduler.add(task("existing").build());
    assertThatThrownBy(
            () ->
                scheduler.addWorkflow(
                    List.of(task("new-1").build(), task("existing", "new-1").build())))
        .isInstanceOf(DuplicateTaskException.class);
    assertThat(store.find("new-1")).isEmpty();
  }

  @Test
  void dependencies_mustExistAndBeOneShot() {
    assertThatThrownBy(() -> scheduler.add(task("x", "ghost").build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("depends on 'ghost', which does not exist")
        .hasMessageContaining("scheduler_add_workflow");
    scheduler.add(task("hourly").schedule(Schedule.every(Duration.ofHours(1))).build());
    assertThatThrownBy(() -> scheduler.add(task("y", "hourly").build()))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("which is recurring");
  }

  @Test
  void aWorkflowTaskDependingOnARecurringOneOfTheSameWorkflow_isRefusedAsAnAddIs() {
    assertThatThrownBy(
            () ->
                scheduler.addWorkflow(
                    List.of(
                        task("hourly").schedule(Schedule.every(Duration.ofHours(1))).build(),
                        task("after", "hourly").build())))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("task 'after' depends on 'hourly', which is recurring");
    assertThat(store.list()).isEmpty();
  }

  @Test
  void removingADependency_skipsItsDependents() {
    scheduler.add(task("later").schedule(Schedule.at(clock.instant().plusSeconds(600))).build());
    scheduler.add(task("after", "later").build());
    runUntilQuiet();

    scheduler.remove("later", "test");
    runUntilQuiet();

    assertThat(stored("after").state().status()).isEqualTo(TaskStatus.CANCELLED);
    assertThat(store.runs("after", 1).get(0).error())
        .startsWith("skipped: dependency 'later' was removed");
  }

  @Test
  void aWaitingTask_canBePausedAndResumed() {
    scheduler.add(task("later").schedule(Schedule.at(clock.instant().plusSeconds(60))).build());
    scheduler.add(task("after", "later").build());
    scheduler.pause("after", "test");
    clock.advance(Duration.ofSeconds(60));
    runUntilQuiet();
    assertThat(recording.runsInOrder()).containsExactly("later");
    assertThat(stored("after").state().status()).isEqualTo(TaskStatus.PAUSED);

    scheduler.resume("after", "test");
    runUntilQuiet();
    assertThat(recording.runsInOrder()).containsExactly("later", "after");
  }
}
