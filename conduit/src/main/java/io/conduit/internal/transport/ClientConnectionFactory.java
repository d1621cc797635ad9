package io.conduit.internal.transport;

import java.net.SocketAddress;

/** Makes connections of one kind of transport for a channel. */
public interface ClientConnectionFactory {
  /** Whether this factory can reach {@code address}. */
  boolean supports(SocketAddress address);

  /**
   * Starts connecting to {@code address}; {@code listener} hears when it is ready, or that it
   * failed (also after {@code connectTimeoutNanos}, for the part the transport times itself).
   */
  ClientConnection connect(SocketAddress address, long connectTimeoutNanos, ClientConnection.Listener listener);
}
