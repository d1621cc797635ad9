package io.conduit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An absolute point in time by which a call must complete, measured on a monotonic clock.
 *
 * <p>A deadline set on a server call's client propagates: client calls made while handling it
 * inherit the remaining time (see {@link Context}).
 */
public final class Deadline implements Comparable<Deadline> {

  /** A monotonic nanosecond clock; tests substitute a fake one. */
  @FunctionalInterface
  public interface Ticker {
    /** {@return the current time in nanoseconds, from an arbitrary origin} */
    long nanoTime();

    /** The JVM's {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;
  }

  // Far enough to mean "no deadline" yet far from overflowing when added to nanoTime().
  private static final long MAX_NANOS = TimeUnit.DAYS.toNanos(365L * 100);

  private final Ticker ticker;
  private final long deadlineNanos;

  private Deadline(Ticker ticker, long deadlineNanos) {
    this.ticker = ticker;
    this.deadlineNanos = deadlineNanos;
  }

  /**
   * A deadline {@code timeout} from now.
   *
   * @param timeout the time left
   * @return the deadline
   */
  public static Deadline after(Duration timeout) {
    return after(timeout, Ticker.SYSTEM);
  }

  /**
   * A deadline {@code amount} units from now on the system ticker.
   *
   * @param amount the time left, in {@code unit}s
   * @param unit the unit of {@code amount}
   * @return the deadline
   */
  public static Deadline after(long amount, TimeUnit unit) {
    return after(amount, unit, Ticker.SYSTEM);
  }

  /**
   * A deadline {@code timeout} from now on {@code ticker}.
   *
   * @param timeout the time left
   * @param ticker the ticker the deadline is measured on
   * @return the deadline
   */
  public static Deadline after(Duration timeout, Ticker ticker) {
    return after(saturatedNanos(timeout), TimeUnit.NANOSECONDS, ticker);
  }

  /**
   * A deadline {@code amount} units from now on {@code ticker}.
   *
   * @param amount the time left, in {@code unit}s
   * @param unit the unit of {@code amount}
   * @param ticker the ticker the deadline is measured on
   * @return the deadline
   */
  public static Deadline after(long amount, TimeUnit unit, Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    long nanos = Math.max(-MAX_NANOS, Math.min(MAX_NANOS, unit.toNanos(amount)));
    return new Deadline(ticker, ticker.nanoTime() + nanos);
  }

  /**
   * Nanoseconds left; negative once expired.
   *
   * @return the nanoseconds left
   */
  public long remainingNanos() {
    return deadlineNanos - ticker.nanoTime();
  }

  /**
   * The time left in {@code unit}, negative once expired.
   *
   * @param unit the unit of the result
   * @return the time left, truncated to whole units
   */
  public long timeRemaining(TimeUnit unit) {
    return unit.convert(remainingNanos(), TimeUnit.NANOSECONDS);
  }

  /** {@return the time left, negative once expired} */
  public Duration timeRemaining() {
    return Duration.ofNanos(remainingNanos());
  }

  /** {@return whether the deadline has passed} */
  public boolean isExpired() {
    return remainingNanos() <= 0;
  }

  /**
   * This deadline counted on {@code ticker} from now on: the same time remaining, measured by that
   * ticker from here (a channel on a fake clock runs its calls' deadlines on it). This deadline
   * itself when it is measured on {@code ticker} already.
   *
   * @param ticker the ticker to measure on
   * @return the deadline on {@code ticker}
   */
  public Deadline on(Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    if (ticker == this.ticker || (isSystem(ticker) && isSystem(this.ticker))) {
      return this;
    }
    return new Deadline(ticker, ticker.nanoTime() + remainingNanos());
  }

  private static boolean isSystem(Ticker ticker) {
    return ticker == Ticker.SYSTEM || ticker == Clock.SYSTEM;
  }

  /**
   * The earlier of this deadline and {@code other} (which may be {@code null}).
   *
   * @param other the other deadline, or {@code null}
   * @return the earlier deadline
   */
  public Deadline minimum(Deadline other) {
    return other == null || compareTo(other) <= 0 ? this : other;
  }

  /**
   * Runs {@code task} on {@code scheduler} when the deadline expires (at once if it has); a
   * deadline measured on a {@link Clock} (a test's fake one) expires as that clock moves.
   *
   * @param task what to run
   * @param scheduler the scheduler that runs it
   * @return a future that cancels the task
   */
  public ScheduledFuture<?> runOnExpiration(Runnable task, ScheduledExecutorService scheduler) {
    long delay = Math.max(0, remainingNanos());
    return ticker instanceof Clock clock
        ? clock.schedule(scheduler, task, delay, TimeUnit.NANOSECONDS)
        : scheduler.schedule(task, delay, TimeUnit.NANOSECONDS);
  }

  @Override
  public int compareTo(Deadline other) {
    return Long.compare(deadlineNanos - other.deadlineNanos, 0);
  }

  @Override
  public String toString() {
    return "Deadline[" + timeRemaining() + " from now]";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? -MAX_NANOS : MAX_NANOS;
    }
  }
}
