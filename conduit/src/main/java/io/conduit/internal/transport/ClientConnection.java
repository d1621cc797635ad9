package io.conduit.internal.transport;

import io.conduit.Status;

/**
 * One connection to a server, carrying streams. Created by a {@link ClientConnectionFactory};
 * reports its life to a {@link Listener}.
 */
public interface ClientConnection {

  /** Told when the transport is ready for streams, can take no more, and has closed. */
  interface Listener {
    void connectionReady(ClientConnection transport);

    /** No new streams (GOAWAY, closing); open ones may finish. */
    void connectionUnusable(ClientConnection transport);

    /** {@code reason} says why, e.g. the connect error. */
    void connectionClosed(ClientConnection transport, Status reason);

    /** The server said its keepalive pings come too often (gRFC A8 too_many_pings). */
    default void tooManyPings() {}
  }

  /** A new stream for {@code request}, not started. Any thread. */
  ClientStream newStream(StreamRequest request);

  /** Whether new streams may use this transport. Any thread. */
  boolean isUsable();

  /** Whether a new stream would start at once rather than wait for a stream slot; a hint. */
  boolean hasCapacity();

  /** Closes once its last stream is done; takes no new ones. */
  void shutdown();

  /** Closes now (or abandons the connect); open streams fail with UNAVAILABLE. */
  void shutdownNow();

  /** The connection as channelz sees it, or null for one it does not list (in-process). */
  default io.conduit.internal.channelz.SocketView socket() {
    return null;
  }
}
