package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.schedulerd.api.Lease;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.RunRecord;
import dev.schedulerd.api.StoredTask;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import dev.schedulerd.api.TaskStatus;
import dev.schedulerd.api.store.StoreException;
import dev.schedulerd.api.store.TaskWrite;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Finished runs that end while a batch is written are written together, each answered as alone. */
final class RunCompletionsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final InMemoryTaskStore store = spy(new InMemoryTaskStore());
  private final RunCompletions completions = new RunCompletions(store);

  /** Task {@code id}, added and claimed by run {@code id}-run; its completing write. */
  private TaskWrite finished(String id) {
    store.insert(TaskDefinition.builder(id, "record").build(), TaskState.initial(T0, T0));
    StoredTask claimed =
        store
            .write(
                TaskWrite.claim(
                    id, 1, new Lease("node", id + "-run", T0, T0.plus(Duration.ofSeconds(30)))))
            .orElseThrow();
    RunRecord record =
        new RunRecord(id + "-run", id, 1, T0, T0, T0, RunOutcome.SUCCESS, "ok", null, "node");
    return TaskWrite.complete(
        id, id + "-run", claimed.state().finished(TaskStatus.COMPLETED, record, T0), record);
  }

  /** The store's write of {@code taskId}'s completion says it began, then waits for release. */
  private void holdTheCompletionOf(String taskId, CountDownLatch began, CountDownLatch release) {
    doAnswer(
            call -> {
              began.countDown();
              release.await();
              return call.callRealMethod();
            })
        .when(store)
        .write(argThat(w -> w.taskId().equals(taskId) && w.kind().equals("complete")));
  }

  @Test
  void runsEndingWhileOneIsWritten_areWrittenInOneTransaction() throws Exception {
    List<TaskWrite> writes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      writes.add(finished("t" + i));
    }
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    holdTheCompletionOf("t0", inFirst, release);
    try (ExecutorService runs = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Optional<StoredTask>>> results = new ArrayList<>();
      results.add(runs.submit(() -> completions.write(writes.get(0))));
      inFirst.await();
      for (TaskWrite write : writes.subList(1, 8)) {
        results.add(runs.submit(() -> completions.write(write)));
      }
      await().until(() -> completions.waiting() == 7);
      release.countDown();

      for (int i = 0; i < 8; i++) {
        assertThat(results.get(i).get())
            .map(t -> t.state().status())
            .contains(TaskStatus.COMPLETED);
      }
    }
    verify(store, times(1)).writeAll(argThat(batch -> batch.size() == 7));
    assertThat(store.runs("t5", 10)).extracting(RunRecord::runId).containsExactly("t5-run");
  }

  @Test
  void aRunWhoseLeaseWasLost_isAnsweredEmpty_asOnItsOwn() throws Exception {
    TaskWrite first = finished("a");
    TaskWrite lost = finished("b");
    TaskWrite third = finished("c");
    store.delete("b"); // removed while it ran: its completion's condition fails
    CountDownLatch inFirst = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    holdTheCompletionOf("a", inFirst, release);
    try (ExecutorService runs = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Optional<StoredTask>> a = runs.submit(() -> completions.write(first));
      inFirst.await();
      Future<Optional<StoredTask>> b = runs.submit(() -> completions.write(lost));
      Future<Optional<StoredTask>> c = runs.submit(() -> completions.write(third));
      await().until(() -> completions.waiting() == 2);
      release.countDown();

      assertThat(a.get()).isPresent();
      assertThat(b.get()).isEmpty();
      assertThat(c.get()).isPresent();
    }
  }

  @Test
  void aStoreThatFails_failsEveryRunOfTheBatch_andTheNextBatchGoesOn() {
    TaskWrite one = finished("x");
    doThrow(new StoreException("the database is restarting"))
        .when(store)
        .write(any(TaskWrite.class));

    assertThatThrownBy(() -> completions.write(one)).hasMessageContaining("restarting");

    org.mockito.Mockito.reset(store);
    assertThat(completions.write(one)).isPresent();
    verify(store, never()).writeAll(any());
  }
}
