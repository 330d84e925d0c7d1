package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedulerd.mcp.transport.DaemonRequests;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** When the daemon hands over to another build: only to a newer one, never under a service. */
class DaemonAnswersTest {
  private static final String OURS = "0.1.0 built 2026-12-01T10:00:00Z";
  private final AtomicInteger stops = new AtomicInteger();

  private DaemonAnswers answers(@Nullable String serviceRestart) {
    return new DaemonAnswers(
        OURS, Map.of("zone", "UTC"), serviceRestart, Duration.ofSeconds(2), stops::incrementAndGet);
  }

  @Test
  void buildsAreOrderedByTheirBuildTimes_unknownOnesNever() {
    assertThat(Version.isNewer("0.1.0 built 2026-12-02T00:00:00Z", OURS)).isTrue();
    assertThat(Version.isNewer(OURS, "0.1.0 built 2026-12-02T00:00:00Z")).isFalse();
    assertThat(Version.isNewer(OURS, OURS)).isFalse();
    assertThat(Version.isNewer("custom built later", OURS)).isFalse();
    // The version first: a higher one however old its build, never a lower one rebuilt later.
    assertThat(Version.isNewer("0.2.0-SNAPSHOT built 2020-01-01T00:00:00Z", OURS)).isTrue();
    assertThat(Version.isNewer("0.0.9 built 2030-01-01T00:00:00Z", OURS)).isFalse();
    assertThat(
            Version.isNewer(
                "0.1.0 built 2026-11-01T00:00:00Z", "0.1.0-SNAPSHOT built 2026-12-01T00:00:00Z"))
        .as("a release above its snapshots")
        .isTrue();
    assertThat(Version.isNewer("dev", OURS)).isFalse();
    assertThat(Version.isNewer(OURS, "dev")).isFalse();
  }

  @Test
  void handsOverToANewerBuild_once() {
    DaemonAnswers answers = answers(null);
    DaemonRequests.HandOver first = answers.handOver("0.2.0 built 2026-12-05T00:00:00Z");
    DaemonRequests.HandOver again = answers.handOver("0.2.0 built 2026-12-05T00:00:00Z");

    assertThat(first.answer())
        .containsEntry("accepted", true)
        .containsEntry("stops_within_seconds", 17L)
        .containsEntry("pid", ProcessHandle.current().pid());
    assertThat(again.answer()).containsEntry("accepted", true);
    assertThat(again.thenStop()).as("one stop, begun by the first").isNull();
    assertThat(stops).as("not before the answer is written").hasValue(0);
    java.util.Objects.requireNonNull(first.thenStop()).run();
    assertThat(stops).hasValue(1);
  }

  @Test
  void refusesAnOlderTheSameOrAnUnknownBuild_saying_why() {
    DaemonAnswers answers = answers(null);
    for (String asking :
        new String[] {"0.0.9 built 2026-11-01T00:00:00Z", OURS, "9.9.9\u001b[2J"}) {
      DaemonRequests.HandOver refused = answers.handOver(asking);
      assertThat(refused.thenStop()).isNull();
      Map<String, Object> answer = refused.answer();
      assertThat(answer).containsEntry("accepted", false);
      assertThat((String) answer.get("reason")).contains("is not older than yours");
    }
    assertThat(String.valueOf(answers.handOver("9.9.9\u001b[2J\u2028").answer().get("reason")))
        .doesNotContain("\u001b")
        .doesNotContain("\u2028");
    assertThat(stops).hasValue(0);
  }

  @Test
  void underAServiceManager_namesTheCommandThatRestartsIt() {
    DaemonAnswers answers = answers("systemctl --user restart schedulerd.service");
    Map<String, Object> answer = answers.handOver("0.2.0 built 2026-12-05T00:00:00Z").answer();

    assertThat(answer).containsEntry("accepted", false);
    assertThat((String) answer.get("reason"))
        .contains("restart the service: systemctl --user restart schedulerd.service");
    assertThat(stops).hasValue(0);
  }

  @Test
  void helloSaysWhoAnswers() {
    assertThat(answers(null).hello())
        .containsEntry("name", "schedulerd")
        .containsEntry("version", OURS)
        .containsEntry("pid", ProcessHandle.current().pid());
  }
}
