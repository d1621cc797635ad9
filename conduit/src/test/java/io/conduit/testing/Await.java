package io.conduit.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for something to happen: polls a condition every few milliseconds, up to a bound that only
 * a broken test reaches. For events a test cannot get a latch or a future for; timers are not
 * waited for this way but run by advancing a {@link FakeClock}.
 */
public final class Await {
  private static final long POLL_MILLIS = 2;

  private Await() {}

  /** Returns once {@code condition} holds; fails after {@code timeout}. */
  public static void until(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    until(what, timeout, condition, () -> "");
  }

  /** Like {@link #until(String, Duration, BooleanSupplier)}; {@code details} explain a timeout. */
  public static void until(String what, Duration timeout, BooleanSupplier condition,
      Supplier<String> details) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + " "
            + details.get());
      }
      // The one polling sleep of the test suite: the condition has no event to wait on.
      Thread.sleep(POLL_MILLIS);
    }
  }
}
