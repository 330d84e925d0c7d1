package dev.schedulerd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

final class FireTimesTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private final FireTimes fireTimes = new FireTimes(ZoneId.of("UTC"));

  private List<Instant> fires(Schedule.Cron cron, Instant from, int count) {
    List<Instant> result = new ArrayList<>();
    Instant last = from;
    for (int i = 0; i < count; i++) {
      last = fireTimes.nextCron(cron, last).orElseThrow();
      result.add(last);
    }
    return result;
  }

  private static Instant utc(String text) {
    return Instant.parse(text);
  }

  /**
   * Every DST case in one table: a wall time the zone skips (spring forward) fires shifted by the
   * gap, once; a wall time it repeats (fall back) fires at its first occurrence only; hourly
   * schedules fire every real hour without a duplicate.
   */
  static Stream<Arguments> dstCases() {
    return Stream.of(
        dst(
            "daily 02:30, Berlin spring forward: 02:30 does not exist, 03:30 CEST",
            "30 2 * * *",
            BERLIN,
            "2026-03-27T12:00:00Z",
            "2026-03-28T01:30:00Z", // 02:30 CET
            "2026-03-29T01:30:00Z", // 03:30 CEST
            "2026-03-30T00:30:00Z"), // 02:30 CEST
        dst(
            "daily 02:30, Berlin fall back: the first 02:30 (CEST) only",
            "30 2 * * *",
            BERLIN,
            "2026-10-24T12:00:00Z",
            "2026-10-25T00:30:00Z", // 02:30 CEST; 02:30 CET is skipped
            "2026-10-26T01:30:00Z"), // 02:30 CET
        dst(
            "hourly :30, Berlin spring forward: every real hour, none twice",
            "30 * * * *",
            BERLIN,
            "2026-03-29T00:00:00Z",
            "2026-03-29T00:30:00Z", // 01:30 CET
            "2026-03-29T01:30:00Z", // 02:30 shifted to 03:30 CEST
            "2026-03-29T02:30:00Z"), // 04:30 CEST
        dst(
            "hourly :30, Berlin fall back: the repeated 02:30 not fired again",
            "30 * * * *",
            BERLIN,
            "2026-10-24T23:00:00Z",
            "2026-10-24T23:30:00Z", // 01:30 CEST
            "2026-10-25T00:30:00Z", // 02:30 CEST
            "2026-10-25T02:30:00Z"), // 03:30 CET
        dst(
            "daily 02:30, New York spring forward: 03:30 EDT",
            "30 2 * * *",
            NEW_YORK,
            "2026-03-07T12:00:00Z",
            "2026-03-08T07:30:00Z", // 03:30 EDT
            "2026-03-09T06:30:00Z"), // 02:30 EDT
        dst(
            "daily 01:30, New York fall back: 01:30 EDT only",
            "30 1 * * *",
            NEW_YORK,
            "2026-10-31T12:00:00Z",
            "2026-11-01T05:30:00Z", // 01:30 EDT; 01:30 EST is the same wall time: skipped
            "2026-11-02T06:30:00Z")); // 01:30 EST
  }

  private static Arguments dst(
      String name, String cron, ZoneId zone, String from, String... expected) {
    return Arguments.of(
        name,
        new Schedule.Cron(cron, CronDialect.UNIX, zone),
        utc(from),
        Arrays.stream(expected).map(Instant::parse).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dstCases")
  void cronAcrossADstChange_firesAsTheTableSays(
      String name, Schedule.Cron cron, Instant from, List<Instant> expected) {
    assertThat(fires(cron, from, expected.size())).containsExactlyElementsOf(expected);
  }

  @Test
  void following_afterRunThatEndedInsideTheRepeatedHour_doesNotFireAgain() {
    Schedule.Cron cron = new Schedule.Cron("30 1 * * *", CronDialect.UNIX, NEW_YORK);
    Instant firstFire = utc("2026-11-01T05:30:00Z");
    Instant runEndedDuringSecondOneThirty = utc("2026-11-01T06:31:00Z");

    assertThat(fireTimes.following(cron, firstFire, runEndedDuringSecondOneThirty))
        .contains(utc("2026-11-02T06:30:00Z"));
  }

  @Test
  void first_neverFiringCron_isRejectedWithReason() {
    Schedule cron = fireTimes.normalize(Schedule.cron("0 0 30 2 *"));

    assertThatThrownBy(() -> fireTimes.first(cron, utc("2026-01-01T00:00:00Z")))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining("never fires")
        .hasMessageContaining("0 0 30 2 *");
  }

  @ParameterizedTest
  @CsvSource({
    "61 * * * *, UNIX",
    "0 3 * *, UNIX",
    "not a cron, UNIX",
    "0 0 3 * * * *, UNIX",
    "0 0 3 * * MON, QUARTZ",
  })
  void normalize_invalidCron_namesExpressionDialectAndExample(
      String expression, CronDialect dialect) {
    Schedule cron = new Schedule.Cron(expression, dialect, null);

    assertThatThrownBy(() -> fireTimes.normalize(cron))
        .isInstanceOf(InvalidTaskException.class)
        .hasMessageContaining(expression)
        .hasMessageContaining(dialect.wireName() + " dialect")
        .hasMessageContaining("e.g.");
  }

  @ParameterizedTest
  @CsvSource({
    "0 3 * * *, UNIX, 2026-01-02T03:00:00Z",
    "0 0 3 ? * *, QUARTZ, 2026-01-02T03:00:00Z",
    "0 0 3 * * *, SPRING, 2026-01-02T03:00:00Z",
    "@daily, SPRING, 2026-01-02T00:00:00Z",
    "0 3 * * 0, UNIX, 2026-01-04T03:00:00Z",
    "0 0 3 ? * 1, QUARTZ, 2026-01-04T03:00:00Z",
  })
  void first_eachDialect_firesAtItsNextMatch(String expression, CronDialect dialect, String next) {
    Schedule cron = fireTimes.normalize(new Schedule.Cron(expression, dialect, null));

    assertThat(fireTimes.first(cron, utc("2026-01-01T12:00:00Z"))).isEqualTo(utc(next));
  }

  @Test
  void normalize_cronWithoutZone_getsDefaultZone() {
    FireTimes berlinDefault = new FireTimes(BERLIN);

    Schedule normalized = berlinDefault.normalize(Schedule.cron("0 3 * * *"));

    assertThat(normalized).isEqualTo(new Schedule.Cron("0 3 * * *", CronDialect.UNIX, BERLIN));
    assertThat(berlinDefault.first(normalized, utc("2026-01-01T12:00:00Z")))
        .isEqualTo(utc("2026-01-02T02:00:00Z"));
  }

  @Test
  void first_cronDueExactlyNow_firesNow() {
    Schedule cron = fireTimes.normalize(Schedule.cron("0 3 * * *"));

    assertThat(fireTimes.first(cron, utc("2026-01-01T03:00:00Z")))
        .isEqualTo(utc("2026-01-01T03:00:00Z"));
  }

  @Test
  void following_cronAfterDowntime_collapsesMissedFiresIntoTheLatest() {
    Schedule cron = fireTimes.normalize(Schedule.cron("0 * * * *"));

    assertThat(fireTimes.following(cron, utc("2026-01-01T00:00:00Z"), utc("2026-01-03T10:20:00Z")))
        .contains(utc("2026-01-03T10:00:00Z"));
  }

  @Test
  void following_every_keepsAlignmentToFireTimes() {
    Schedule every = Schedule.every(Duration.ofMinutes(10));
    Instant fire = utc("2026-01-01T00:00:00Z");

    assertThat(fireTimes.following(every, fire, fire.plusSeconds(30)))
        .contains(utc("2026-01-01T00:10:00Z"));
    assertThat(fireTimes.following(every, fire, utc("2026-01-01T01:05:00Z")))
        .contains(utc("2026-01-01T01:00:00Z"));
  }

  @Test
  void first_everyWithStartInThePast_startsAtNextAlignedTime() {
    Schedule every = new Schedule.Every(Duration.ofMinutes(10), utc("2026-01-01T00:00:00Z"));

    assertThat(fireTimes.first(every, utc("2026-01-01T00:25:00Z")))
        .isEqualTo(utc("2026-01-01T00:30:00Z"));
    assertThat(fireTimes.first(every, utc("2026-01-01T00:30:00Z")))
        .isEqualTo(utc("2026-01-01T00:30:00Z"));
  }

  @Test
  void first_everyWithoutStart_firesOneIntervalAfterAdding() {
    assertThat(fireTimes.first(Schedule.every(Duration.ofSeconds(5)), utc("2026-01-01T00:00:00Z")))
        .isEqualTo(utc("2026-01-01T00:00:05Z"));
  }

  @Test
  void first_atInThePast_isDueNow() {
    Instant now = utc("2026-01-01T00:00:00Z");
    assertThat(fireTimes.first(Schedule.at(utc("2025-12-31T23:00:00Z")), now)).isEqualTo(now);
  }

  @Test
  void following_oneShot_isEmpty() {
    Instant now = utc("2026-01-01T00:00:00Z");
    assertThat(fireTimes.following(Schedule.immediate(), now, now)).isEmpty();
    assertThat(fireTimes.following(Schedule.at(now), now, now)).isEmpty();
  }
}
