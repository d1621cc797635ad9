package io.conduit.internal.transport;

import io.conduit.Metadata;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.internal.GrpcTimeout;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
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

/**
 * The server side of one HTTP/2 connection: turns request streams into calls, and calls' writes
 * into frames. Everything here runs on the connection's event loop.
 */
public final class ServerConnectionHandler extends Http2ConnectionHandler {
  private static final System.Logger LOG = System.getLogger(ServerConnectionHandler.class.getName());

  /** Stream windows start at 1 MiB instead of HTTP/2's 64 KiB so one stream is not throttled. */
  static final int INITIAL_WINDOW = 1 << 20;

  /** What a connection needs to know about its server; a null executor means direct execution. */
  public record ServerSettings(Map<String, ServiceDefinition.Method<?, ?>> methods,
      Executor executor, int maxInboundMessageSize,
      int maxConcurrentStreams, int maxHeaderListSize) {}

  private final ServerSettings settings;
  private final Http2Connection.PropertyKey callKey;
  private ChannelHandlerContext ctx;
  private WriteQueue writeQueue;
  private Runnable onClosed = () -> {};

  private ServerConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
      Http2Settings initialSettings, ServerSettings settings) {
    super(decoder, encoder, initialSettings);
    this.settings = settings;
    this.callKey = connection().newKey();
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        NettyServerCall<?, ?> call = stream.getProperty(callKey);
        if (call != null) {
          call.transportCancelled(Status.CANCELLED.withDescription("stream closed"), false);
        }
      }
    });
    // Wait for in-flight calls as long as they take; shutdownNow() forces the close.
    gracefulShutdownTimeoutMillis(-1);
  }

  public static ServerConnectionHandler create(ServerSettings settings) {
    Http2Connection connection = new DefaultHttp2Connection(true);
    connection.local().flowController(new DefaultHttp2LocalFlowController(connection, 0.5f, true));
    DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(
        new DefaultHttp2HeadersDecoder(true, settings.maxHeaderListSize()));
    Http2ConnectionEncoder encoder = new DefaultHttp2ConnectionEncoder(connection, new DefaultHttp2FrameWriter());
    Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader);
    Http2Settings initial = new Http2Settings()
        .maxConcurrentStreams(settings.maxConcurrentStreams())
        .initialWindowSize(INITIAL_WINDOW)
        .maxHeaderListSize(settings.maxHeaderListSize());
    ServerConnectionHandler handler = new ServerConnectionHandler(decoder, encoder, initial, settings);
    decoder.frameListener(handler.new FrameListener());
    return handler;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    this.writeQueue = new WriteQueue(ctx.executor(), () -> flush(ctx));
    writeQueue.open();
    super.handlerAdded(ctx);
    // The connection window grows with the stream windows, so one stream can use its whole window.
    Http2Stream connectionStream = connection().connectionStream();
    decoder().flowController().incrementWindowSize(connectionStream,
        INITIAL_WINDOW - connection().local().flowController().initialWindowSize(connectionStream));
  }

  /** Runs {@code task} once the connection has closed and its calls have been cancelled. */
  public void onClosed(Runnable task) {
    this.onClosed = task;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      super.channelInactive(ctx);
    } finally {
      onClosed.run();
    }
  }

  /** Sends GOAWAY and closes once in-flight calls finish; {@code now} closes at once. */
  public void shutdown(boolean now) {
    ctx.executor().execute(() -> {
      if (now) {
        gracefulShutdownTimeoutMillis(0);
      }
      // From the channel, not ctx: the close must pass through this handler's graceful close().
      ctx.channel().close();
    });
  }

  // ---------------------------------------------------------------- used by calls

  WriteQueue writeQueue() {
    return writeQueue;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  void writeHeaders(int streamId, Http2Headers headers, boolean endStream, ChannelFutureListener onDone) {
    ChannelFuture f = encoder().writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
    if (onDone != null) {
      f.addListener(onDone);
    }
  }

  void writeData(int streamId, ByteBuf data, ChannelFutureListener onDone) {
    encoder().writeData(ctx, streamId, data, 0, false, ctx.newPromise()).addListener(onDone);
  }

  void reset(int streamId, Http2Error error) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null) {
      resetStream(ctx, streamId, error.code(), ctx.newPromise());
    }
  }

  /** After a complete response, tells a client still sending to stop (RFC 9113 section 8.1). */
  void resetIfRemoteOpen(int streamId) {
    Http2Stream stream = connection().stream(streamId);
    if (stream != null && stream.state().remoteSideOpen()) {
      resetStream(ctx, streamId, Http2Error.NO_ERROR.code(), ctx.newPromise());
    }
  }

  void consumeBytes(int streamId, int bytes) {
    Http2Stream stream = connection().stream(streamId);
    if (stream == null) {
      return;
    }
    try {
      decoder().flowController().consumeBytes(stream, bytes);
    } catch (Http2Exception e) {
      onError(ctx, false, e);
    }
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
      if (stream == null) {
        return;
      }
      startCall(stream, headers, endStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
        boolean endOfStream) {
      Http2Stream stream = connection().stream(streamId);
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
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
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
      respondStatus(streamId, Status.UNIMPLEMENTED.withDescription("malformed :path '" + path + "'"));
      return;
    }
    String fullMethodName = path.toString().substring(1);
    ServiceDefinition.Method<?, ?> method = settings.methods().get(fullMethodName);
    if (method == null) {
      respondStatus(streamId, Status.UNIMPLEMENTED.withDescription("Method not found: " + fullMethodName));
      return;
    }
    long timeoutNanos = -1;
    CharSequence timeout = headers.get(GrpcHeaders.GRPC_TIMEOUT);
    if (timeout != null) {
      try {
        timeoutNanos = GrpcTimeout.parse(timeout);
      } catch (IllegalArgumentException e) {
        respondStatus(streamId, Status.INTERNAL.withDescription(e.getMessage()));
        return;
      }
    }
    CharSequence encoding = headers.get(GrpcHeaders.GRPC_ENCODING);
    if (encoding != null && !"identity".contentEquals(encoding)) {
      respondStatus(streamId, Status.UNIMPLEMENTED.withDescription(
          "message encoding '" + encoding + "' is not supported; supported: identity"));
      return;
    }
    Metadata metadata = GrpcHeaders.toMetadata(headers);
    NettyServerCall<?, ?> call = NettyServerCall.create(this, streamId, method,
        headers.authority() == null ? null : headers.authority().toString(), timeoutNanos,
        settings.executor(), settings.maxInboundMessageSize());
    stream.setProperty(callKey, call);
    call.start(metadata);
    if (endStream) {
      call.inboundEnd();
    }
  }

  /** A Trailers-Only response carrying {@code status}. */
  private void respondStatus(int streamId, Status status) {
    Http2Headers h = new DefaultHttp2Headers(false)
        .status(GrpcHeaders.STATUS_OK)
        .set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
    GrpcHeaders.addStatus(h, status);
    writeHeaders(streamId, h, true, f -> resetIfRemoteOpen(streamId));
    flush(ctx);
  }

  /** A non-gRPC HTTP error, for requests that are not gRPC at all. */
  private void respondHttpError(int streamId, int httpStatus, Status status) {
    Http2Headers h = new DefaultHttp2Headers(false)
        .status(AsciiString.of(Integer.toString(httpStatus)))
        .set(GrpcHeaders.CONTENT_TYPE, AsciiString.cached("text/plain; charset=utf-8"));
    GrpcHeaders.addStatus(h, status);
    LOG.log(Level.DEBUG, "rejecting stream " + streamId + ": " + status);
    writeHeaders(streamId, h, true, f -> resetIfRemoteOpen(streamId));
    flush(ctx);
  }
}
