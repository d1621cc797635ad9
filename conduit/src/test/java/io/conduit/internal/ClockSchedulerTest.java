package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.Clock;
import io.conduit.internal.netty.EventLoops;
import io.conduit.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClockSchedulerTest {
  private final ScheduledExecutorService loop = EventLoops.group().next();
  private final FakeClock clock = new FakeClock();
  private final ScheduledExecutorService scheduler = ClockScheduler.of(clock, loop);

  @Test
  void theRealClockGetsTheExecutorItself() {
    assertThat(ClockScheduler.of(Clock.SYSTEM, loop)).isSameAs(loop);
    assertThat(ClockScheduler.of(clock, scheduler)).isSameAs(scheduler);
  }

  @Test
  void aTimerRunsWhenTheClockPassesItsDelayNotBefore() throws Exception {
    ScheduledFuture<String> f = scheduler.schedule(() -> "done", 5, TimeUnit.SECONDS);
    clock.advance(Duration.ofMillis(4999));
    assertThat(f.isDone()).isFalse();
    assertThat(f.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    assertThat(f.get(0, TimeUnit.SECONDS)).isEqualTo("done");
  }

  @Test
  void aCancelledTimerNeverRuns() {
    AtomicInteger runs = new AtomicInteger();
    ScheduledFuture<?> f = scheduler.schedule(runs::incrementAndGet, 1, TimeUnit.SECONDS);
    assertThat(f.cancel(false)).isTrue();
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(Duration.ofSeconds(2));
    assertThat(runs).hasValue(0);
  }

  @Test
  void fixedRateRunsOncePerPeriodUntilCancelled() {
    List<Long> at = new CopyOnWriteArrayList<>();
    long start = clock.nanoTime();
    ScheduledFuture<?> f = scheduler.scheduleAtFixedRate(
        () -> at.add(TimeUnit.NANOSECONDS.toSeconds(clock.nanoTime() - start)), 1, 2, TimeUnit.SECONDS);
    clock.advance(Duration.ofSeconds(6));
    assertThat(at).containsExactly(1L, 3L, 5L);
    f.cancel(false);
    clock.advance(Duration.ofSeconds(10));
    assertThat(at).hasSize(3);
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void fixedDelayCountsFromTheEndOfEachRun() {
    AtomicInteger runs = new AtomicInteger();
    ScheduledFuture<?> f = scheduler.scheduleWithFixedDelay(runs::incrementAndGet, 1, 3, TimeUnit.SECONDS);
    clock.advance(Duration.ofSeconds(9));
    // At 1, 4 and 7 s; the next is due at 10.
    assertThat(runs).hasValue(3);
    assertThat(clock.untilNextTimer()).isEqualTo(Duration.ofSeconds(1));
    f.cancel(false);
  }

  @Test
  void theChannelOwnsTheExecutor() {
    assertThatThrownBy(scheduler::shutdown).isInstanceOf(UnsupportedOperationException.class);
    assertThat(scheduler.isShutdown()).isFalse();
  }
}
