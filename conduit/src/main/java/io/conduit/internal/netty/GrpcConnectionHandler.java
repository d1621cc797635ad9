package io.conduit.internal.netty;

import io.conduit.internal.channelz.ChannelzIds;
import io.conduit.internal.channelz.SocketFigures;
import io.conduit.internal.channelz.SocketStats;
import io.conduit.internal.channelz.SocketView;
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
abstract class GrpcConnectionHandler extends Http2ConnectionHandler implements SocketView {
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
  /** Channelz's id for this connection and its figures (written on the event loop only). */
  private final long socketId = ChannelzIds.next();
  final SocketStats stats = new SocketStats();
  /** The clock the figures' times are read from. */
  final io.conduit.Clock clock;
  /** The connection, for its addresses from any thread; set when the handler is added. */
  private volatile io.netty.channel.Channel nettyChannel;

  GrpcConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, io.conduit.Clock clock) {
    super(decoder, encoder, settings);
    this.clock = clock;
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
    this.nettyChannel = ctx.channel();
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
    // The streams and messages this read brought are dated now: one clock read per read.
    if (stats.undated()) {
      stats.stamp(clock.nanoTime());
    }
    // What handlers answered during this read goes out with the flush that ends it.
    writeQueue.runQueued();
    super.channelReadComplete(ctx);
  }

  /** Dates the streams and messages written since the last flush: one clock read per batch. */
  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (stats.undated()) {
      stats.stamp(clock.nanoTime());
    }
    super.flush(ctx);
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

  // ---------------------------------------------------------------- channelz

  @Override
  public final long socketId() {
    return socketId;
  }

  @Override
  public final java.net.SocketAddress localAddress() {
    io.netty.channel.Channel ch = nettyChannel;
    return ch == null || ch.localAddress() == null ? null : EventLoops.fromNetty(ch.localAddress());
  }

  @Override
  public final java.net.SocketAddress remoteAddress() {
    io.netty.channel.Channel ch = nettyChannel;
    return ch == null || ch.remoteAddress() == null ? null : EventLoops.fromNetty(ch.remoteAddress());
  }

  /** Taken on the event loop, so that the plain fields the loop writes are read there too. */
  @Override
  public final java.util.concurrent.CompletableFuture<SocketFigures> figures() {
    java.util.concurrent.CompletableFuture<SocketFigures> result = new java.util.concurrent.CompletableFuture<>();
    ChannelHandlerContext c = ctx;
    if (c == null || c.executor().inEventLoop()) {
      completeWithFigures(result);
      return result;
    }
    try {
      c.executor().execute(() -> completeWithFigures(result));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The loop has stopped, and with it every write: what the fields hold is final.
      completeWithFigures(result);
    }
    return result;
  }

  private void completeWithFigures(java.util.concurrent.CompletableFuture<SocketFigures> result) {
    try {
      result.complete(figuresOnLoop());
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
  }

  /** The figures now; on the event loop (or once it has stopped). */
  final SocketFigures figuresOnLoop() {
    io.netty.handler.codec.http2.Http2Stream connectionStream = connection().connectionStream();
    long local;
    long remote;
    try {
      local = encoder().flowController().windowSize(connectionStream);
      remote = decoder().flowController().windowSize(connectionStream);
    } catch (RuntimeException e) {
      // The connection has closed and its flow controllers let go of it.
      local = -1;
      remote = -1;
    }
    return stats.figures(clock.nanoTime(), local, remote, tls());
  }

  private SocketFigures.Tls tls() {
    ChannelHandlerContext c = ctx;
    io.netty.handler.ssl.SslHandler ssl = c == null ? null : c.pipeline().get(io.netty.handler.ssl.SslHandler.class);
    if (ssl == null) {
      return null;
    }
    javax.net.ssl.SSLSession session = ssl.engine().getSession();
    java.security.cert.Certificate[] mine = session.getLocalCertificates();
    java.security.cert.Certificate[] theirs;
    try {
      theirs = session.getPeerCertificates();
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      theirs = null;
    }
    return new SocketFigures.Tls(session.getCipherSuite(), encoded(mine), encoded(theirs));
  }

  private static byte[] encoded(java.security.cert.Certificate[] chain) {
    if (chain == null || chain.length == 0) {
      return null;
    }
    try {
      return chain[0].getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      return null;
    }
  }
}
