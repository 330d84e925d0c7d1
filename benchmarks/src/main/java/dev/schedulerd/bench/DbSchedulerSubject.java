package dev.schedulerd.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * db-scheduler 16.7.1, the peer measured beside schedulerd's PostgreSQL store (WP), configured as
 * its README advises for throughput on PostgreSQL: the {@code lock-and-fetch} polling strategy
 * ({@code SELECT … FOR UPDATE SKIP LOCKED}, "for high throughput set to for example 1.0, 4.0"),
 * immediate execution (a run scheduled for now wakes the local poller instead of waiting for the
 * polling interval), a polling interval well under a second, and as many threads as schedulerd runs
 * at once by default (64).
 */
final class DbSchedulerSubject implements AutoCloseable {
  static final int THREADS = 64;
  static final Duration POLLING_INTERVAL = Duration.ofMillis(100);
  static final double LOWER_LIMIT = 1.0;
  static final double UPPER_LIMIT = 4.0;

  /** The configuration, as the table prints it. */
  static String configuration() {
    return String.format(
        Locale.ROOT,
        "db-scheduler 16.7.1: pollUsingLockAndFetch(%.1f, %.1f) (up to %d picked per poll),"
            + " enableImmediateExecution(), pollingInterval %d ms, threads %d, Java serializer"
            + " (no task data), no priority",
        LOWER_LIMIT,
        UPPER_LIMIT,
        (int) (UPPER_LIMIT * THREADS),
        POLLING_INTERVAL.toMillis(),
        THREADS);
  }

  /**
   * Creates {@code scheduled_tasks} with the columns db-scheduler's README documents for PostgreSQL
   * (Database compatibility), its primary key and the indexes its polls and dead-execution checks
   * use. The priority index is left out: priority is not enabled, so it would only cost writes.
   */
  static void createTable(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(
          """
          CREATE TABLE scheduled_tasks (
            task_name            text NOT NULL,
            task_instance        text NOT NULL,
            task_data            bytea,
            execution_time       timestamptz NOT NULL,
            picked               boolean NOT NULL,
            picked_by            text,
            last_success         timestamptz,
            last_failure         timestamptz,
            consecutive_failures integer,
            last_heartbeat       timestamptz,
            version              bigint NOT NULL,
            priority             smallint,
            PRIMARY KEY (task_name, task_instance))
          """);
      s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
      s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
    }
  }

  private final Scheduler scheduler;
  private final OneTimeTask<Void> task;

  /** A started scheduler on {@code dataSource}; each run of a task calls {@code onRun}. */
  DbSchedulerSubject(DataSource dataSource, Runnable onRun) {
    task = Tasks.oneTime("noop").execute((instance, context) -> onRun.run());
    scheduler =
        Scheduler.create(dataSource, task)
            .threads(THREADS)
            .pollUsingLockAndFetch(LOWER_LIMIT, UPPER_LIMIT)
            .enableImmediateExecution()
            .pollingInterval(POLLING_INTERVAL)
            .schedulerName(new SchedulerName.Fixed("bench"))
            // as schedulerd's stop grace: no-op runs end at once, a hang should not stall the
            // harness for the 30-minute default
            .shutdownMaxWait(Duration.ofSeconds(2))
            .build();
    scheduler.start();
  }

  /** Stores one run of the task, due at {@code due}; returns after its insert committed. */
  void add(String id, Instant due) {
    scheduler.schedule(task.instance(id), due);
  }

  @Override
  public void close() {
    scheduler.stop();
  }
}
