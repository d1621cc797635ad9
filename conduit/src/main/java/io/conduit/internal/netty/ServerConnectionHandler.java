package io.conduit.internal.netty;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.GrpcTimeout;
import io.conduit.internal.transport.ServerTransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
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
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * The server side of one HTTP/2 connection: turns request streams into calls, and calls' writes
 * into frames. Everything here runs on the connection's event loop.
 */
public final class ServerConnectionHandler extends GrpcConnectionHandler implements ServerConnection {
  private static final System.Logger LOG = System.getLogger(ServerConnectionHandler.class.getName());

  private static final long NONE = ServerConnectionLifecycle.NEVER;

  /**
   * What a connection needs to know about its server: where its streams go, and its limits.
   * Durations are nanoseconds, {@code Long.MAX_VALUE} for "never".
   */
  public record ServerSettings(ServerTransportListener streams, int maxInboundMessageSize, int maxConcurrentStreams,
      int maxHeaderListSize, long keepAliveTimeNanos, long keepAliveTimeoutNanos,
      long permitKeepAliveTimeNanos, boolean permitKeepAliveWithoutCalls,
      long maxConnectionIdleNanos, long maxConnectionAgeNanos, long maxConnectionAgeGraceNanos,
      AbuseLimits limits, io.conduit.Clock clock, WebServer web) {}

  private final ServerSettings settings;
  private final Http2Connection.PropertyKey callKey;
  /** The body of a request the web protocols serve (only when they are on). */
  private final Http2Connection.PropertyKey webKey;
  private final KeepAliveEnforcer keepAliveEnforcer;
  private final ResetBudget resetBudget;
  private Runnable onClosed = () -> {};
  private final ServerConnectionLifecycle lifecycle;
  /** A GOAWAY for an error went out: the connection is done for, and its close lingers. */
  private boolean closingOnError;
  /**
   * The final GOAWAY of a graceful drain went out: the close lingers too, since a busy client may
   * still be sending streams beyond it and must get to read which ones to retry.
   */
  private boolean goneAway;
  /** Someone asked for an immediate close ({@link #shutdown} now): no lingering. */
  private boolean closingNow;
  /** The :authority the last call named (see {@link #authority}). */
  private String lastAuthority;

  private ServerConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings initialSettings, ServerSettings settings) {
    super(decoder, encoder, initialSettings, settings.clock());
    this.settings = settings;
    this.callKey = connection().newKey();
    this.webKey = connection().newKey();
    this.keepAliveEnforcer = new KeepAliveEnforcer(settings.clock(), settings.permitKeepAliveTimeNanos(),
        settings.permitKeepAliveWithoutCalls());
    this.resetBudget = settings.limits().newResetBudget(settings.clock());
    this.lifecycle = new ServerConnectionLifecycle(settings.clock(), new LifecycleActions(),
        settings.maxConnectionIdleNanos(), settings.maxConnectionAgeNanos(),
        settings.maxConnectionAgeGraceNanos());
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamActive(Http2Stream stream) {
        lifecycle.streamOpened();
      }

      @Override
      public void onStreamClosed(Http2Stream stream) {
        NettyServerStream call = stream.getProperty(callKey);
        if (call != null) {
          call.transportCancelled(Status.CANCELLED.withDescription("stream closed"));
        }
        WebServer.RequestBody web = stream.removeProperty(webKey);
        if (web != null) {
          web.clientGone();
        }
        lifecycle.streamClosed();
      }
    });
    // Wait for in-flight calls as long as they take; shutdownNow() forces the close.
    gracefulShutdownTimeoutMillis(-1);
  }

  public static ServerConnectionHandler create(ServerSettings settings) {
    Http2Connection connection = FlowWindows.newConnection(true);
    Http2Settings initial = new Http2Settings()
        .maxConcurrentStreams(settings.maxConcurrentStreams())
        .initialWindowSize(INITIAL_WINDOW)
        .maxFrameSize(MAX_FRAME_SIZE)
        .maxHeaderListSize(settings.maxHeaderListSize());
    // Netty's guards against floods (rapid reset, control frames, empty and CONTINUATION frames).
    ServerConnectionHandler handler = settings.limits().buildServer(connection, initial, -1,
        (decoder, encoder, s) -> new ServerConnectionHandler(decoder, encoder, s, settings));
    handler.decoder().frameListener(handler.new FrameListener());
    return handler;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    WriteQueue queue = new WriteQueue(ctx.executor(), () -> flush(ctx));
    writeQueue(queue);
    queue.open();
    super.handlerAdded(ctx);
    FlowWindows.growConnectionWindow(this, INITIAL_WINDOW);
    if (settings.keepAliveTimeNanos() != NONE) {
      KeepAliveManager keepAlive = new KeepAliveManager(settings.clock(), settings.keepAliveTimeNanos(),
          settings.keepAliveTimeoutNanos(), true, () -> connection().numActiveStreams() > 0,
          () -> {
            stats.keepAliveSent();
            encoder().writePing(ctx, false, KeepAliveManager.PING_DATA, ctx.newPromise());
            flush(ctx);
          },
          () -> {
            LOG.log(Level.DEBUG, "client did not answer a keepalive PING; closing " + ctx.channel());
            // At once, past the graceful close: that one waits for the calls, and the calls of a
            // dead client never end by themselves (its handlers must see them cancelled).
            closingNow = true;
            ctx.close();
          });
      keepAlive(keepAlive);
      keepAlive.start(ctx);
    }
    lifecycle.start(ctx);
  }

  /** What the lifecycle does to this connection: the GOAWAYs and the graceful close. */
  private final class LifecycleActions implements ServerConnectionLifecycle.Connection {
    @Override
    public int activeStreams() {
      return connection().numActiveStreams();
    }

    @Override
    public boolean canDrain() {
      return !closingOnError && ctx.channel().isActive();
    }

    @Override
    public void firstGoAway(String debug, long pingData) {
      ByteBuf data = io.netty.buffer.Unpooled.copiedBuffer(debug, java.nio.charset.StandardCharsets.US_ASCII);
      goAway(ctx, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), data, ctx.newPromise());
      encoder().writePing(ctx, false, pingData, ctx.newPromise());
      flush(ctx);
    }

    @Override
    public void finalGoAway() {
      goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(),
          io.netty.buffer.Unpooled.EMPTY_BUFFER, ctx.newPromise());
      goneAway = true;
      // From the channel, not ctx: the close must pass through this handler's graceful close(),
      // which waits for the calls (the lifecycle's grace timer, on the clock, ends the wait).
      ctx.channel().close();
    }

    @Override
    public void closeNow() {
      gracefulShutdownTimeoutMillis(0);
      ctx.channel().close();
    }
  }

  @Override
  void ioFailed(ChannelHandlerContext ctx, Throwable cause) {
    // A reset or broken connection is the client's business; its calls are cancelled on close.
    // A client that acknowledged nothing for the keepalive timeout (TCP_USER_TIMEOUT) is gone.
    String why = EventLoops.isTimedOut(cause)
        ? EventLoops.describeTimeout("client", settings.keepAliveTimeNanos() == NONE
            ? null : java.time.Duration.ofNanos(settings.keepAliveTimeoutNanos()))
        : String.valueOf(cause);
    LOG.log(cause instanceof java.io.IOException ? Level.DEBUG : Level.WARNING,
        "closing connection " + ctx.channel() + ": " + why, cause);
    ctx.close();
  }

  @Override
  public void onClosed(Runnable task) {
    this.onClosed = task;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      lifecycle.stop();
      super.channelInactive(ctx);
    } finally {
      onClosed.run();
    }
  }

  /** Sends GOAWAY and closes once in-flight calls finish; {@code now} closes at once. */
  @Override
  public void shutdown(boolean now) {
    ctx.executor().execute(() -> {
      if (now) {
        closingNow = true;
        gracefulShutdownTimeoutMillis(0);
        // From the channel, not ctx: the close must pass through this handler's close().
        ctx.channel().close();
      } else {
        lifecycle.drain("server_shutdown", NONE);
      }
    });
  }

  /**
   * Whether a close now should linger ({@link LingeringClose}): after a GOAWAY for an error or the
   * final GOAWAY of a drain, so that the client gets to read it, unless an immediate close was
   * asked for.
   */
  public boolean lingersOnClose() {
    return (closingOnError || goneAway) && !closingNow;
  }

  @Override
  protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception http2Ex) {
    closingOnError = true;
    super.onConnectionError(ctx, outbound, cause, http2Ex);
    abandonStreams(ctx);
  }

  /**
   * Ends the connection for abuse this handler detects itself, as the codec does for its own
   * (GOAWAY, then a lingering close), except that the GOAWAY names the last stream taken: the
   * codec cannot always know it and names them all, but streams after it were never seen and a
   * client may retry them elsewhere.
   */
  private void goAwayForAbuse(ChannelHandlerContext ctx, String debug) {
    if (closingOnError) {
      return;
    }
    closingOnError = true;
    ByteBuf data = io.netty.buffer.Unpooled.copiedBuffer(debug, java.nio.charset.StandardCharsets.US_ASCII);
    ChannelFuture written = goAway(ctx, connection().remote().lastStreamCreated(),
        Http2Error.ENHANCE_YOUR_CALM.code(), data, ctx.newPromise());
    // The GOAWAY is no flow-controlled write: a plain flush, safe from wherever this is called.
    ctx.flush();
    // Through ctx, not the channel: this handler's own close would wait for the streams.
    written.addListener(f -> ctx.close());
    abandonStreams(ctx);
  }

  /**
   * The connection is done for: cancel its calls now rather than when the lingering close ends
   * (and a close that waits for active streams would wait for them). Later, not from within the
   * codec's frame handling.
   */
  private void abandonStreams(ChannelHandlerContext ctx) {
    ctx.executor().execute(this::closeStreams);
  }

  private void closeStreams() {
    try {
      connection().forEachActiveStream(stream -> {
        stream.close();
        return true;
      });
    } catch (Http2Exception e) {
      // Closing throws nothing; the visitor's signature just allows it.
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every RST_STREAM the server sends passes here: Netty's stream errors (through the encoder)
   * and this handler's own. One with an error code other than NO_ERROR or CANCEL is the client's
   * doing (a WINDOW_UPDATE of 0, DATA on a closed stream, one stream too many...) and is charged
   * to its reset budget.
   */
  @Override
  public ChannelFuture resetStream(ChannelHandlerContext ctx, int streamId, long errorCode,
      ChannelPromise promise) {
    Http2Stream stream = connection().stream(streamId);
    boolean first = stream == null || !stream.isResetSent();
    ChannelFuture f = super.resetStream(ctx, streamId, errorCode, promise);
    if (first && errorCode != Http2Error.NO_ERROR.code() && errorCode != Http2Error.CANCEL.code()) {
      chargeReset(ctx);
    }
    return f;
  }

  /**
   * {@code authority} as a String, the same one while it repeats: a connection's calls nearly
   * always name one authority, and a String of its own would cost each call (and each open
   * stream) some 60 bytes. Event loop only.
   */
  private String authority(CharSequence authority) {
    if (authority == null) {
      return null;
    }
    if (lastAuthority == null || !AsciiString.contentEquals(authority, lastAuthority)) {
      lastAuthority = authority.toString();
    }
    return lastAuthority;
  }

  /** Charges one reset the client is to blame for; over budget, GOAWAY ENHANCE_YOUR_CALM. */
  private void chargeReset(ChannelHandlerContext ctx) {
    if (resetBudget.charge()) {
      LOG.log(Level.DEBUG, () -> "too many stream resets; GOAWAY to " + ctx.channel());
      goAwayForAbuse(ctx, "too many stream resets: more than " + resetBudget.max() + " in "
          + resetBudget.windowSeconds() + " s");
    }
  }

  // ---------------------------------------------------------------- used by calls

  void writeHeaders(int streamId, Http2Headers headers, boolean endStream, ChannelFutureListener onDone) {
    assertEventLoop();
    keepAliveEnforcer.onWrite();
    ChannelFuture f = encoder().writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
    if (onDone != null) {
      f.addListener(onDone);
    }
  }

  void writeData(int streamId, ByteBuf data, ChannelFutureListener onDone) {
    keepAliveEnforcer.onWrite();
    encoder().writeData(ctx, streamId, data, 0, false, ctx.newPromise()).addListener(onDone);
  }

  void reset(int streamId, Http2Error error) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null) {
      resetStream(ctx, streamId, error.code(), ctx.newPromise());
    }
  }

  /** Whether the client may still send on {@code streamId}. */
  boolean isRemoteOpen(int streamId) {
    Http2Stream stream = connection().stream(streamId);
    return stream != null && stream.state().remoteSideOpen();
  }

  /**
   * After a complete response, tells a client still sending to stop (RFC 9113 section 8.1), so the
   * stream does not linger. {@code rejected}: the response refused a bad request, and the reset
   * is charged to the client's reset budget; otherwise a flood of bad requests would make the
   * server reset streams without limit (MadeYouReset).
   */
  void resetIfRemoteOpen(int streamId, boolean rejected) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null && stream.state().remoteSideOpen() && !stream.isResetSent()) {
      resetStream(ctx, streamId, Http2Error.NO_ERROR.code(), ctx.newPromise());
      // This runs when the response is written, often within a flush: flush again, or the reset
      // waits for whatever is written next.
      ctx.flush();
      if (rejected) {
        chargeReset(ctx);
      }
    }
  }

  void detach(int streamId) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null) {
      stream.removeProperty(callKey);
    }
  }

  // ---------------------------------------------------------------- inbound frames

  private final class FrameListener extends GrpcConnectionHandler.FrameListener {
    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
        int padding, boolean endStream) {
      Http2Stream stream = connection().stream(streamId);
      NettyServerStream existing = stream == null ? null : stream.getProperty(callKey);
      if (existing != null) {
        // Trailers from the client: they end the request stream.
        existing.inboundEnd();
        return;
      }
      WebServer.RequestBody web = stream == null ? null : stream.getProperty(webKey);
      if (web != null) {
        web.end();
        return;
      }
      if (stream == null || closingOnError) {
        // After an error GOAWAY (sent for the last stream id Netty can vouch for: all of them)
        // the rest of the client's batch still arrives; no new calls from it.
        return;
      }
      startCall(stream, headers, endStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
        boolean endOfStream) {
      Http2Stream stream = connection().stream(streamId);
      dataRead(data.readableBytes() + padding);
      NettyServerStream call = stream == null ? null : stream.getProperty(callKey);
      if (call == null) {
        WebServer.RequestBody web = stream == null ? null : stream.getProperty(webKey);
        if (web != null) {
          // Web request bodies are small (a browser's are whole): no per-stream back-pressure.
          web.data(data.retain());
          if (endOfStream) {
            web.end();
          }
        }
        return data.readableBytes() + padding;
      }
      call.inboundData(data.retain());
      if (endOfStream) {
        call.inboundEnd();
      }
      // The data bytes return to the window when the call takes the messages.
      return padding;
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
      // The client is taking data we send: its pings now (BDP measurements) are expected, as
      // after any write. Resetting only when a write is queued would strike a client that pings
      // while one large message drains in many frames.
      keepAliveEnforcer.onWrite();
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) {
      // Netty has already queued the ACK.
      if (!closingOnError && !keepAliveEnforcer.pingAcceptable(connection().numActiveStreams() > 0)) {
        LOG.log(Level.DEBUG, "client pings too often; GOAWAY too_many_pings to " + ctx.channel());
        goAwayForAbuse(ctx, "too_many_pings");
      }
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      if (!pingAckRead(data)) {
        lifecycle.onPingAck(data);
      }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      chargeReset(ctx);
      Http2Stream stream = connection().stream(streamId);
      NettyServerStream call = stream == null ? null : stream.getProperty(callKey);
      if (call != null) {
        call.transportCancelled(Status.CANCELLED.withDescription("cancelled by client (RST_STREAM "
            + errorCode + ")"));
      }
      WebServer.RequestBody web = stream == null ? null : stream.removeProperty(webKey);
      if (web != null) {
        web.clientGone();
      }
    }
  }

  private void startCall(Http2Stream stream, Http2Headers headers, boolean endStream) {
    int streamId = stream.id();
    if (settings.web() != null && !(GrpcHeaders.POST.contentEquals(headers.method())
        && GrpcHeaders.isGrpcContentType(headers.get(GrpcHeaders.CONTENT_TYPE)))) {
      WebServer.RequestBody body = settings.web().serveHttp2(new WebStream(streamId), headers,
          settings.streams());
      if (connection().stream(streamId) != null && !endStream) {
        stream.setProperty(webKey, body);
      } else if (endStream) {
        body.end();
      }
      return;
    }
    if (!GrpcHeaders.POST.contentEquals(headers.method())) {
      respondHttpError(streamId, 405, Status.INTERNAL.withDescription(
          "method '" + headers.method() + "' is not allowed, gRPC requires POST"));
      return;
    }
    CharSequence contentType = headers.get(GrpcHeaders.CONTENT_TYPE);
    if (!GrpcHeaders.isGrpcContentType(contentType)) {
      respondHttpError(streamId, 415, Status.INTERNAL.withDescription(contentType == null
          ? "missing content-type, expected application/grpc"
          : "content-type '" + contentType + "' is not application/grpc"));
      return;
    }
    CharSequence path = headers.path();
    if (path == null || path.length() < 2 || path.charAt(0) != '/') {
      respondStatus(streamId, Status.UNIMPLEMENTED.withDescription("malformed :path '" + path + "'"),
          true);
      return;
    }
    long timeoutNanos = -1;
    CharSequence timeout = headers.get(GrpcHeaders.GRPC_TIMEOUT);
    if (timeout != null) {
      try {
        timeoutNanos = GrpcTimeout.parse(timeout);
      } catch (IllegalArgumentException e) {
        respondStatus(streamId, Status.INTERNAL.withDescription(e.getMessage()), true);
        return;
      }
    }
    CharSequence encoding = headers.get(GrpcHeaders.GRPC_ENCODING);
    io.conduit.Compressor requestCompressor = null;
    if (encoding != null && !"identity".contentEquals(encoding)) {
      requestCompressor = io.conduit.internal.Compressors.get(encoding.toString());
      if (requestCompressor == null) {
        respondStatus(streamId, Status.UNIMPLEMENTED.withDescription("message encoding '" + encoding
            + "' is not supported; supported: identity,"
            + io.conduit.internal.Compressors.acceptEncoding()), false);
        return;
      }
    }
    Metadata metadata = GrpcHeaders.toMetadata(headers);
    NettyServerStream call = new NettyServerStream(this, streamId,
        authority(headers.authority()), timeoutNanos,
        settings.maxInboundMessageSize(), requestCompressor,
        headers.get(GrpcHeaders.GRPC_ACCEPT_ENCODING));
    stream.setProperty(callKey, call);
    stats.remoteStreamStarted();
    settings.streams().streamCreated(call, path, metadata);
    if (endStream) {
      call.inboundEnd();
    }
  }

  /** An HTTP/2 stream the web protocols answer. */
  private final class WebStream implements WebServer.Http2RequestStream {
    private final int streamId;

    WebStream(int streamId) {
      this.streamId = streamId;
    }

    @Override
    public io.netty.channel.Channel channel() {
      return ctx.channel();
    }

    @Override
    public void writeHeaders(Http2Headers headers, boolean endStream) {
      ServerConnectionHandler.this.writeHeaders(streamId, headers, endStream,
          endStream ? f -> resetIfRemoteOpen(streamId, false) : null);
    }

    @Override
    public void writeData(ByteBuf data, boolean endStream, Runnable written) {
      keepAliveEnforcer.onWrite();
      ChannelFuture f = encoder().writeData(ctx, streamId, data, 0, endStream, ctx.newPromise());
      if (written != null) {
        f.addListener(x -> written.run());
      }
      if (endStream) {
        f.addListener(x -> resetIfRemoteOpen(streamId, false));
      }
    }

    @Override
    public void reset() {
      ServerConnectionHandler.this.reset(streamId, Http2Error.CANCEL);
    }
  }

  /**
   * A Trailers-Only response carrying {@code status}; {@code rejected}: for a bad request, which
   * counts against the client's reset budget if the stream must be reset.
   */
  private void respondStatus(int streamId, Status status, boolean rejected) {
    Http2Headers h = new DefaultHttp2Headers(false)
        .status(GrpcHeaders.STATUS_OK)
        .set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC)
        .set(GrpcHeaders.GRPC_ACCEPT_ENCODING, io.conduit.internal.Compressors.acceptEncoding());
    GrpcHeaders.addStatus(h, status);
    writeHeaders(streamId, h, true, f -> resetIfRemoteOpen(streamId, rejected));
    flush(ctx);
  }

  /** A non-gRPC HTTP error, for requests that are not gRPC at all (a rejection). */
  private void respondHttpError(int streamId, int httpStatus, Status status) {
    Http2Headers h = new DefaultHttp2Headers(false)
        .status(AsciiString.of(Integer.toString(httpStatus)))
        .set(GrpcHeaders.CONTENT_TYPE, AsciiString.cached("text/plain; charset=utf-8"));
    GrpcHeaders.addStatus(h, status);
    LOG.log(Level.DEBUG, "rejecting stream " + streamId + ": " + status);
    writeHeaders(streamId, h, true, f -> resetIfRemoteOpen(streamId, true));
    flush(ctx);
  }
}
