package dev.schedulerd.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.FirePolicy;
import dev.schedulerd.api.FirePolicy.MissedFires;
import dev.schedulerd.api.FireTimes;
import dev.schedulerd.api.RunOutcome;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.api.TaskDefinition;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The planner's bounds: long gaps are recorded up to a limit and summarized, never walked out. */
final class FirePlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final FirePlanner planner = new FirePlanner(new FireTimes(ZoneOffset.UTC));

  private static TaskDefinition task(Schedule schedule, MissedFires.Mode mode) {
    return TaskDefinition.builder("t", "log")
        .schedule(schedule)
        .firePolicy(
            FirePolicy.DEFAULT.withMissed(
                new MissedFires(mode, Duration.ofDays(1), 10, Duration.ofSeconds(60))))
        .build();
  }

  @Test
  void everyMinute_downForAWeek_recordsTheLatestThousandAndCountsTheRest() {
    TaskDefinition task = task(Schedule.every(Duration.ofMinutes(1)), MissedFires.Mode.SKIP);
    Instant now = T0.plus(Duration.ofDays(7)).plusSeconds(30);

    FirePlanner.Plan plan = planner.missed(task, T0, now, "down");

    assertThat(plan.notRun()).hasSize(FirePlanner.MAX_RECORDS);
    assertThat(plan.notRun().get(FirePlanner.MAX_RECORDS - 1).fireTime())
        .isEqualTo(T0.plus(Duration.ofDays(7)));
    long total = Duration.ofDays(7).toMinutes() + 1; // T0 itself and every minute up to now
    assertThat(plan.notRun().get(0).reason())
        .contains("(and " + (total - FirePlanner.MAX_RECORDS) + " earlier fire times");
    assertThat(plan.next()).contains(T0.plus(Duration.ofDays(7)).plusSeconds(60));
    assertThat(plan.dueNow()).isFalse();
  }

  @Test
  void cronEverySecond_downForThreeDays_staysBoundedAndResumesNearNow() {
    TaskDefinition task =
        task(
            new Schedule.Cron("* * * * * ?", dev.schedulerd.api.CronDialect.QUARTZ, null),
            MissedFires.Mode.RUN_ONCE);
    Instant now = T0.plus(Duration.ofDays(3));

    FirePlanner.Plan plan = planner.missed(task, T0, now, "down");

    assertThat(plan.notRun()).hasSize(FirePlanner.MAX_RECORDS - 1); // the latest runs
    assertThat(plan.notRun()).allMatch(n -> n.outcome() == RunOutcome.MISSED);
    assertThat(plan.notRun().get(0).reason()).contains("(and more than");
    assertThat(plan.next()).contains(now);
    assertThat(plan.dueNow()).isTrue();
  }

  @Test
  void overlap_withNoFireTimePassed_isTheNextFireTime() {
    TaskDefinition task = task(Schedule.every(Duration.ofMinutes(5)), MissedFires.Mode.RUN_ONCE);

    FirePlanner.Plan plan = planner.overlapped(task, T0, T0.plusSeconds(299));

    assertThat(plan.notRun()).isEmpty();
    assertThat(plan.next()).contains(T0.plusSeconds(300));
    assertThat(plan.dueNow()).isFalse();
  }
}
