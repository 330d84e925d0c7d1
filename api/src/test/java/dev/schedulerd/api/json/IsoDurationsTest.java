package dev.schedulerd.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class IsoDurationsTest {
  @Test
  void readsWhatDurationToStringWrites() {
    Random random = new Random(3);
    for (int i = 0; i < 100_000; i++) {
      long seconds =
          switch (i % 4) {
            case 0 -> random.nextInt(60);
            case 1 -> random.nextInt(86_400);
            case 2 -> random.nextInt(400 * 86_400);
            default -> random.nextLong(1L << 40);
          };
      int nanos = i % 3 == 0 ? 0 : random.nextInt(1_000_000_000);
      Duration duration = Duration.ofSeconds(seconds, nanos);
      assertThat(IsoDurations.parse(duration.toString())).isEqualTo(duration);
    }
  }

  @Test
  void agreesWithDurationParse() {
    for (String text :
        new String[] {
          "PT0S",
          "PT30S",
          "PT1M",
          "PT24H",
          "PT1H30M",
          "PT2H3M4.5S",
          "PT0.000000001S",
          "PT1.5S",
          "P1D",
          "PT-5S",
          "-PT5S",
          "pt5s",
          "PT1M1H",
          "PT5S5S",
          "PT1.1234567891S",
          "PT99999999999999S",
          "PT1H.5S",
        }) {
      Duration expected;
      try {
        expected = Duration.parse(text);
      } catch (DateTimeParseException e) {
        assertThatThrownBy(() -> IsoDurations.parse(text))
            .as(text)
            .isInstanceOf(DateTimeParseException.class);
        continue;
      }
      assertThat(IsoDurations.parse(text)).as(text).isEqualTo(expected);
    }
  }

  @Test
  void agreesWithDurationParse_onMutatedStrings() {
    Random random = new Random(5);
    String alphabet = "0123456789PTHMS.-D";
    for (int i = 0; i < 50_000; i++) {
      StringBuilder text =
          new StringBuilder(
              Duration.ofSeconds(random.nextInt(200_000), random.nextInt(1_000)).toString());
      text.setCharAt(
          random.nextInt(text.length()), alphabet.charAt(random.nextInt(alphabet.length())));
      String candidate = text.toString();
      Duration expected;
      try {
        expected = Duration.parse(candidate);
      } catch (DateTimeParseException e) {
        assertThatThrownBy(() -> IsoDurations.parse(candidate))
            .as(candidate)
            .isInstanceOf(DateTimeParseException.class);
        continue;
      }
      assertThat(IsoDurations.parse(candidate)).as(candidate).isEqualTo(expected);
    }
  }
}
