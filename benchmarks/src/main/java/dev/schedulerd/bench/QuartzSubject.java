package dev.schedulerd.bench;

import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/** Quartz 2.5.2 with its RAMJobStore, as most of its users run it, for W1 and W2. */
final class QuartzSubject implements AutoCloseable {
  /** Where the jobs report their scheduled fire time; one run of Quartz at a time. */
  static volatile Consumer<Instant> report = due -> {};

  /** The job: reports the fire time it was scheduled for. */
  public static final class Report implements Job {
    @Override
    public void execute(JobExecutionContext context) {
      report.accept(context.getScheduledFireTime().toInstant());
    }
  }

  private final Scheduler scheduler;
  private int next;

  QuartzSubject() throws SchedulerException {
    Properties properties = new Properties();
    properties.setProperty("org.quartz.scheduler.instanceName", "bench-" + System.nanoTime());
    properties.setProperty("org.quartz.threadPool.threadCount", "10");
    properties.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    properties.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    scheduler = new StdSchedulerFactory(properties).getScheduler();
    scheduler.start();
  }

  /** Schedules one run at {@code due} (Quartz keeps milliseconds). */
  void add(Instant due) throws SchedulerException {
    add(due, Map.of());
  }

  /** The same, the job carrying {@code data} (a config's counterpart: W4's one key per task). */
  void add(Instant due, Map<String, ?> data) throws SchedulerException {
    int n = next++;
    JobBuilder builder = JobBuilder.newJob(Report.class).withIdentity("job-" + n);
    if (!data.isEmpty()) {
      builder.usingJobData(new JobDataMap(data));
    }
    JobDetail job = builder.build();
    Trigger trigger =
        TriggerBuilder.newTrigger().withIdentity("trigger-" + n).startAt(Date.from(due)).build();
    scheduler.scheduleJob(job, trigger);
  }

  @Override
  public void close() throws SchedulerException {
    scheduler.shutdown(true);
  }
}
