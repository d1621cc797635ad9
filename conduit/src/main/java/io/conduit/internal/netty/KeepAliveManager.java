package io.conduit.internal.netty;

import io.conduit.Clock;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * HTTP/2 PING keepalive (gRFC A8 for clients, A9 for servers): after {@code time} without any
 * frame read, send a PING; if its ACK does not come within {@code timeout}, the peer is gone and
 * the connection is closed. Confined to the connection's event loop; reads only store a
 * timestamp, so the hot path stays cheap.
 */
final class KeepAliveManager {
  /** The PING payload that marks keepalive pings (other pings, e.g. BDP ones, use others). */
  static final long PING_DATA = 0x4b454550414c4956L;

  private final Clock clock;
  private final long timeNanos;
  private final long timeoutNanos;
  private final boolean withoutCalls;
  private final BooleanSupplier hasCalls;
  private final Runnable sendPing;
  private final Runnable onDead;
  private ChannelHandlerContext ctx;
  private long lastReadNanos;
  private ScheduledFuture<?> pingTimer;
  private ScheduledFuture<?> timeoutTimer;
  private boolean stopped;

  /**
   * @param hasCalls whether the connection has active calls (pings wait otherwise, unless
   *     {@code withoutCalls})
   * @param sendPing writes and flushes a PING with {@link #PING_DATA}
   * @param onDead called once when an ACK does not arrive in time
   */
  KeepAliveManager(Clock clock, long timeNanos, long timeoutNanos, boolean withoutCalls,
      BooleanSupplier hasCalls, Runnable sendPing, Runnable onDead) {
    this.clock = clock;
    this.timeNanos = timeNanos;
    this.timeoutNanos = timeoutNanos;
    this.withoutCalls = withoutCalls;
    this.hasCalls = hasCalls;
    this.sendPing = sendPing;
    this.onDead = onDead;
  }

  void start(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    lastReadNanos = clock.nanoTime();
    schedulePing(timeNanos);
  }

  /** Something was read: the peer is alive. */
  void onRead() {
    lastReadNanos = clock.nanoTime();
  }

  void onPingAck() {
    if (timeoutTimer != null) {
      timeoutTimer.cancel(false);
      timeoutTimer = null;
      schedulePing(timeNanos);
    }
  }

  void stop() {
    stopped = true;
    if (pingTimer != null) {
      pingTimer.cancel(false);
    }
    if (timeoutTimer != null) {
      timeoutTimer.cancel(false);
    }
  }

  private void schedulePing(long delayNanos) {
    if (!stopped) {
      pingTimer = clock.schedule(ctx.executor(), this::maybePing, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void maybePing() {
    if (stopped) {
      return;
    }
    long idle = clock.nanoTime() - lastReadNanos;
    if (idle < timeNanos) {
      schedulePing(timeNanos - idle);
      return;
    }
    if (!withoutCalls && !hasCalls.getAsBoolean()) {
      // Nothing to protect; look again later.
      schedulePing(timeNanos);
      return;
    }
    sendPing.run();
    timeoutTimer = clock.schedule(ctx.executor(), () -> {
      if (!stopped) {
        stopped = true;
        onDead.run();
      }
    }, timeoutNanos, TimeUnit.NANOSECONDS);
  }
}
