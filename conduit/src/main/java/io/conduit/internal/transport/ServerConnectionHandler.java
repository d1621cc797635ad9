package io.conduit.internal.transport;

import io.conduit.Metadata;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.internal.GrpcTimeout;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
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
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server side of one HTTP/2 connection: turns request streams into calls, and calls' writes
 * into frames. Everything here runs on the connection's event loop.
 */
public final class ServerConnectionHandler extends Http2ConnectionHandler {
  private static final System.Logger LOG = System.getLogger(ServerConnectionHandler.class.getName());

  /** Stream windows start at 1 MiB instead of HTTP/2's 64 KiB so one stream is not throttled. */
  static final int INITIAL_WINDOW = 1 << 20;

  /**
   * The largest DATA frame we accept (SETTINGS_MAX_FRAME_SIZE): 64 KiB rather than HTTP/2's 16 KiB,
   * so a large message costs a peer that honours it a quarter of the frames (and of the per-frame
   * work on both sides), while streams still interleave at a fine grain.
   */
  static final int MAX_FRAME_SIZE = 64 * 1024;

  /** PING payload of the graceful-shutdown round trip between the two GOAWAYs. */
  static final long GRACEFUL_SHUTDOWN_PING = 0x47524143454655L;
  private static final long NONE = Long.MAX_VALUE;

  /**
   * What a connection needs to know about its server; a null executor means direct execution.
   * Durations are nanoseconds, {@code Long.MAX_VALUE} for "never".
   */
  public record ServerSettings(Map<AsciiString, ServiceDefinition.Method<?, ?>> methods,
      Executor executor, int maxInboundMessageSize, int maxConcurrentStreams,
      int maxHeaderListSize, long keepAliveTimeNanos, long keepAliveTimeoutNanos,
      long permitKeepAliveTimeNanos, boolean permitKeepAliveWithoutCalls,
      long maxConnectionIdleNanos, long maxConnectionAgeNanos, long maxConnectionAgeGraceNanos,
      AbuseLimits limits, io.conduit.Clock clock) {}

  private final ServerSettings settings;
  private final Http2Connection.PropertyKey callKey;
  private final KeepAliveEnforcer keepAliveEnforcer;
  private final FlowControlPinger flowControlPinger;
  private final ResetBudget resetBudget;
  private KeepAliveManager keepAlive;
  private ChannelHandlerContext ctx;
  private WriteQueue writeQueue;
  private Runnable onClosed = () -> {};
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> ageTimer;
  private ScheduledFuture<?> secondGoAwayTimer;
  private ScheduledFuture<?> graceTimer;
  private boolean draining;
  /** A GOAWAY for an error went out: the connection is done for, and its close lingers. */
  private boolean closingOnError;
  /** Someone asked for an immediate close ({@link #shutdown} now): no lingering. */
  private boolean closingNow;
  private long graceNanos = NONE;

  private ServerConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings initialSettings, ServerSettings settings) {
    super(decoder, encoder, initialSettings);
    this.settings = settings;
    this.callKey = connection().newKey();
    this.keepAliveEnforcer = new KeepAliveEnforcer(settings.clock(), settings.permitKeepAliveTimeNanos(),
        settings.permitKeepAliveWithoutCalls());
    this.flowControlPinger = new FlowControlPinger(this, INITIAL_WINDOW);
    this.resetBudget = settings.limits().newResetBudget(settings.clock());
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamActive(Http2Stream stream) {
        if (idleTimer != null) {
          idleTimer.cancel(false);
          idleTimer = null;
        }
      }

      @Override
      public void onStreamClosed(Http2Stream stream) {
        NettyServerCall<?, ?> call = stream.getProperty(callKey);
        if (call != null) {
          call.transportCancelled(Status.CANCELLED.withDescription("stream closed"), false);
        }
        if (connection().numActiveStreams() == 0) {
          scheduleIdleTimer();
        }
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
    this.ctx = ctx;
    this.writeQueue = new WriteQueue(ctx.executor(), () -> flush(ctx));
    writeQueue.open();
    super.handlerAdded(ctx);
    FlowWindows.growConnectionWindow(this, INITIAL_WINDOW);
    if (settings.keepAliveTimeNanos() != NONE) {
      keepAlive = new KeepAliveManager(settings.clock(), settings.keepAliveTimeNanos(),
          settings.keepAliveTimeoutNanos(), true, () -> connection().numActiveStreams() > 0,
          () -> {
            encoder().writePing(ctx, false, KeepAliveManager.PING_DATA, ctx.newPromise());
            flush(ctx);
          },
          () -> {
            LOG.log(Level.DEBUG, "client did not answer a keepalive PING; closing " + ctx.channel());
            ctx.channel().close();
          });
      keepAlive.start(ctx);
    }
    scheduleIdleTimer();
    if (settings.maxConnectionAgeNanos() != NONE) {
      // +/- 10 % jitter, so connections made together do not all go away together.
      long age = (long) (settings.maxConnectionAgeNanos()
          * (0.9 + 0.2 * java.util.concurrent.ThreadLocalRandom.current().nextDouble()));
      ageTimer = settings.clock().schedule(ctx.executor(),
          () -> gracefulShutdown("max_age", settings.maxConnectionAgeGraceNanos()),
          age, TimeUnit.NANOSECONDS);
    }
  }

  private void scheduleIdleTimer() {
    if (settings.maxConnectionIdleNanos() == NONE || ctx == null || draining || idleTimer != null) {
      return;
    }
    idleTimer = settings.clock().schedule(ctx.executor(), () -> {
      idleTimer = null;
      if (connection().numActiveStreams() == 0) {
        gracefulShutdown("max_idle", NONE);
      }
    }, settings.maxConnectionIdleNanos(), TimeUnit.NANOSECONDS);
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
    // A reset or broken connection is the client's business; its calls are cancelled on close.
    LOG.log(cause instanceof java.io.IOException ? Level.DEBUG : Level.WARNING,
        "closing connection " + ctx.channel() + ": " + cause, cause);
    ctx.close();
  }

  /**
   * Graceful shutdown in two steps (gRFC A9): a GOAWAY with the largest stream id and a PING, so
   * that streams already on their way are still accepted; after the PING's ACK (or 10 s), a GOAWAY
   * with the real last stream id; the connection closes when its calls finish, or after
   * {@code graceNanos}.
   */
  void gracefulShutdown(String reason, long graceNanos) {
    if (draining || closingOnError || !ctx.channel().isActive()) {
      return;
    }
    draining = true;
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    ByteBuf debug = io.netty.buffer.Unpooled.copiedBuffer(reason, java.nio.charset.StandardCharsets.US_ASCII);
    goAway(ctx, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), debug, ctx.newPromise());
    encoder().writePing(ctx, false, GRACEFUL_SHUTDOWN_PING, ctx.newPromise());
    flush(ctx);
    secondGoAwayTimer = settings.clock().schedule(ctx.executor(), () -> secondGoAway(graceNanos), 10, TimeUnit.SECONDS);
    this.graceNanos = graceNanos;
  }

  private void secondGoAway(long grace) {
    if (secondGoAwayTimer != null) {
      secondGoAwayTimer.cancel(false);
      secondGoAwayTimer = null;
    }
    if (!ctx.channel().isActive()) {
      return;
    }
    goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(),
        io.netty.buffer.Unpooled.EMPTY_BUFFER, ctx.newPromise());
    if (grace != NONE) {
      // On the clock, not Netty's own timer: when the grace is over, close as shutdownNow() does.
      graceTimer = settings.clock().schedule(ctx.executor(), () -> {
        gracefulShutdownTimeoutMillis(0);
        ctx.channel().close();
      }, Math.max(0, grace), TimeUnit.NANOSECONDS);
    }
    // From the channel, not ctx: the close must pass through this handler's graceful close().
    ctx.channel().close();
  }

  /** Runs {@code task} once the connection has closed and its calls have been cancelled. */
  public void onClosed(Runnable task) {
    this.onClosed = task;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      if (keepAlive != null) {
        keepAlive.stop();
      }
      for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {idleTimer, ageTimer, secondGoAwayTimer, graceTimer}) {
        if (t != null) {
          t.cancel(false);
        }
      }
      super.channelInactive(ctx);
    } finally {
      onClosed.run();
    }
  }

  /** Sends GOAWAY and closes once in-flight calls finish; {@code now} closes at once. */
  public void shutdown(boolean now) {
    ctx.executor().execute(() -> {
      if (now) {
        closingNow = true;
        gracefulShutdownTimeoutMillis(0);
        // From the channel, not ctx: the close must pass through this handler's close().
        ctx.channel().close();
      } else {
        gracefulShutdown("server_shutdown", NONE);
      }
    });
  }

  /**
   * Whether a close now should linger ({@link LingeringClose}): after a GOAWAY for an error, so
   * that the client gets to read it, unless an immediate close was asked for.
   */
  public boolean lingersOnClose() {
    return closingOnError && !closingNow;
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

  /** Charges one reset the client is to blame for; over budget, GOAWAY ENHANCE_YOUR_CALM. */
  private void chargeReset(ChannelHandlerContext ctx) {
    if (resetBudget.charge()) {
      LOG.log(Level.DEBUG, () -> "too many stream resets; GOAWAY to " + ctx.channel());
      goAwayForAbuse(ctx, "too many stream resets: more than " + resetBudget.max() + " in "
          + resetBudget.windowSeconds() + " s");
    }
  }

  /** The current receive window (grows with the measured bandwidth-delay product). */
  public int receiveWindow() {
    return flowControlPinger.window();
  }

  // ---------------------------------------------------------------- used by calls

  WriteQueue writeQueue() {
    return writeQueue;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  io.conduit.Clock clock() {
    return settings.clock();
  }

  void writeHeaders(int streamId, Http2Headers headers, boolean endStream, ChannelFutureListener onDone) {
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

  void consumeBytes(int streamId, int bytes) {
    FlowWindows.consumeBytes(this, ctx, streamId, bytes);
  }

  void detach(int streamId) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null) {
      stream.removeProperty(callKey);
    }
  }

  // ---------------------------------------------------------------- inbound frames

  private final class FrameListener extends Http2FrameAdapter {
    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
        int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
      onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
        int padding, boolean endStream) {
      Http2Stream stream = connection().stream(streamId);
      NettyServerCall<?, ?> existing = stream == null ? null : stream.getProperty(callKey);
      if (existing != null) {
        // Trailers from the client: they end the request stream.
        existing.inboundEnd();
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
      flowControlPinger.onDataRead(ctx, data.readableBytes() + padding);
      NettyServerCall<?, ?> call = stream == null ? null : stream.getProperty(callKey);
      if (call == null) {
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
      if (data == KeepAliveManager.PING_DATA && keepAlive != null) {
        keepAlive.onPingAck();
      } else if (data == FlowControlPinger.PING_DATA) {
        flowControlPinger.onPingAck(ctx);
      } else if (data == GRACEFUL_SHUTDOWN_PING && draining) {
        secondGoAway(graceNanos);
      }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
      chargeReset(ctx);
      Http2Stream stream = connection().stream(streamId);
      NettyServerCall<?, ?> call = stream == null ? null : stream.getProperty(callKey);
      if (call != null) {
        call.transportCancelled(Status.CANCELLED.withDescription("cancelled by client (RST_STREAM "
            + errorCode + ")"), false);
      }
    }
  }

  private void startCall(Http2Stream stream, Http2Headers headers, boolean endStream) {
    int streamId = stream.id();
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
    ServiceDefinition.Method<?, ?> method = settings.methods().get(
        path instanceof AsciiString ascii ? ascii : new AsciiString(path));
    if (method == null) {
      // A valid request for a method this server lacks: not abuse, however often (a client may
      // call a method the server dropped at full rate).
      respondStatus(streamId, Status.UNIMPLEMENTED.withDescription("Method not found: "
          + path.subSequence(1, path.length())), false);
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
    NettyServerCall<?, ?> call = NettyServerCall.create(this, streamId, method,
        headers.authority() == null ? null : headers.authority().toString(), timeoutNanos,
        settings.executor(), settings.maxInboundMessageSize(), requestCompressor,
        headers.get(GrpcHeaders.GRPC_ACCEPT_ENCODING));
    stream.setProperty(callKey, call);
    call.start(metadata);
    if (endStream) {
      call.inboundEnd();
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
