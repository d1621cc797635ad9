package io.conduit.internal.netty;

import io.conduit.Clock;
import java.util.concurrent.TimeUnit;

/**
 * One connection's budget of stream resets that the client is to blame for: the RST_STREAM frames
 * it sends (rapid reset, CVE-2023-44487) and the resets it makes the server send by opening
 * streams the server must reject or abort (MadeYouReset, CVE-2025-8671). One budget for both, so a
 * client cannot double its allowance by switching from one kind to the other. A fixed window, as
 * Netty's own reset guards count. Confined to the event loop.
 */
final class ResetBudget {
  private final Clock clock;
  private final int max;
  private final long windowNanos;
  private long windowStart;
  private int spent;
  private boolean exceeded;

  /** {@code max} resets per {@code windowSeconds}; 0 for either turns the budget off. */
  ResetBudget(Clock clock, int max, int windowSeconds) {
    this.clock = clock;
    this.max = max;
    this.windowNanos = TimeUnit.SECONDS.toNanos(windowSeconds);
  }

  /**
   * Counts one reset; true for the reset that goes over the budget. That happens once per
   * connection: afterwards the connection is going away and later resets return false.
   */
  boolean charge() {
    if (max <= 0 || windowNanos <= 0 || exceeded) {
      return false;
    }
    long now = clock.nanoTime();
    if (spent == 0 || now - windowStart >= windowNanos) {
      windowStart = now;
      spent = 0;
    }
    if (++spent > max) {
      exceeded = true;
      return true;
    }
    return false;
  }

  int max() {
    return max;
  }

  long windowSeconds() {
    return TimeUnit.NANOSECONDS.toSeconds(windowNanos);
  }
}
