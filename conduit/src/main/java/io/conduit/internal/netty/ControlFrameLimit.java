package io.conduit.internal.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;

/**
 * Caps the control frames a peer makes the server write but does not read (SETTINGS and PING
 * acknowledgements, resets): past {@code max} unwritten, the connection ends with GOAWAY
 * ENHANCE_YOUR_CALM. Netty has the same guard, but only its builder can make it, and that builder
 * cannot take Conduit's frame writer ({@link FrameWriters}).
 */
final class ControlFrameLimit extends DecoratingHttp2ConnectionEncoder {
  private final int max;
  private int queued;
  private final ChannelFutureListener written = f -> queued--;
  private Http2LifecycleManager lifecycle;
  private boolean tripped;

  ControlFrameLimit(Http2ConnectionEncoder delegate, int max) {
    super(delegate);
    if (max <= 0) {
      throw new IllegalArgumentException("max must be > 0: " + max);
    }
    this.max = max;
  }

  @Override
  public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
    this.lifecycle = lifecycleManager;
    super.lifecycleManager(lifecycleManager);
  }

  @Override
  public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
    return super.writeSettingsAck(ctx, counted(ctx, promise));
  }

  @Override
  public ChannelFuture writePing(ChannelHandlerContext ctx, boolean ack, long data,
      ChannelPromise promise) {
    // The server's own pings (keepalive, flow-control probes) are not the peer's doing.
    return super.writePing(ctx, ack, data, ack ? counted(ctx, promise) : promise);
  }

  @Override
  public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
      ChannelPromise promise) {
    return super.writeRstStream(ctx, streamId, errorCode, counted(ctx, promise));
  }

  /** Counts one more control frame until {@code promise} completes; trips at the limit. */
  private ChannelPromise counted(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (tripped) {
      return promise;
    }
    if (queued >= max) {
      // What is queued may only be waiting for a flush, not for the peer.
      ctx.flush();
    }
    if (queued >= max) {
      tripped = true;
      lifecycle.onError(ctx, true, Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
          "more than %d control frames queued for a peer that does not read", max));
      ctx.close();
      return promise;
    }
    queued++;
    return promise.unvoid().addListener(written);
  }
}
