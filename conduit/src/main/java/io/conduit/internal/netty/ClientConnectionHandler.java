package io.conduit.internal.netty;

import io.conduit.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.StreamBufferingEncoder;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.StreamRequest;
import io.netty.util.AsciiString;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The client side of one HTTP/2 connection. Calls are queued until the server's first SETTINGS
 * arrive; beyond the server's MAX_CONCURRENT_STREAMS, new streams wait in Netty's
 * {@link StreamBufferingEncoder} until a slot frees. Everything here runs on the event loop,
 * except {@link #isUsable()} and {@link #writeQueue()}.
 */
final class ClientConnectionHandler extends GrpcConnectionHandler implements ClientConnection {

  /**
   * Client keepalive settings (gRFC A8) and the clock its timers run on; a {@code timeNanos} of
   * Long.MAX_VALUE disables it.
   */
  record KeepAlive(long timeNanos, long timeoutNanos, boolean withoutCalls, io.conduit.Clock clock) {}

  private final ClientConnection.Listener owner;
  /** The factory's part of too_many_pings: new connections ping less often. */
  private final Runnable tooManyPings;
  private final AsciiString authority;
  private final AsciiString userAgent;
  private final IntObjectMap<NettyClientStream> calls = new IntObjectHashMap<>();
  private io.netty.channel.EventLoop eventLoop;
  private volatile io.netty.channel.Channel channel;
  private volatile boolean usable = true;
  private Status failure;
  /** The GOAWAY the server sent before anything else ended the connection, or null. */
  private Status goAway;
  private boolean closeWhenIdle;
  /** Over TLS: requests say {@code :scheme https}. */
  private boolean secure;
  private FrameListener frames;
  /** The TCP_USER_TIMEOUT the connection was made with (the keepalive timeout), or null. */
  private final Duration userTimeout;

  private ClientConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings settings, ClientConnection.Listener owner, Runnable tooManyPings,
      KeepAlive keepAliveSettings, AsciiString authority, AsciiString userAgent) {
    super(decoder, encoder, settings, keepAliveSettings.clock());
    this.owner = owner;
    this.tooManyPings = tooManyPings;
    this.authority = authority;
    this.userAgent = userAgent;
    this.userTimeout = keepAliveSettings.timeNanos() == Long.MAX_VALUE
        ? null : Duration.ofNanos(keepAliveSettings.timeoutNanos());
    keepAlive(keepAliveSettings.timeNanos() == Long.MAX_VALUE ? null : new KeepAliveManager(
        keepAliveSettings.clock(), keepAliveSettings.timeNanos(), keepAliveSettings.timeoutNanos(),
        keepAliveSettings.withoutCalls(), () -> !calls.isEmpty(),
        () -> {
          stats.keepAliveSent();
          encoder().writePing(ctx, false, KeepAliveManager.PING_DATA, ctx.newPromise());
          flush(ctx);
        },
        () -> {
          fail(Status.UNAVAILABLE.withDescription("keepalive PING not acknowledged within "
              + java.time.Duration.ofNanos(keepAliveSettings.timeoutNanos()) + ": connection is dead"));
          ctx.channel().close();
        }));
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        NettyClientStream call = calls.get(stream.id());
        if (call != null) {
          if (connection().goAwayReceived()
              && stream.id() > connection().local().lastStreamKnownByPeer()) {
            // Beyond the GOAWAY's last stream: the server never processed it.
            call.refused(Status.UNAVAILABLE.withDescription("stream refused by GOAWAY"));
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
          tooManyPings.run();
          owner.tooManyPings();
        }
        if (failure == null && goAway == null) {
          // Why the connection ends, when it does (gRFC A94's disconnect error: the first reason).
          Http2Error error = Http2Error.valueOf(errorCode);
          goAway = Status.UNAVAILABLE.withDescription("GOAWAY "
              + (error == null ? "0x" + Long.toHexString(errorCode) : error.name()));
        }
        markUnusable();
      }
    });
  }

  /** A handler for a connection that will be registered on {@code eventLoop}. */
  static ClientConnectionHandler create(io.netty.channel.EventLoop eventLoop,
      int maxHeaderListSize, KeepAlive keepAlive, ClientConnection.Listener owner,
      Runnable tooManyPings, AsciiString authority, AsciiString userAgent) {
    Http2Connection connection = FlowWindows.newConnection(false);
    DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(
        new DefaultHttp2HeadersDecoder(true, false, maxHeaderListSize));
    Http2ConnectionEncoder encoder = new StreamBufferingEncoder(
        new DefaultHttp2ConnectionEncoder(connection, FrameWriters.create()));
    Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader);
    Http2Settings settings = new Http2Settings()
        .pushEnabled(false)
        .initialWindowSize(INITIAL_WINDOW)
        .maxFrameSize(MAX_FRAME_SIZE)
        .maxHeaderListSize(maxHeaderListSize);
    ClientConnectionHandler handler = new ClientConnectionHandler(decoder, encoder, settings, owner,
        tooManyPings, keepAlive, authority, userAgent);
    handler.frames = handler.new FrameListener();
    decoder.frameListener(handler.frames);
    handler.eventLoop = eventLoop;
    handler.writeQueue(new WriteQueue(eventLoop, handler::flushIfActive));
    return handler;
  }

  @Override
  public ClientStream newStream(StreamRequest request) {
    return new NettyClientStream(this, request);
  }

  @Override
  public void shutdown() {
    closeWhenIdle();
  }

  @Override
  public void shutdownNow() {
    closeNow();
  }

  @Override
  public io.conduit.internal.channelz.SocketView socket() {
    return this;
  }

  AsciiString authority() {
    return authority;
  }

  AsciiString userAgent() {
    return userAgent;
  }

  /** Whether new calls may use this connection. */
  @Override
  public boolean isUsable() {
    return usable;
  }

  /**
   * Whether a new call would start at once rather than wait for the server's
   * MAX_CONCURRENT_STREAMS. Read from any thread; a hint, not a promise.
   */
  @Override
  public boolean hasCapacity() {
    Http2Connection.Endpoint<?> local = connection().local();
    return ((StreamBufferingEncoder) encoder()).numBufferedStreams() == 0
        && local.numActiveStreams() < local.maxActiveStreams();
  }

  io.netty.channel.EventLoop eventLoop() {
    return eventLoop;
  }

  private void flushIfActive() {
    if (ctx != null && ctx.channel().isActive()) {
      flush(ctx);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.secure = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    super.handlerAdded(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    FlowWindows.growConnectionWindow(this, INITIAL_WINDOW);
    flush(ctx);
    if (keepAlive() != null) {
      keepAlive().start(ctx);
    }
  }

  @Override
  void ioFailed(ChannelHandlerContext ctx, Throwable cause) {
    // An I/O error ends the connection; its calls fail with the cause.
    String description;
    if (cause instanceof TlsSupport.TlsFailure) {
      description = cause.getMessage();
    } else if (beforeServerSettings() && String.valueOf(cause.getMessage()).matches(
        "(?s).*Hex dump for first 5 bytes: 1[56]03.*")) {
      // Netty quotes the first bytes, and these are a TLS record: the server speaks TLS.
      description = "the server answered with TLS, but this channel is plaintext: "
          + USE_TLS;
    } else if (EventLoops.isTimedOut(cause)) {
      description = EventLoops.describeTimeout("server", userTimeout) + ": " + cause.getMessage();
    } else {
      description = "connection error: " + cause;
    }
    fail(Status.UNAVAILABLE.withDescription(description).withCause(cause));
    ctx.close();
  }

  private static final String USE_TLS = "configure TLS with Channel.Builder.tls() or "
      + "tls(ChannelTls)";

  /** Whether the connection is plaintext and the server has not said a word of HTTP/2 yet. */
  private boolean beforeServerSettings() {
    return !secure && frames != null && !frames.settingsReceived;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    // A TLS server closes a connection that opens with HTTP/2's plaintext preface.
    fail(Status.UNAVAILABLE.withDescription(beforeServerSettings()
        ? "connection closed before the server sent its HTTP/2 settings: the server may expect "
            + "TLS (" + USE_TLS + "), or not speak HTTP/2"
        : "connection closed"));
    super.channelInactive(ctx);
    owner.connectionClosed(this, goAway != null ? goAway : failure);
  }

  /** The connection attempt failed: calls queued for it fail with UNAVAILABLE. */
  void connectFailed(String description, Throwable cause) {
    fail(Status.UNAVAILABLE.withDescription(description).withCause(cause));
    owner.connectionClosed(this, failure);
  }

  private void fail(Status status) {
    if (failure == null) {
      failure = status;
    }
    markUnusable();
    List<Map.Entry<Integer, NettyClientStream>> open = new ArrayList<>();
    for (IntObjectMap.PrimitiveEntry<NettyClientStream> e : calls.entries()) {
      open.add(Map.entry(e.key(), e.value()));
    }
    calls.clear();
    for (Map.Entry<Integer, NettyClientStream> e : open) {
      if (connection().stream(e.getKey()) == null) {
        // Still waiting in the stream buffer: it never left this client.
        e.getValue().refused(status);
      } else {
        e.getValue().transportClosed(status);
      }
    }
    // Commands still queued see the failure and fail their calls.
    writeQueue().open();
  }

  private void markUnusable() {
    if (usable) {
      usable = false;
      owner.connectionUnusable(this);
    }
    maybeCloseIdle();
  }

  /** Closes the connection once its last call completes (channel shutdown). */
  private void closeWhenIdle() {
    eventLoop.execute(() -> {
      closeWhenIdle = true;
      markUnusable();
    });
  }

  /** The Netty channel this handler serves, known as soon as the connect starts. */
  void channel(io.netty.channel.Channel channel) {
    this.channel = channel;
  }

  /** Closes now (or abandons the connect); open calls fail with UNAVAILABLE. */
  private void closeNow() {
    io.netty.channel.Channel ch = channel;
    if (ch != null) {
      ch.close();
    } else {
      eventLoop.execute(() -> connectFailed("closed before connecting",
          new java.io.IOException("closed before connecting")));
    }
  }

  private void maybeCloseIdle() {
    if (ctx != null && calls.isEmpty() && (closeWhenIdle || !usable) && ctx.channel().isActive()
        && connection().numActiveStreams() == 0) {
      ctx.close();
    }
  }

  // ---------------------------------------------------------------- used by calls

  /** Opens the HTTP/2 stream of {@code call}; runs from the write queue. */
  void newStream(NettyClientStream call, Http2Headers headers) {
    assertEventLoop();
    if (failure != null) {
      call.refused(failure);
      return;
    }
    if (connection().goAwayReceived()) {
      call.refused(Status.UNAVAILABLE.withDescription("connection is going away"));
      return;
    }
    int id = connection().local().incrementAndGetNextStreamId();
    if (id < 0) {
      markUnusable();
      call.refused(Status.UNAVAILABLE.withDescription("stream ids exhausted; reconnecting"));
      return;
    }
    calls.put(id, call);
    stats.localStreamStarted();
    call.streamCreated(id);
    encoder().writeHeaders(ctx, id, headers, 0, false, ctx.newPromise()).addListener(f -> {
      if (!f.isSuccess()) {
        // Never sent (e.g. buffered behind MAX_CONCURRENT_STREAMS when a GOAWAY came).
        call.refused(Status.UNAVAILABLE.withDescription("failed to start the call: "
            + f.cause().getMessage()).withCause(f.cause()));
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

  /** The call is over: forget it, and close the connection if it was waiting for that. */
  void remove(int streamId) {
    if (streamId > 0) {
      calls.remove(streamId);
      maybeCloseIdle();
    }
  }

  // ---------------------------------------------------------------- inbound frames

  private final class FrameListener extends GrpcConnectionHandler.FrameListener {
    private boolean settingsReceived;

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
      if (!settingsReceived) {
        settingsReceived = true;
        // Only now do we know the server's stream limit: let queued calls start.
        writeQueue().open();
        if (usable) {
          owner.connectionReady(ClientConnectionHandler.this);
        }
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
        int padding, boolean endStream) {
      NettyClientStream call = calls.get(streamId);
      if (call != null) {
        call.inboundHeaders(headers, endStream);
      }
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
        boolean endOfStream) {
      dataRead(data.readableBytes() + padding);
      NettyClientStream call = calls.get(streamId);
      if (call == null) {
        return data.readableBytes() + padding;
      }
      call.inboundData(data.retain(), endOfStream);
      return padding;
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      pingAckRead(data);
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      NettyClientStream call = calls.get(streamId);
      if (call != null) {
        call.inboundReset(errorCode);
      }
    }
  }
}
