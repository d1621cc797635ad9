package io.conduit.internal.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.lang.System.Logger.Level;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Closes a connection that the server sent a GOAWAY for (an error, an abuse cap, or the end of a
 * graceful drain) in a way that lets the client read that GOAWAY. Closing a socket while client bytes sit unread
 * in its receive buffer makes the kernel send a TCP reset, and the reset throws away whatever the
 * client has not received yet, the GOAWAY included. So instead of closing at once: read and
 * discard input from now on, wait until the GOAWAY is written, shut down output (a FIN after it),
 * go on draining until the client closes or {@link #LINGER_NANOS} have passed, then close.
 *
 * <p>Sits right before the HTTP/2 handler, where the codec's own closes pass. Other closes (the
 * connection guard's timeouts, closes before any GOAWAY, an immediate
 * shutdown) go through at once.
 */
public final class LingeringClose extends ChannelOutboundHandlerAdapter {
  private static final System.Logger LOG = System.getLogger(LingeringClose.class.getName());

  /** How long input is drained after the FIN. */
  static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final BooleanSupplier linger;
  private final long flushTimeoutNanos;
  private boolean started;
  private ScheduledFuture<?> timer;
  private final io.conduit.Clock clock;

  /**
   * @param linger asked at each close: whether this close should linger (an error GOAWAY was sent
   *     and nobody asked for an immediate close); false also cuts a linger short
   * @param flushTimeoutNanos how long to wait for the GOAWAY to be written to a client that does
   *     not read (the server passes its write-stall timeout); {@code Long.MAX_VALUE} for no limit
   */
  public LingeringClose(io.conduit.Clock clock, BooleanSupplier linger, long flushTimeoutNanos) {
    this.clock = clock;
    this.linger = linger;
    this.flushTimeoutNanos = flushTimeoutNanos;
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    Channel ch = ctx.channel();
    if (!ch.isActive() || !linger.getAsBoolean()) {
      cancelTimer();
      ctx.close(promise);
      return;
    }
    ch.closeFuture().addListener(f -> promise.trySuccess());
    if (started) {
      return;
    }
    started = true;
    LOG.log(Level.DEBUG, () -> "closing " + ch + " after the GOAWAY: flush, FIN, drain");
    ch.closeFuture().addListener(f -> cancelTimer());
    // Nothing the client sends matters any more: drop it before TLS and HTTP/2 see it. Drain it
    // even while the GOAWAY waits behind data the client has not read: a client blocked in a
    // write of its own could otherwise never get to reading it.
    ctx.pipeline().addFirst(DiscardInput.INSTANCE);
    ch.config().setAutoRead(true);
    schedule(ctx, flushTimeoutNanos);
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
      if (!written.isSuccess() || !(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
        ctx.close();
        return;
      }
      duplex.shutdownOutput().addListener(shut -> {
        if (!shut.isSuccess()) {
          ctx.close();
          return;
        }
        // The FIN is on its way. Drain on, so that the close finds the receive buffer empty and
        // needs no reset; the client's own close ends this early.
        schedule(ctx, LINGER_NANOS);
      });
    });
  }

  private void schedule(ChannelHandlerContext ctx, long delayNanos) {
    cancelTimer();
    if (delayNanos != Long.MAX_VALUE) {
      timer = clock.schedule(ctx.executor(), () -> {
        ctx.close();
      }, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /**
   * First in the pipeline while a connection lingers: releases whatever is read, and keeps the
   * writability changes from the connection guard, which would stop reading.
   */
  @ChannelHandler.Sharable
  static final class DiscardInput extends ChannelInboundHandlerAdapter {
    static final DiscardInput INSTANCE = new DiscardInput();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      // Nothing was passed on.
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      // Reading is LingeringClose's business now.
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A reset or broken connection while lingering: nothing left to wait for.
      ctx.close();
    }
  }
}
