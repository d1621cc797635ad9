package io.conduit.internal.netty;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * How one server connection ends when nothing is wrong with it (gRFC A9): after
 * {@code maxConnectionIdle} without calls, after {@code maxConnectionAge} (with +/- 10 % jitter)
 * plus its grace, or when the server shuts down. Each ends in the two-step GOAWAY: first one with
 * the largest stream id and a PING, so that streams already on their way are still accepted;
 * after the PING's ACK (or 10 s) the real last stream id; the connection closes when its calls
 * finish, or when the grace runs out. Confined to the connection's event loop.
 */
final class ServerConnectionLifecycle {
  /** PING payload of the round trip between the two GOAWAYs. */
  static final long GRACEFUL_SHUTDOWN_PING = 0x47524143454655L;
  /** How long the first GOAWAY waits for its PING's ACK before the second one goes anyway. */
  static final long SECOND_GOAWAY_FALLBACK_NANOS = TimeUnit.SECONDS.toNanos(10);
  static final long NEVER = Long.MAX_VALUE;

  /** What the lifecycle does to its connection. */
  interface Connection {
    int activeStreams();

    /** Whether the connection can still be shut down gracefully (open, no error GOAWAY sent). */
    boolean canDrain();

    /** The first GOAWAY (largest stream id, {@code debug}) and the PING, flushed. */
    void firstGoAway(String debug, long pingData);

    /** The final GOAWAY (last stream id) and a close that waits for the calls. */
    void finalGoAway();

    /** Closes now, whatever calls are left (the grace is over). */
    void closeNow();
  }

  private final io.conduit.Clock clock;
  private final Connection connection;
  private final long maxIdleNanos;
  private final long maxAgeNanos;
  private final long maxAgeGraceNanos;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> ageTimer;
  private ScheduledFuture<?> secondGoAwayTimer;
  private ScheduledFuture<?> graceTimer;
  private boolean draining;
  private long graceNanos = NEVER;

  /** Durations in nanoseconds, {@link #NEVER} for no limit. */
  ServerConnectionLifecycle(io.conduit.Clock clock, Connection connection, long maxIdleNanos,
      long maxAgeNanos, long maxAgeGraceNanos) {
    this.clock = clock;
    this.connection = connection;
    this.maxIdleNanos = maxIdleNanos;
    this.maxAgeNanos = maxAgeNanos;
    this.maxAgeGraceNanos = maxAgeGraceNanos;
  }

  /** The connection is up: the idle and age clocks start. */
  void start(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    scheduleIdleTimer();
    if (maxAgeNanos != NEVER) {
      // +/- 10 % jitter, so connections made together do not all go away together.
      long age = (long) (maxAgeNanos * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()));
      ageTimer = clock.schedule(ctx.executor(), () -> drain("max_age", maxAgeGraceNanos),
          age, TimeUnit.NANOSECONDS);
    }
  }

  void streamOpened() {
    assert ctx.executor().inEventLoop();
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  void streamClosed() {
    assert ctx.executor().inEventLoop();
    if (connection.activeStreams() == 0) {
      scheduleIdleTimer();
    }
  }

  private void scheduleIdleTimer() {
    if (maxIdleNanos == NEVER || ctx == null || draining || idleTimer != null) {
      return;
    }
    idleTimer = clock.schedule(ctx.executor(), () -> {
      idleTimer = null;
      if (connection.activeStreams() == 0) {
        drain("max_idle", NEVER);
      }
    }, maxIdleNanos, TimeUnit.NANOSECONDS);
  }

  /** Starts the two-step GOAWAY; the calls get {@code graceNanos} to finish after the second. */
  void drain(String reason, long graceNanos) {
    assert ctx.executor().inEventLoop();
    if (draining || !connection.canDrain()) {
      return;
    }
    draining = true;
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    this.graceNanos = graceNanos;
    connection.firstGoAway(reason, GRACEFUL_SHUTDOWN_PING);
    secondGoAwayTimer = clock.schedule(ctx.executor(), this::secondGoAway,
        SECOND_GOAWAY_FALLBACK_NANOS, TimeUnit.NANOSECONDS);
  }

  /** A PING ACK arrived; true when it was the lifecycle's own. */
  boolean onPingAck(long data) {
    if (data != GRACEFUL_SHUTDOWN_PING || !draining) {
      return false;
    }
    secondGoAway();
    return true;
  }

  private void secondGoAway() {
    if (secondGoAwayTimer != null) {
      secondGoAwayTimer.cancel(false);
      secondGoAwayTimer = null;
    }
    if (!ctx.channel().isActive()) {
      return;
    }
    if (graceNanos != NEVER) {
      graceTimer = clock.schedule(ctx.executor(), connection::closeNow, Math.max(0, graceNanos),
          TimeUnit.NANOSECONDS);
    }
    connection.finalGoAway();
  }

  /** The connection closed: no timer may outlive it. */
  void stop() {
    for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {idleTimer, ageTimer, secondGoAwayTimer, graceTimer}) {
      if (t != null) {
        t.cancel(false);
      }
    }
  }
}
