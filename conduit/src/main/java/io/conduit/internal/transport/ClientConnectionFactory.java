package io.conduit.internal.transport;

import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;

/** Makes connections of one kind of transport for a channel. */
public interface ClientConnectionFactory {
  /** Whether this factory can reach {@code address}. */
  boolean supports(SocketAddress address);

  /**
   * Starts connecting to {@code address}; {@code listener} hears when it is ready, or that it
   * failed (also after {@code connectTimeoutNanos}, for the part the transport times itself).
   */
  ClientConnection connect(SocketAddress address, long connectTimeoutNanos, ClientConnection.Listener listener);

  /** A scheduler for the channel's own timers and its synchronization context. */
  ScheduledExecutorService scheduler();
}
