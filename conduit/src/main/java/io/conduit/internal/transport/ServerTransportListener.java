package io.conduit.internal.transport;

import io.conduit.Metadata;

/**
 * The server side of the transport boundary: transports hand each new stream here, and the
 * server looks up the method, runs interceptors and picks the executor. Transports never route.
 */
public interface ServerTransportListener {
  /**
   * A client opened a stream for {@code path} (e.g. {@code /pkg.Service/Method}); called on the
   * transport's thread, which must not block. Before returning, the server sets the stream's
   * listener or closes it.
   */
  void streamCreated(ServerStream stream, CharSequence path, Metadata headers);
}
