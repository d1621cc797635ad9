package io.conduit.internal.netty;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.lang.System.Logger.Level;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Guards one server connection against clients that hold resources without playing along; sits
 * before the HTTP/2 handler (after TLS, if any).
 *
 * <ul>
 *   <li>Slowloris: the TLS handshake and the HTTP/2 preface (with the client's first SETTINGS)
 *       must be complete within the handshake timeout, or the connection closes.
 *   <li>A client that does not read: while the outbound buffer is over its high-water mark the
 *       server stops reading from the client (so it cannot make the server queue more responses,
 *       acknowledgements or resets), and if that lasts longer than the write-stall timeout the
 *       connection closes.
 * </ul>
 */
public final class ConnectionGuard extends ChannelDuplexHandler {
  private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());

  private final long handshakeTimeoutNanos;
  private final long writeStallTimeoutNanos;
  private final BooleanSupplier prefaceReceived;
  private ScheduledFuture<?> prefaceTimer;
  private ScheduledFuture<?> stallTimer;
  private final io.conduit.Clock clock;
  private boolean prefaceDone;

  /**
   * @param prefaceReceived whether the HTTP/2 handler has the client's preface and SETTINGS
   */
  public ConnectionGuard(io.conduit.Clock clock, long handshakeTimeoutNanos,
      long writeStallTimeoutNanos, BooleanSupplier prefaceReceived) {
    this.clock = clock;
    this.handshakeTimeoutNanos = handshakeTimeoutNanos;
    this.writeStallTimeoutNanos = writeStallTimeoutNanos;
    this.prefaceReceived = prefaceReceived;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      startPrefaceTimer(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    startPrefaceTimer(ctx);
    super.channelActive(ctx);
  }

  private void startPrefaceTimer(ChannelHandlerContext ctx) {
    if (prefaceTimer != null || prefaceDone || handshakeTimeoutNanos == Long.MAX_VALUE) {
      return;
    }
    prefaceTimer = clock.schedule(ctx.executor(), () -> {
      if (!prefaceDone && !prefaceReceived.getAsBoolean()) {
        LOG.log(Level.DEBUG, () -> "closing " + ctx.channel() + ": no TLS handshake and HTTP/2 "
            + "preface within " + TimeUnit.NANOSECONDS.toMillis(handshakeTimeoutNanos) + " ms");
        ctx.close();
      }
    }, handshakeTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ctx.fireChannelRead(msg);
    if (!prefaceDone && prefaceReceived.getAsBoolean()) {
      prefaceDone = true;
      cancel(prefaceTimer);
      // A cancelled timer still holds its task and the context: some 100 bytes of every idle
      // connection, kept for nothing.
      prefaceTimer = null;
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    boolean writable = ctx.channel().isWritable();
    // Reading on while the client does not read would let it pile up our answers in memory.
    ctx.channel().config().setAutoRead(writable);
    if (writable) {
      cancel(stallTimer);
      stallTimer = null;
    } else if (stallTimer == null && writeStallTimeoutNanos != Long.MAX_VALUE) {
      stallTimer = clock.schedule(ctx.executor(), () -> {
        if (!ctx.channel().isWritable()) {
          LOG.log(Level.DEBUG, () -> "closing " + ctx.channel() + ": the client has read nothing for "
              + TimeUnit.NANOSECONDS.toMillis(writeStallTimeoutNanos) + " ms");
          ctx.close();
        }
      }, writeStallTimeoutNanos, TimeUnit.NANOSECONDS);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel(prefaceTimer);
    cancel(stallTimer);
    super.channelInactive(ctx);
  }

  private static void cancel(ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
