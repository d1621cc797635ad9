package io.conduit.internal.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Sizes the receive window from the measured bandwidth-delay product, as grpc-java and grpc-go
 * do: a PING goes out with the first DATA after the previous one was acknowledged, and the bytes
 * that arrive before its ACK estimate what one round trip carries. When they fill more than two
 * thirds of the window, the window doubles to twice that estimate (up to {@link #MAX_WINDOW}).
 * Confined to the event loop.
 */
final class FlowControlPinger {
  static final long PING_DATA = 0x4244505f50494e47L;
  static final int MAX_WINDOW = 8 * 1024 * 1024;

  private final Http2ConnectionHandler handler;
  private int window;
  private boolean pinging;
  private long bytesSincePing;

  FlowControlPinger(Http2ConnectionHandler handler, int initialWindow) {
    this.handler = handler;
    this.window = initialWindow;
  }

  int window() {
    return window;
  }

  void onDataRead(ChannelHandlerContext ctx, int bytes) {
    if (window >= MAX_WINDOW) {
      return;
    }
    bytesSincePing += bytes;
    if (!pinging) {
      pinging = true;
      bytesSincePing = bytes;
      handler.encoder().writePing(ctx, false, PING_DATA, ctx.newPromise());
      // Flushed with the connection's next flush (after this read batch).
    }
  }

  void onPingAck(ChannelHandlerContext ctx) {
    pinging = false;
    if (bytesSincePing * 3 < (long) window * 2) {
      return;
    }
    int target = (int) Math.min(MAX_WINDOW, Math.max((long) window * 2, bytesSincePing * 2));
    if (target <= window) {
      return;
    }
    int delta = target - window;
    window = target;
    try {
      // The connection window grows at once; stream windows with the SETTINGS the peer acks.
      Http2Stream connectionStream = handler.connection().connectionStream();
      handler.decoder().flowController().incrementWindowSize(connectionStream, delta);
      handler.encoder().writeSettings(ctx, new Http2Settings().initialWindowSize(target), ctx.newPromise());
      handler.flush(ctx);
    } catch (Http2Exception e) {
      handler.onError(ctx, false, e);
    }
  }
}
