package io.conduit.internal.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

/** Receive-window bookkeeping both connection handlers share. Event loop only. */
final class FlowWindows {
  private FlowWindows() {}

  /**
   * A connection whose receive windows are returned as the application consumes bytes (auto
   * refill at half the window), and whose send side shares bandwidth evenly between streams:
   * gRPC sends no priorities, so the weighted priority tree Netty uses by default only costs a
   * few hundred bytes of state per stream.
   */
  static Http2Connection newConnection(boolean server) {
    Http2Connection connection = new DefaultHttp2Connection(server);
    connection.local().flowController(new DefaultHttp2LocalFlowController(connection, 0.5f, true));
    connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
        new UniformStreamByteDistributor(connection)));
    return connection;
  }

  /**
   * Grows the connection window to {@code window}, so one stream can use its whole stream
   * window (HTTP/2 starts the connection window at 64 KiB whatever the settings say).
   */
  static void growConnectionWindow(Http2ConnectionHandler handler, int window) throws Http2Exception {
    Http2Stream connectionStream = handler.connection().connectionStream();
    handler.decoder().flowController().incrementWindowSize(connectionStream,
        window - handler.connection().local().flowController().initialWindowSize(connectionStream));
  }

  /** Returns {@code bytes} of {@code streamId} to its window (a closed stream is ignored). */
  static void consumeBytes(Http2ConnectionHandler handler, ChannelHandlerContext ctx, int streamId,
      int bytes) {
    Http2Stream stream = handler.connection().stream(streamId);
    if (stream == null) {
      return;
    }
    try {
      handler.decoder().flowController().consumeBytes(stream, bytes);
    } catch (Http2Exception e) {
      handler.onError(ctx, false, e);
    }
  }
}
