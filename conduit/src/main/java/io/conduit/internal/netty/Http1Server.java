package io.conduit.internal.netty;

import io.conduit.internal.transport.ServerTransportListener;
import io.netty.channel.Channel;

/**
 * The web protocols (gRPC-Web, Connect) beside native gRPC on the same port: serves the
 * connections that do not start with the HTTP/2 preface. Null in the transport's settings when
 * the server has them off.
 */
public interface Http1Server {
  /**
   * Installs the HTTP/1.1 handlers at the end of {@code ch}'s pipeline, which has not yet passed
   * on a byte of the request. Event loop.
   */
  ServerConnection install(Channel ch, ServerTransportListener streams);

  /** Whether a connection {@link #install}ed has read its first request's headers. */
  boolean requestStarted(Channel ch);
}
