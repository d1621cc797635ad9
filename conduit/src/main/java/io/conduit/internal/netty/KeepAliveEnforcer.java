package io.conduit.internal.netty;

import io.conduit.Clock;

/**
 * The server's guard against clients that ping too often (gRFC A9): a PING sooner than
 * {@code minTime} after the previous one (or, without calls, at all unless permitted) is a
 * strike; more than {@link #MAX_STRIKES} strikes and the connection is told
 * {@code ENHANCE_YOUR_CALM "too_many_pings"}. Sending headers or data resets the count, as in
 * grpc-java and grpc-go. Confined to the event loop.
 */
final class KeepAliveEnforcer {
  static final int MAX_STRIKES = 2;

  private final Clock clock;
  private final long minTimeNanos;
  private final boolean permitWithoutCalls;
  private long lastValidPingNanos;
  private boolean hasValidPing;
  private int strikes;

  KeepAliveEnforcer(Clock clock, long minTimeNanos, boolean permitWithoutCalls) {
    this.clock = clock;
    this.minTimeNanos = minTimeNanos;
    this.permitWithoutCalls = permitWithoutCalls;
  }

  /** A PING arrived; returns false when the client has struck out. */
  boolean pingAcceptable(boolean hasCalls) {
    long now = clock.nanoTime();
    long min = hasCalls || permitWithoutCalls ? minTimeNanos : java.util.concurrent.TimeUnit.HOURS.toNanos(2);
    boolean valid = !hasValidPing || now - lastValidPingNanos >= min;
    if (valid) {
      lastValidPingNanos = now;
      hasValidPing = true;
      return true;
    }
    return ++strikes <= MAX_STRIKES;
  }

  /** The server sent headers or data: pings that follow are expected. */
  void onWrite() {
    strikes = 0;
    hasValidPing = false;
  }
}
