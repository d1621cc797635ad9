package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeadlineTest {

  /** 100 years, the saturation bound of {@link Deadline}. */
  private static final long MAX_NANOS = TimeUnit.DAYS.toNanos(365L * 100);

  private static final class FakeTicker implements Deadline.Ticker {
    long now;

    FakeTicker(long start) {
      now = start;
    }

    @Override
    public long nanoTime() {
      return now;
    }

    void advance(long amount, TimeUnit unit) {
      now += unit.toNanos(amount);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, 1_000L, -5_000_000_000L, Long.MAX_VALUE - 100, Long.MIN_VALUE + 100})
  void remainingTimeFollowsTheTicker(long start) {
    FakeTicker ticker = new FakeTicker(start);
    Deadline d = Deadline.after(10, TimeUnit.SECONDS, ticker);
    assertThat(d.remainingNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(10));
    assertThat(d.timeRemaining(TimeUnit.MILLISECONDS)).isEqualTo(10_000);
    assertThat(d.timeRemaining()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.isExpired()).isFalse();

    ticker.advance(3_500, TimeUnit.MILLISECONDS);
    assertThat(d.timeRemaining()).isEqualTo(Duration.ofMillis(6_500));
    assertThat(d.timeRemaining(TimeUnit.SECONDS)).isEqualTo(6);
    assertThat(d.isExpired()).isFalse();

    ticker.advance(6_500, TimeUnit.MILLISECONDS);
    assertThat(d.remainingNanos()).isZero();
    assertThat(d.isExpired()).isTrue();

    ticker.advance(2, TimeUnit.SECONDS);
    assertThat(d.remainingNanos()).isEqualTo(-TimeUnit.SECONDS.toNanos(2));
    assertThat(d.timeRemaining()).isEqualTo(Duration.ofSeconds(-2));
    assertThat(d.isExpired()).isTrue();
  }

  @Test
  void onAnotherClockTheRemainingTimeCountsOnThatClock() {
    io.conduit.testing.FakeClock clock = new io.conduit.testing.FakeClock();
    Deadline real = Deadline.after(Duration.ofMinutes(1));
    Deadline fake = real.on(clock);
    assertThat(fake.timeRemaining()).isLessThanOrEqualTo(Duration.ofMinutes(1))
        .isGreaterThan(Duration.ofSeconds(50));
    clock.advance(Duration.ofSeconds(59));
    assertThat(fake.isExpired()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(fake.isExpired()).isTrue();
    assertThat(real.isExpired()).as("the original still counts real time").isFalse();
    assertThat(fake.on(clock)).isSameAs(fake);
    assertThat(real.on(Clock.SYSTEM)).as("the JVM's clock either way").isSameAs(real);
  }

  @Test
  void expiresExactlyAtTheDeadlineNotBefore() {
    FakeTicker ticker = new FakeTicker(42);
    Deadline d = Deadline.after(Duration.ofNanos(100), ticker);
    ticker.advance(99, TimeUnit.NANOSECONDS);
    assertThat(d.isExpired()).isFalse();
    assertThat(d.remainingNanos()).isEqualTo(1);
    ticker.advance(1, TimeUnit.NANOSECONDS);
    assertThat(d.isExpired()).isTrue();
  }

  @Test
  void zeroAndNegativeTimeoutsAreExpiredAtOnce() {
    FakeTicker ticker = new FakeTicker(0);
    assertThat(Deadline.after(Duration.ZERO, ticker).isExpired()).isTrue();
    assertThat(Deadline.after(-1, TimeUnit.SECONDS, ticker).isExpired()).isTrue();
    assertThat(Deadline.after(Duration.ofMillis(-5), ticker).remainingNanos()).isEqualTo(-5_000_000);
  }

  @Test
  void durationAndUnitFactoriesAgree() {
    FakeTicker ticker = new FakeTicker(7);
    Deadline a = Deadline.after(Duration.ofMillis(1500), ticker);
    Deadline b = Deadline.after(1500, TimeUnit.MILLISECONDS, ticker);
    assertThat(a.remainingNanos()).isEqualTo(b.remainingNanos());
    assertThat(a.compareTo(b)).isZero();
  }

  @Test
  void minimumIsTheEarlierDeadline() {
    FakeTicker ticker = new FakeTicker(0);
    Deadline soon = Deadline.after(1, TimeUnit.SECONDS, ticker);
    Deadline later = Deadline.after(2, TimeUnit.SECONDS, ticker);
    assertThat(soon.minimum(later)).isSameAs(soon);
    assertThat(later.minimum(soon)).isSameAs(soon);
    assertThat(soon.minimum(null)).isSameAs(soon);
    assertThat(soon.minimum(soon)).isSameAs(soon);
  }

  @Test
  void compareToOrdersByExpiry() {
    FakeTicker ticker = new FakeTicker(0);
    Deadline a = Deadline.after(1, TimeUnit.SECONDS, ticker);
    Deadline b = Deadline.after(2, TimeUnit.SECONDS, ticker);
    Deadline a2 = Deadline.after(1000, TimeUnit.MILLISECONDS, ticker);
    assertThat(a.compareTo(b)).isNegative();
    assertThat(b.compareTo(a)).isPositive();
    assertThat(a.compareTo(a2)).isZero();
    List<Deadline> sorted = new ArrayList<>(List.of(b, a));
    sorted.sort(null);
    assertThat(sorted).containsExactly(a, b);
  }

  @Test
  void compareToAndMinimumAreSafeAcrossNanoTimeWrapAround() {
    // nanoTime() may be any value, and deadlines near Long.MAX_VALUE wrap to negative numbers.
    FakeTicker ticker = new FakeTicker(Long.MAX_VALUE - TimeUnit.SECONDS.toNanos(1));
    Deadline beforeWrap = Deadline.after(500, TimeUnit.MILLISECONDS, ticker);
    Deadline afterWrap = Deadline.after(5, TimeUnit.SECONDS, ticker);
    assertThat(afterWrap.remainingNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(5));
    assertThat(beforeWrap.compareTo(afterWrap)).isNegative();
    assertThat(afterWrap.compareTo(beforeWrap)).isPositive();
    assertThat(afterWrap.minimum(beforeWrap)).isSameAs(beforeWrap);
    assertThat(beforeWrap.minimum(afterWrap)).isSameAs(beforeWrap);

    ticker.advance(2, TimeUnit.SECONDS); // the ticker itself wraps
    assertThat(beforeWrap.isExpired()).isTrue();
    assertThat(beforeWrap.remainingNanos()).isEqualTo(-TimeUnit.MILLISECONDS.toNanos(1500));
    assertThat(afterWrap.isExpired()).isFalse();
    assertThat(afterWrap.remainingNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(3));
  }

  @Test
  void compareToIsSafeForDeadlinesOnEitherSideOfZero() {
    FakeTicker ticker = new FakeTicker(-TimeUnit.SECONDS.toNanos(1));
    Deadline negative = Deadline.after(1, TimeUnit.MILLISECONDS, ticker);
    Deadline positive = Deadline.after(2, TimeUnit.SECONDS, ticker);
    assertThat(negative.compareTo(positive)).isNegative();
    assertThat(positive.compareTo(negative)).isPositive();
  }

  @Test
  void hugeDurationsSaturateInsteadOfOverflowing() {
    FakeTicker ticker = new FakeTicker(Long.MAX_VALUE - 10);
    Deadline d = Deadline.after(Duration.ofSeconds(Long.MAX_VALUE), ticker);
    assertThat(d.remainingNanos()).isEqualTo(MAX_NANOS);
    assertThat(d.isExpired()).isFalse();

    Deadline viaUnit = Deadline.after(Long.MAX_VALUE, TimeUnit.DAYS, ticker);
    assertThat(viaUnit.remainingNanos()).isEqualTo(MAX_NANOS);

    // Larger than 100 years but still representable in nanoseconds.
    Deadline twoCenturies = Deadline.after(Duration.ofDays(365L * 200), ticker);
    assertThat(twoCenturies.remainingNanos()).isEqualTo(MAX_NANOS);

    Deadline ordinary = Deadline.after(Duration.ofDays(1), ticker);
    assertThat(ordinary.compareTo(d)).isNegative();
    assertThat(d.minimum(ordinary)).isSameAs(ordinary);
  }

  @Test
  void hugeNegativeDurationsSaturateToExpired() {
    FakeTicker ticker = new FakeTicker(Long.MIN_VALUE + 10);
    Deadline d = Deadline.after(Duration.ofSeconds(Long.MIN_VALUE), ticker);
    assertThat(d.remainingNanos()).isEqualTo(-MAX_NANOS);
    assertThat(d.isExpired()).isTrue();
    Deadline viaUnit = Deadline.after(Long.MIN_VALUE, TimeUnit.HOURS, ticker);
    assertThat(viaUnit.remainingNanos()).isEqualTo(-MAX_NANOS);
    assertThat(d.compareTo(Deadline.after(Duration.ZERO, ticker))).isNegative();
  }

  @Test
  void systemTickerDeadlineIsInTheFuture() {
    Deadline d = Deadline.after(Duration.ofHours(1));
    assertThat(d.isExpired()).isFalse();
    assertThat(d.timeRemaining(TimeUnit.MINUTES)).isBetween(58L, 60L);
    assertThat(d.toString()).startsWith("Deadline[");
  }

  @Test
  void runOnExpirationRunsAtOnceWhenExpired() throws InterruptedException {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      FakeTicker ticker = new FakeTicker(0);
      Deadline d = Deadline.after(1, TimeUnit.SECONDS, ticker);
      ticker.advance(5, TimeUnit.SECONDS);
      CountDownLatch ran = new CountDownLatch(1);
      d.runOnExpiration(ran::countDown, scheduler);
      assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void runOnExpirationSchedulesForTheRemainingTime() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      FakeTicker ticker = new FakeTicker(0);
      Deadline d = Deadline.after(1, TimeUnit.HOURS, ticker);
      var future = d.runOnExpiration(() -> { }, scheduler);
      assertThat(future.getDelay(TimeUnit.MINUTES)).isBetween(58L, 60L);
      future.cancel(false);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
