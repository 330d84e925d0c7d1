package dev.schedulerd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class RetryPolicyTest {
  private final RetryPolicy policy =
      new RetryPolicy(5, Duration.ofSeconds(1), 2.0, Duration.ofSeconds(5), 0.25);

  @ParameterizedTest
  @CsvSource({"1, 1000", "2, 2000", "3, 4000", "4, 5000", "5, 5000"})
  void delayAfter_withoutJitterDraw_growsExponentiallyUpToTheCap(int attempt, long millis) {
    assertThat(policy.delayAfter(attempt, 0.0)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @CsvSource({"0.0", "0.5", "0.999999"})
  void delayAfter_jitter_staysWithinItsFraction(double draw) {
    Duration delay = policy.delayAfter(3, draw);
    assertThat(delay).isBetween(Duration.ofMillis(3_000), Duration.ofMillis(4_000));
  }

  @Test
  void delayAfter_attemptZero_isRefused() {
    assertThatThrownBy(() -> policy.delayAfter(0, 0.0)).hasMessageContaining("from 1");
  }

  @Test
  void default_isThreeAttemptsLikeTheSeed() {
    assertThat(RetryPolicy.DEFAULT.maxAttempts()).isEqualTo(3);
  }

  @Test
  void constructor_rejectsNonsenseNamingTheValue() {
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, 1, Duration.ZERO, 0))
        .hasMessageContaining("got 0");
    assertThatThrownBy(
            () -> new RetryPolicy(3, Duration.ofSeconds(10), 2, Duration.ofSeconds(1), 0))
        .hasMessageContaining("shorter than the initial delay");
    assertThatThrownBy(() -> new RetryPolicy(3, Duration.ZERO, 0.5, Duration.ZERO, 0))
        .hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new RetryPolicy(3, Duration.ZERO, 1, Duration.ZERO, 1.5))
        .hasMessageContaining("jitter");
  }
}
