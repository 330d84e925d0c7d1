package dev.schedulerd.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

final class IsoInstantsTest {
  private static final long YEAR_0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
  private static final long YEAR_10000 = Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();

  @Test
  void readsWhatInstantToStringWrites() {
    Random random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      long second = YEAR_0 + (long) (random.nextDouble() * (YEAR_10000 - YEAR_0));
      int nanos =
          switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1_000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1_000;
            default -> random.nextInt(1_000_000_000);
          };
      Instant instant = Instant.ofEpochSecond(second, nanos);
      assertThat(IsoInstants.parse(instant.toString())).isEqualTo(instant);
    }
  }

  @Test
  void agreesWithInstantParse_onEdgesAndOddFractions() {
    for (String text :
        new String[] {
          "1970-01-01T00:00:00Z",
          "0000-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999999999Z",
          "2024-02-29T12:00:00Z",
          "2026-11-26T19:25:38.1Z",
          "2026-11-26T19:25:38.12Z",
          "2026-11-26T19:25:38.1234Z",
          "2026-11-26T19:25:38.12345678Z",
          "+10000-01-01T00:00:00Z",
          "-0001-01-01T00:00:00Z",
          "2026-06-30T23:59:60Z", // a leap second: left to Instant.parse
          "2026-11-26T19:25:38+01:00",
          "2026-01-01T24:00:00Z", // end of day, which Instant.parse accepts
          "2026-01-01T00:00:00.Z", // likewise a dot without digits
        }) {
      assertThat(IsoInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
    }
  }

  @Test
  void refusesWhatInstantParseRefuses() {
    for (String text :
        new String[] {
          "2026-02-29T00:00:00Z",
          "2026-13-01T00:00:00Z",
          "2026-00-01T00:00:00Z",
          "2026-01-32T00:00:00Z",
          "2026-01-01T00:60:00Z",
          "2026-01-01T00:00:00.1234567890Z",
          "2026-01-01 00:00:00Z",
          "2026-01-01T00:00:0xZ",
          "2026-01-01T00:00:00",
          "",
          "yesterday",
        }) {
      assertThatThrownBy(() -> Instant.parse(text)).as(text).isInstanceOf(DateTimeException.class);
      assertThatThrownBy(() -> IsoInstants.parse(text))
          .as(text)
          .isInstanceOf(DateTimeException.class);
    }
  }

  @Test
  void agreesWithInstantParse_onMutatedStrings() {
    Random random = new Random(11);
    String alphabet = "0123456789-:.TZ+ ";
    int parsed = 0;
    for (int i = 0; i < 50_000; i++) {
      StringBuilder text =
          new StringBuilder(
              Instant.ofEpochSecond(random.nextInt(), random.nextInt(1_000_000_000)).toString());
      text.setCharAt(
          random.nextInt(text.length()), alphabet.charAt(random.nextInt(alphabet.length())));
      String candidate = text.toString();
      Instant expected;
      try {
        expected = Instant.parse(candidate);
      } catch (DateTimeException e) {
        assertThatThrownBy(() -> IsoInstants.parse(candidate))
            .as(candidate)
            .isInstanceOf(DateTimeException.class);
        continue;
      }
      assertThat(IsoInstants.parse(candidate)).as(candidate).isEqualTo(expected);
      parsed++;
    }
    assertThat(parsed).as("mutations still valid").isGreaterThan(5_000);
  }
}
