package io.conduit.internal.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * What both ends of a gRPC HTTP/2 connection do alike: one write queue whose commands leave with
 * the flush that ends each read, keepalive that hears every read, receive windows sized from the
 * measured bandwidth-delay product, and I/O errors told apart from HTTP/2 ones. Everything runs
 * on the connection's event loop except {@link #writeQueue()}.
 */
abstract class GrpcConnectionHandler extends Http2ConnectionHandler {
  /** Stream windows start at 1 MiB instead of HTTP/2's 64 KiB so one stream is not throttled. */
  static final int INITIAL_WINDOW = 1 << 20;

  /**
   * The largest DATA frame we accept (SETTINGS_MAX_FRAME_SIZE): 64 KiB rather than HTTP/2's 16 KiB,
   * so a large message costs a peer that honours it a quarter of the frames (and of the per-frame
   * work on both sides), while streams still interleave at a fine grain.
   */
  static final int MAX_FRAME_SIZE = 64 * 1024;

  private final FlowControlPinger flowControlPinger = new FlowControlPinger(this, INITIAL_WINDOW);
  /** Set when the handler is added; read by the subclasses on the event loop. */
  ChannelHandlerContext ctx;
  private WriteQueue writeQueue;
  private KeepAliveManager keepAlive;

  GrpcConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings) {
    super(decoder, encoder, settings);
  }

  /** The queue application threads hand commands to; set once, before the first command. */
  final void writeQueue(WriteQueue queue) {
    this.writeQueue = queue;
  }

  final WriteQueue writeQueue() {
    return writeQueue;
  }

  /** Keepalive for this connection (null: off); set before the connection is active. */
  final void keepAlive(KeepAliveManager manager) {
    this.keepAlive = manager;
  }

  final KeepAliveManager keepAlive() {
    return keepAlive;
  }

  final ChannelHandlerContext ctx() {
    return ctx;
  }

  /** Checks (with assertions on, as in tests) that the caller runs on this connection's loop. */
  final void assertEventLoop() {
    assert ctx == null || ctx.executor().inEventLoop()
        : "must run on the connection's event loop, not on " + Thread.currentThread().getName();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    super.handlerAdded(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (keepAlive != null) {
      keepAlive.onRead();
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    // What handlers answered during this read goes out with the flush that ends it.
    writeQueue.runQueued();
    super.channelReadComplete(ctx);
  }

  @Override
  public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
      super.exceptionCaught(ctx, cause);
      return;
    }
    ioFailed(ctx, cause);
  }

  /** A failure outside HTTP/2 (I/O, TLS): the connection ends. */
  abstract void ioFailed(ChannelHandlerContext ctx, Throwable cause);

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (keepAlive != null) {
      keepAlive.stop();
    }
    super.channelInactive(ctx);
  }

  /** DATA arrived (flow-control measurement). */
  final void dataRead(int bytes) {
    flowControlPinger.onDataRead(ctx, bytes);
  }

  /** A PING ACK arrived; true when it answered keepalive or flow control. */
  final boolean pingAckRead(long data) {
    if (data == KeepAliveManager.PING_DATA && keepAlive != null) {
      keepAlive.onPingAck();
      return true;
    }
    if (data == FlowControlPinger.PING_DATA) {
      flowControlPinger.onPingAck(ctx);
      return true;
    }
    return false;
  }

  /** A stream's application took {@code bytes}: they return to the receive windows. */
  final void consumeBytes(int streamId, int bytes) {
    FlowWindows.consumeBytes(this, ctx, streamId, bytes);
  }

  /** What both ends' frame listeners share: gRPC sends no priorities, so they are ignored. */
  abstract static class FrameListener extends io.netty.handler.codec.http2.Http2FrameAdapter {
    @Override
    public final void onHeadersRead(ChannelHandlerContext ctx, int streamId,
        io.netty.handler.codec.http2.Http2Headers headers, int streamDependency, short weight,
        boolean exclusive, int padding, boolean endStream)
        throws io.netty.handler.codec.http2.Http2Exception {
      onHeadersRead(ctx, streamId, headers, padding, endStream);
    }
  }

  /** The current receive window (grows with the measured bandwidth-delay product). */
  final int receiveWindow() {
    return flowControlPinger.window();
  }
}
