package io.conduit.internal.netty;

import io.conduit.internal.transport.ServerTransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * The web protocols (gRPC-Web, Connect) beside native gRPC on the same port: serves the
 * connections that do not start with the HTTP/2 preface, and the HTTP/2 requests that are not
 * native gRPC. Null in the transport's settings when the server has them off.
 */
public interface WebServer {
  /**
   * Installs the HTTP/1.1 handlers at the end of {@code ch}'s pipeline, which has not yet passed
   * on a byte of the request. Event loop.
   */
  ServerConnection install(Channel ch, ServerTransportListener streams);

  /** Whether a connection {@link #install}ed has read its first request's headers. */
  boolean requestStarted(Channel ch);

  /** Starts an HTTP/2 request that is not native gRPC; returns where its body goes. Event loop. */
  RequestBody serveHttp2(Http2RequestStream stream, Http2Headers headers,
      ServerTransportListener streams);

  /** Where a request's body goes as it arrives. Event loop only. */
  interface RequestBody {
    /** Takes over {@code data}. */
    void data(ByteBuf data);

    /** The body is complete. */
    void end();

    /** The client went away (closed the connection, reset the stream) before the response ended. */
    void clientGone();
  }

  /** The HTTP/2 stream of such a request, for its response. Event loop only. */
  interface Http2RequestStream {
    Channel channel();

    void writeHeaders(Http2Headers headers, boolean endStream);

    /** {@code written} (or null) runs once the bytes have left. */
    void writeData(ByteBuf data, boolean endStream, Runnable written);

    /** Ends the stream with RST_STREAM CANCEL: the response cannot be completed. */
    void reset();
  }
}
