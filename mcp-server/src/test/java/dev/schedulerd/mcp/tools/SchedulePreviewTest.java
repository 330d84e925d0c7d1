package dev.schedulerd.mcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.api.CronDialect;
import dev.schedulerd.api.Schedule;
import dev.schedulerd.runtime.Scheduler;
import dev.schedulerd.store.memory.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class SchedulePreviewTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private final Scheduler scheduler = Scheduler.builder().store(new InMemoryTaskStore()).build();

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> fires(Map<String, Object> preview) {
    return (List<Map<String, Object>>) java.util.Objects.requireNonNull(preview.get("fire_times"));
  }

  private List<Object> policies(dev.schedulerd.api.FirePolicy.Overlap overlap) {
    Instant t0 = Instant.parse("2026-05-04T10:00:00Z");
    Map<String, Object> preview =
        SchedulePreview.of(
            scheduler,
            Schedule.every(java.time.Duration.ofMinutes(10)),
            java.time.ZoneOffset.UTC,
            5,
            t0,
            overlap,
            java.time.Duration.ofMinutes(25)); // each run outlasts two more fire times
    return fires(preview).stream().map(f -> f.get("policy")).toList();
  }

  @Test
  void overlapPolicies_markWhichFireTimesRunSkipOrWait() {
    assertThat(policies(dev.schedulerd.api.FirePolicy.Overlap.SKIP))
        .containsExactly(
            "runs on time",
            "skipped: the run for 2026-05-04T10:10Z[Z] still runs (overlap=skip)",
            "skipped: the run for 2026-05-04T10:10Z[Z] still runs (overlap=skip)",
            "runs on time",
            "skipped: the run for 2026-05-04T10:40Z[Z] still runs (overlap=skip)");
    assertThat(policies(dev.schedulerd.api.FirePolicy.Overlap.QUEUE_ONE))
        .containsExactly(
            "runs on time",
            "skipped: a later fire time is queued instead (overlap=queue_one)",
            "starts late, at 2026-05-04T10:35Z[Z], when the previous run ends (overlap=queue_one)",
            "skipped: a later fire time is queued instead (overlap=queue_one)",
            "starts late, at 2026-05-04T11:00Z[Z], when the previous run ends (overlap=queue_one)");
    assertThat(policies(dev.schedulerd.api.FirePolicy.Overlap.ALLOW))
        .containsExactly(
            "runs on time",
            "runs on time, alongside the run for 2026-05-04T10:10Z[Z] (overlap=allow)",
            "runs on time, alongside the run for 2026-05-04T10:10Z[Z] (overlap=allow)",
            "runs on time",
            "runs on time, alongside the run for 2026-05-04T10:40Z[Z] (overlap=allow)");
    assertThat(policies(dev.schedulerd.api.FirePolicy.Overlap.CANCEL_PREVIOUS))
        .allSatisfy(p -> assertThat((String) p).startsWith("runs on time"))
        .element(1)
        .isEqualTo(
            "runs on time and cancels the run for 2026-05-04T10:10Z[Z] (overlap=cancel_previous)");
  }

  @Test
  void cronInTheSpringForwardGap_isShiftedAndSaysSo() {
    Instant friday = Instant.parse("2026-03-27T12:00:00Z"); // clocks jump 02:00 -> 03:00 on Sunday
    Map<String, Object> preview =
        SchedulePreview.of(
            scheduler,
            new Schedule.Cron("30 2 * * *", CronDialect.UNIX, BERLIN),
            BERLIN,
            3,
            friday);

    List<Map<String, Object>> fires = fires(preview);
    assertThat(fires)
        .extracting(f -> f.get("local"))
        .containsExactly(
            "2026-03-28T02:30+01:00[Europe/Berlin]",
            "2026-03-29T03:30+02:00[Europe/Berlin]",
            "2026-03-30T02:30+02:00[Europe/Berlin]");
    assertThat(fires.get(0)).doesNotContainKey("note");
    assertThat((String) fires.get(1).get("note"))
        .contains("clocks change on 2026-03-29 at 02:00 (+01:00 to +02:00)")
        .contains("skipped hour")
        .contains("runs at 03:30");
    assertThat(fires.get(2)).doesNotContainKey("note");
  }

  @Test
  void cronInTheFallBackOverlap_firesOnceAndSaysSo() {
    Instant friday =
        Instant.parse("2026-10-23T12:00:00Z"); // clocks fall back 03:00 -> 02:00 Sunday
    Map<String, Object> preview =
        SchedulePreview.of(
            scheduler,
            new Schedule.Cron("30 2 * * *", CronDialect.UNIX, BERLIN),
            BERLIN,
            3,
            friday);

    List<Map<String, Object>> fires = fires(preview);
    assertThat(fires)
        .extracting(f -> f.get("local"))
        .containsExactly(
            "2026-10-24T02:30+02:00[Europe/Berlin]",
            "2026-10-25T02:30+02:00[Europe/Berlin]",
            "2026-10-26T02:30+01:00[Europe/Berlin]");
    assertThat((String) fires.get(1).get("note")).contains("occurs twice; it fires once");
  }

  @Test
  void intervalAcrossAClockChange_notesTheShiftOfLocalTimes() {
    Instant saturdayNight = Instant.parse("2026-03-28T23:30:00Z");
    Map<String, Object> preview =
        SchedulePreview.of(
            scheduler, Schedule.every(Duration.ofHours(1)), BERLIN, 3, saturdayNight);

    assertThat(fires(preview)).hasSize(3);
    assertThat((List<String>) preview.get("notes"))
        .singleElement()
        .asString()
        .contains("an interval is an exact duration")
        .contains("60 minutes");
  }

  @Test
  void aWeeklyCron_getsNoNoteForAClockChangeOnAnotherDay() {
    Instant wednesday = Instant.parse("2026-03-25T12:00:00Z"); // clocks change Sunday the 29th
    Map<String, Object> preview =
        SchedulePreview.of(
            scheduler,
            new Schedule.Cron("0 9 * * 1", CronDialect.UNIX, BERLIN),
            BERLIN,
            2,
            wednesday);

    assertThat(fires(preview))
        .extracting(f -> f.get("local"))
        .containsExactly(
            "2026-03-30T09:00+02:00[Europe/Berlin]", "2026-04-06T09:00+02:00[Europe/Berlin]");
    assertThat(fires(preview)).allSatisfy(f -> assertThat(f).doesNotContainKey("note"));
    assertThat((List<?>) preview.get("notes")).isEmpty();
  }
}
