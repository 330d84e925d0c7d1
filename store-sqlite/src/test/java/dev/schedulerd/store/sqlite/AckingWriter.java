package dev.schedulerd.store.sqlite;

import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import dev.schedulerd.api.TaskState;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Child process of {@link CrashDurabilityTest}: adds tasks from 8 threads without end and prints
 * {@code ack ID} once each add has returned, until it is killed.
 */
public final class AckingWriter {
  private AckingWriter() {}

  public static void main(String[] args) throws Exception {
    SqliteOptions options =
        SqliteOptions.of(Path.of(args[0]))
            .withSynchronous(SqliteOptions.Synchronous.valueOf(args[1]));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    ReentrantLock outLock = new ReentrantLock();
    Instant due = Instant.parse("2030-01-01T00:00:00Z");
    SqliteTaskStore store = SqliteTaskStore.open(options);
    out.println("ready");
    out.flush();
    try (ExecutorService writers = Executors.newFixedThreadPool(8)) {
      for (int w = 0; w < 8; w++) {
        int writer = w;
        writers.submit(
            () -> {
              for (int i = 0; ; i++) {
                String id = "w" + writer + "-" + i;
                store.insert(
                    TaskDefinition.builder(id, "log").schedule(Schedule.at(due)).build(),
                    TaskState.initial(due, due));
                outLock.lock();
                try {
                  out.println("ack " + id);
                  out.flush();
                } finally {
                  outLock.unlock();
                }
              }
            });
      }
    }
  }
}
