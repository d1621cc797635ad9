package io.conduit.internal.transport;

import io.conduit.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.StreamBufferingEncoder;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The client side of one HTTP/2 connection. Calls are queued until the server's first SETTINGS
 * arrive; beyond the server's MAX_CONCURRENT_STREAMS, new streams wait in Netty's
 * {@link StreamBufferingEncoder} until a slot frees. Everything here runs on the event loop,
 * except {@link #isUsable()} and {@link #writeQueue()}.
 */
public final class ClientConnectionHandler extends Http2ConnectionHandler {

  /**
   * Told (on the event loop) when the connection is ready for calls, when it can take no more
   * new calls (GOAWAY, or closing), and when it has closed.
   */
  public interface Owner {
    void connectionReady(ClientConnectionHandler connection);

    void connectionUnusable(ClientConnectionHandler connection);

    /** {@code reason} says why, e.g. the connect error. */
    void connectionClosed(ClientConnectionHandler connection, Status reason);

    /** The server said GOAWAY ENHANCE_YOUR_CALM "too_many_pings": ping less often. */
    default void tooManyPings() {}
  }

  /**
   * Client keepalive settings (gRFC A8) and the clock its timers run on; a {@code timeNanos} of
   * Long.MAX_VALUE disables it.
   */
  public record KeepAlive(long timeNanos, long timeoutNanos, boolean withoutCalls, io.conduit.Clock clock) {
    public static final KeepAlive DISABLED = new KeepAlive(Long.MAX_VALUE, 0, false, io.conduit.Clock.SYSTEM);
  }

  private final Owner owner;
  private final IntObjectMap<NettyClientCall<?, ?>> calls = new IntObjectHashMap<>();
  private WriteQueue writeQueue;
  private io.netty.channel.EventLoop eventLoop;
  private volatile io.netty.channel.Channel channel;
  private final KeepAliveManager keepAlive;
  private final FlowControlPinger flowControlPinger;
  private ChannelHandlerContext ctx;
  private volatile boolean usable = true;
  private Status failure;
  private boolean closeWhenIdle;
  /** Over TLS: requests say {@code :scheme https}. */
  private boolean secure;

  private ClientConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, Owner owner, KeepAlive keepAliveSettings) {
    super(decoder, encoder, settings);
    this.owner = owner;
    this.flowControlPinger = new FlowControlPinger(this, ServerConnectionHandler.INITIAL_WINDOW);
    this.keepAlive = keepAliveSettings.timeNanos() == Long.MAX_VALUE ? null : new KeepAliveManager(
        keepAliveSettings.clock(), keepAliveSettings.timeNanos(), keepAliveSettings.timeoutNanos(),
        keepAliveSettings.withoutCalls(), () -> !calls.isEmpty(),
        () -> {
          encoder().writePing(ctx, false, KeepAliveManager.PING_DATA, ctx.newPromise());
          flush(ctx);
        },
        () -> {
          fail(Status.UNAVAILABLE.withDescription("keepalive PING not acknowledged within "
              + java.time.Duration.ofNanos(keepAliveSettings.timeoutNanos()) + ": connection is dead"));
          ctx.channel().close();
        });
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        NettyClientCall<?, ?> call = calls.get(stream.id());
        if (call != null) {
          if (connection().goAwayReceived()
              && stream.id() > connection().local().lastStreamKnownByPeer()) {
            // Beyond the GOAWAY's last stream: the server never processed it.
            call.refused(Status.UNAVAILABLE.withDescription("stream refused by GOAWAY"), call.epoch());
          } else {
            call.streamClosed();
          }
        }
        maybeCloseIdle();
      }

      @Override
      public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
        if (errorCode == Http2Error.ENHANCE_YOUR_CALM.code()
            && "too_many_pings".equals(debugData.toString(java.nio.charset.StandardCharsets.US_ASCII))) {
          owner.tooManyPings();
        }
        markUnusable();
      }
    });
  }

  /** A handler for a connection that will be registered on {@code eventLoop}. */
  public static ClientConnectionHandler create(io.netty.channel.EventLoop eventLoop,
      int maxHeaderListSize, KeepAlive keepAlive, Owner owner) {
    Http2Connection connection = FlowWindows.newConnection(false);
    DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(
        new DefaultHttp2HeadersDecoder(true, maxHeaderListSize));
    Http2ConnectionEncoder encoder = new StreamBufferingEncoder(
        new DefaultHttp2ConnectionEncoder(connection, new DefaultHttp2FrameWriter()));
    Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader);
    Http2Settings settings = new Http2Settings()
        .pushEnabled(false)
        .initialWindowSize(ServerConnectionHandler.INITIAL_WINDOW)
        .maxFrameSize(ServerConnectionHandler.MAX_FRAME_SIZE)
        .maxHeaderListSize(maxHeaderListSize);
    ClientConnectionHandler handler = new ClientConnectionHandler(decoder, encoder, settings, owner,
        keepAlive);
    decoder.frameListener(handler.new FrameListener());
    handler.eventLoop = eventLoop;
    handler.writeQueue = new WriteQueue(eventLoop, handler::flushIfActive);
    return handler;
  }

  /** Whether new calls may use this connection. */
  public boolean isUsable() {
    return usable;
  }

  /**
   * Whether a new call would start at once rather than wait for the server's
   * MAX_CONCURRENT_STREAMS. Read from any thread; a hint, not a promise.
   */
  public boolean hasCapacity() {
    Http2Connection.Endpoint<?> local = connection().local();
    return ((StreamBufferingEncoder) encoder()).numBufferedStreams() == 0
        && local.numActiveStreams() < local.maxActiveStreams();
  }

  WriteQueue writeQueue() {
    return writeQueue;
  }

  io.netty.channel.EventLoop eventLoop() {
    return eventLoop;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  private void flushIfActive() {
    if (ctx != null && ctx.channel().isActive()) {
      flush(ctx);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    this.secure = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    super.handlerAdded(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    FlowWindows.growConnectionWindow(this, ServerConnectionHandler.INITIAL_WINDOW);
    flush(ctx);
    if (keepAlive != null) {
      keepAlive.start(ctx);
    }
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
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (io.netty.handler.codec.http2.Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
      super.exceptionCaught(ctx, cause);
      return;
    }
    // An I/O error ends the connection; its calls fail with the cause.
    fail(Status.UNAVAILABLE.withDescription(cause instanceof TlsSupport.TlsFailure
        ? cause.getMessage() : "connection error: " + cause).withCause(cause));
    ctx.close();
  }

  /** The current receive window (grows with the measured bandwidth-delay product). */
  int receiveWindow() {
    return flowControlPinger.window();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (keepAlive != null) {
      keepAlive.stop();
    }
    fail(Status.UNAVAILABLE.withDescription("connection closed"));
    super.channelInactive(ctx);
    owner.connectionClosed(this, failure);
  }

  /** The connection attempt failed: calls queued for it fail with UNAVAILABLE. */
  public void connectFailed(Throwable cause) {
    fail(Status.UNAVAILABLE.withDescription("failed to connect: " + cause.getMessage()).withCause(cause));
    owner.connectionClosed(this, failure);
  }

  private void fail(Status status) {
    if (failure == null) {
      failure = status;
    }
    markUnusable();
    List<Map.Entry<Integer, NettyClientCall<?, ?>>> open = new ArrayList<>();
    for (IntObjectMap.PrimitiveEntry<NettyClientCall<?, ?>> e : calls.entries()) {
      open.add(Map.entry(e.key(), e.value()));
    }
    calls.clear();
    for (Map.Entry<Integer, NettyClientCall<?, ?>> e : open) {
      if (connection().stream(e.getKey()) == null) {
        // Still waiting in the stream buffer: it never left this client.
        e.getValue().refused(status, e.getValue().epoch());
      } else {
        e.getValue().transportClosed(status);
      }
    }
    // Commands still queued see the failure and fail their calls.
    writeQueue.open();
  }

  private void markUnusable() {
    if (usable) {
      usable = false;
      owner.connectionUnusable(this);
    }
    maybeCloseIdle();
  }

  /** Closes the connection once its last call completes (channel shutdown). */
  public void closeWhenIdle() {
    eventLoop.execute(() -> {
      closeWhenIdle = true;
      markUnusable();
    });
  }

  /** The Netty channel this handler serves, known as soon as the connect starts. */
  public void channel(io.netty.channel.Channel channel) {
    this.channel = channel;
  }

  /** Closes now (or abandons the connect); open calls fail with UNAVAILABLE. */
  public void closeNow() {
    io.netty.channel.Channel ch = channel;
    if (ch != null) {
      ch.close();
    } else {
      eventLoop.execute(() -> connectFailed(new java.io.IOException("closed before connecting")));
    }
  }

  private void maybeCloseIdle() {
    if (ctx != null && calls.isEmpty() && (closeWhenIdle || !usable) && ctx.channel().isActive()
        && connection().numActiveStreams() == 0) {
      ctx.close();
    }
  }

  // ---------------------------------------------------------------- used by calls

  /** Opens a stream for attempt {@code attempt} of {@code call}; runs from the write queue. */
  void newStream(NettyClientCall<?, ?> call, Http2Headers headers, int attempt) {
    if (failure != null) {
      call.refused(failure, attempt);
      return;
    }
    if (connection().goAwayReceived()) {
      call.refused(Status.UNAVAILABLE.withDescription("connection is going away"), attempt);
      return;
    }
    int id = connection().local().incrementAndGetNextStreamId();
    if (id < 0) {
      markUnusable();
      call.refused(Status.UNAVAILABLE.withDescription("stream ids exhausted; reconnecting"), attempt);
      return;
    }
    calls.put(id, call);
    call.streamCreated(id);
    encoder().writeHeaders(ctx, id, headers, 0, false, ctx.newPromise()).addListener(f -> {
      if (!f.isSuccess()) {
        // Never sent (e.g. buffered behind MAX_CONCURRENT_STREAMS when a GOAWAY came).
        call.refused(Status.UNAVAILABLE.withDescription("failed to start the call: "
            + f.cause().getMessage()).withCause(f.cause()), attempt);
      }
    });
  }

  /** Whether the connection runs over TLS (requests then say {@code :scheme https}). */
  boolean isSecure() {
    return secure;
  }

  ChannelFuture writeData(int streamId, ByteBuf data, boolean endStream) {
    return encoder().writeData(ctx, streamId, data, 0, endStream, ctx.newPromise());
  }

  void writeData(int streamId, ByteBuf data, boolean endStream, ChannelFutureListener onDone) {
    writeData(streamId, data, endStream).addListener(onDone);
  }

  void reset(int streamId, Http2Error error) {
    resetStream(ctx, streamId, error.code(), ctx.newPromise());
  }

  /** A call ended while this side of its stream is still open: close it so the slot frees. */
  void resetIfLocalOpen(int streamId) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null && stream.state().localSideOpen()) {
      resetStream(ctx, streamId, Http2Error.CANCEL.code(), ctx.newPromise());
    }
  }

  void consumeBytes(int streamId, int bytes) {
    FlowWindows.consumeBytes(this, ctx, streamId, bytes);
  }

  /** The call is over: forget it, and close the connection if it was waiting for that. */
  void remove(int streamId) {
    if (streamId > 0) {
      calls.remove(streamId);
      maybeCloseIdle();
    }
  }

  boolean failed() {
    return failure != null;
  }

  Status failure() {
    return failure;
  }

  // ---------------------------------------------------------------- inbound frames

  private final class FrameListener extends Http2FrameAdapter {
    private boolean settingsReceived;

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
      if (!settingsReceived) {
        settingsReceived = true;
        // Only now do we know the server's stream limit: let queued calls start.
        writeQueue.open();
        if (usable) {
          owner.connectionReady(ClientConnectionHandler.this);
        }
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
        int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
      onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
        int padding, boolean endStream) {
      NettyClientCall<?, ?> call = calls.get(streamId);
      if (call != null) {
        call.inboundHeaders(headers, endStream);
      }
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
        boolean endOfStream) {
      flowControlPinger.onDataRead(ctx, data.readableBytes() + padding);
      NettyClientCall<?, ?> call = calls.get(streamId);
      if (call == null) {
        return data.readableBytes() + padding;
      }
      call.inboundData(data.retain(), endOfStream);
      return padding;
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      if (data == KeepAliveManager.PING_DATA && keepAlive != null) {
        keepAlive.onPingAck();
      } else if (data == FlowControlPinger.PING_DATA) {
        flowControlPinger.onPingAck(ctx);
      }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      NettyClientCall<?, ?> call = calls.get(streamId);
      if (call != null) {
        call.inboundReset(errorCode);
      }
    }
  }
}
