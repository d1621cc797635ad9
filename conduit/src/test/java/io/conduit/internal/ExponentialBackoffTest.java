package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 4, check 4: reconnect delays exactly as doc/connection-backoff.md. */
class ExponentialBackoffTest {
  static final long S = 1_000_000_000L;

  @Test
  void defaultsAreTheSpecs() {
    ExponentialBackoff.Policy p = ExponentialBackoff.Policy.DEFAULT;
    assertThat(p.initial()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.multiplier()).isEqualTo(1.6);
    assertThat(p.jitter()).isEqualTo(0.2);
    assertThat(p.max()).isEqualTo(Duration.ofSeconds(120));
    assertThat(p.minConnectTimeout()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void sequenceWithoutJitterGrowsBy1point6UpTo120Seconds() {
    // random 0.5 sits in the middle of the jitter range: no jitter at all.
    ExponentialBackoff b = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT, () -> 0.5);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 14; i++) {
      delays.add(b.nextDelayNanos());
    }
    assertThat(delays).containsExactly(
        1 * S, 1_600_000_000L, 2_560_000_000L, 4_096_000_000L, 6_553_600_000L, 10_485_760_000L,
        16_777_216_000L, 26_843_545_600L, 42_949_672_960L, 68_719_476_736L, 109_951_162_778L,
        120 * S, 120 * S, 120 * S);
  }

  @Test
  void jitterStaysWithin20Percent() {
    ExponentialBackoff low = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT, () -> 0.0);
    ExponentialBackoff high = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT, () -> Math.nextDown(1.0));
    assertThat(low.nextDelayNanos()).isEqualTo(800_000_000L);
    assertThat(high.nextDelayNanos()).isBetween(1_199_999_000L, 1_200_000_000L);
    assertThat(low.nextDelayNanos()).isEqualTo(1_280_000_000L);
    assertThat(high.nextDelayNanos()).isBetween(1_919_999_000L, 1_920_000_000L);
    for (int i = 0; i < 20; i++) {
      low.nextDelayNanos();
      high.nextDelayNanos();
    }
    // At the cap the jitter still applies around 120 s.
    assertThat(low.nextDelayNanos()).isEqualTo(96 * S);
    assertThat(high.nextDelayNanos()).isBetween(143_999_000_000L, 144 * S);
  }

  @Test
  void randomDelaysStayInBounds() {
    ExponentialBackoff random = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT);
    ExponentialBackoff exact = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT, () -> 0.5);
    for (int i = 0; i < 30; i++) {
      long center = exact.nextDelayNanos();
      assertThat(random.nextDelayNanos()).isBetween((long) (center * 0.8), (long) (center * 1.2));
    }
  }

  @Test
  void resetStartsOver() {
    ExponentialBackoff b = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT, () -> 0.5);
    b.nextDelayNanos();
    b.nextDelayNanos();
    b.nextDelayNanos();
    b.reset();
    assertThat(b.nextDelayNanos()).isEqualTo(S);
    assertThat(b.nextDelayNanos()).isEqualTo(1_600_000_000L);
  }

  @Test
  void connectTimeoutIsTheLargerOfBackoffAndMinimum() {
    ExponentialBackoff b = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT, () -> 0.5);
    assertThat(b.connectTimeoutNanos()).isEqualTo(20 * S);
    // After 1, 1.6, 2.56, 4.096, 6.5536, 10.48576, 16.777216 s the next backoff is 26.8 s.
    for (int i = 0; i < 7; i++) {
      b.nextDelayNanos();
      if (i < 6) {
        assertThat(b.connectTimeoutNanos()).isEqualTo(20 * S);
      }
    }
    assertThat(b.connectTimeoutNanos()).isEqualTo(26_843_545_600L);
  }

  @Test
  void customPolicy() {
    ExponentialBackoff b = new ExponentialBackoff(new ExponentialBackoff.Policy(
        Duration.ofMillis(10), 2, 0, Duration.ofMillis(50), Duration.ofMillis(5)), () -> 0.9);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      delays.add(b.nextDelayNanos() / 1_000_000);
    }
    assertThat(delays).containsExactly(10L, 20L, 40L, 50L, 50L);
    assertThat(b.connectTimeoutNanos()).isEqualTo(50_000_000L);
  }

  @Test
  void invalidPoliciesAreRejected() {
    Duration s = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new ExponentialBackoff.Policy(Duration.ZERO, 1.6, 0.2, s, s))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initial");
    assertThatThrownBy(() -> new ExponentialBackoff.Policy(s, 0.5, 0.2, s, s))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new ExponentialBackoff.Policy(s, 1.6, 1.5, s, s))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
    assertThatThrownBy(() -> new ExponentialBackoff.Policy(s.multipliedBy(2), 1.6, 0.2, s, s))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max");
    assertThatThrownBy(() -> new ExponentialBackoff.Policy(s, 1.6, 0.2, s, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minConnectTimeout");
    assertThatThrownBy(() -> new ExponentialBackoff.Policy(s, Double.NaN, 0.2, s, s))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
  }
}
