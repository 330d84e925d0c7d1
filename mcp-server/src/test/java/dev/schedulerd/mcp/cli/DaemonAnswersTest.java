package dev.schedulerd.mcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
    assertThat(Main.Version.isNewer("0.1.0 built 2026-12-02T00:00:00Z", OURS)).isTrue();
    assertThat(Main.Version.isNewer(OURS, "0.1.0 built 2026-12-02T00:00:00Z")).isFalse();
    assertThat(Main.Version.isNewer(OURS, OURS)).isFalse();
    assertThat(Main.Version.isNewer("9.9.9 built later", OURS)).isFalse();
    assertThat(Main.Version.isNewer("dev", OURS)).isFalse();
    assertThat(Main.Version.isNewer(OURS, "dev")).isFalse();
  }

  @Test
  void handsOverToANewerBuild_once() {
    DaemonAnswers answers = answers(null);
    Map<String, Object> first = answers.handOver("0.2.0 built 2026-12-05T00:00:00Z");
    Map<String, Object> again = answers.handOver("0.2.0 built 2026-12-05T00:00:00Z");

    assertThat(first).containsEntry("accepted", true).containsEntry("stops_within_seconds", 17L);
    assertThat(again).containsEntry("accepted", true);
    await().atMost(Duration.ofSeconds(5)).until(() -> stops.get() == 1);
    assertThat(first.get("pid")).isEqualTo(ProcessHandle.current().pid());
  }

  @Test
  void refusesAnOlderTheSameOrAnUnknownBuild_saying_why() {
    DaemonAnswers answers = answers(null);
    for (String asking :
        new String[] {"0.0.9 built 2026-11-01T00:00:00Z", OURS, "9.9.9\u001b[2J"}) {
      Map<String, Object> answer = answers.handOver(asking);
      assertThat(answer).containsEntry("accepted", false);
      assertThat((String) answer.get("reason")).contains("is not older than yours");
    }
    assertThat(String.valueOf(answers.handOver("9.9.9\u001b[2J").get("reason")))
        .doesNotContain("\u001b");
    assertThat(stops).hasValue(0);
  }

  @Test
  void underAServiceManager_namesTheCommandThatRestartsIt() {
    DaemonAnswers answers = answers("systemctl --user restart schedulerd.service");
    Map<String, Object> answer = answers.handOver("0.2.0 built 2026-12-05T00:00:00Z");

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
