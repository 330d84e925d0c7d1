package dev.schedulerd.mcp.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.mcp.tools.SchedulerTools;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import io.modelcontextprotocol.json.McpJsonDefaults;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardCloseTest {
  @TempDir Path home;

  /**
   * The daemon's main thread and its shutdown hook both close the dashboard; the JVM halts once the
   * hook returns. A close that returned while the other was still closing left the URL file of a
   * stopped daemon behind (seen in the e2e suite under load).
   */
  @Test
  void aSecondClose_returnsOnlyOnceTheFirstHasFinished() throws Exception {
    CountDownLatch inOnClose = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean onCloseDone = new AtomicBoolean();
    try (Scheduler scheduler = Scheduler.builder().store(new InMemoryTaskStore()).build()) {
      SchedulerTools tools = new SchedulerTools(scheduler, McpJsonDefaults.getMapper(), Map::of);
      DashboardServer dashboard =
          DashboardServer.start(
              scheduler,
              tools,
              "127.0.0.1",
              0,
              home.resolve("token"),
              List.of(),
              false,
              () -> {
                inOnClose.countDown();
                try {
                  release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                onCloseDone.set(true);
              });
      Thread first = Thread.ofPlatform().start(dashboard::close);
      assertThat(inOnClose.await(10, TimeUnit.SECONDS)).isTrue();
      boolean[] doneWhenSecondReturned = new boolean[1];
      Thread second =
          Thread.ofPlatform()
              .start(
                  () -> {
                    dashboard.close();
                    doneWhenSecondReturned[0] = onCloseDone.get();
                  });
      // Wait until the second close either blocks or has returned, then let the first finish.
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (second.getState() != Thread.State.WAITING
          && second.getState() != Thread.State.TERMINATED
          && System.nanoTime() < giveUp) {
        Thread.onSpinWait();
      }
      release.countDown();
      first.join(10_000);
      second.join(10_000);
      assertThat(second.isAlive()).isFalse();
      assertThat(doneWhenSecondReturned[0]).as("the URL file was gone when it returned").isTrue();
    }
  }
}
