package io.conduit.internal.transport;

import java.net.SocketAddress;

/**
 * Where a server accepts connections (a listening socket, an in-process name), and the
 * connections it accepted there. Each new stream goes to the {@link ServerTransportListener}.
 */
public interface ServerTransport {
  /**
   * Starts accepting.
   *
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  void start(ServerTransportListener streams);

  /** The address it listens on (with the port chosen, for port 0). */
  SocketAddress localAddress();

  /** Stops accepting; open connections are told to go away and close once their calls end. */
  void shutdown();

  /** Stops accepting and closes every connection now; their calls are cancelled. */
  void shutdownNow();

  /** Runs {@code task} once it has stopped listening and its last connection has closed. */
  void whenTerminated(Runnable task);

  /** Its open HTTP/2 connections, by socket id, for channelz (none for in-process). Any thread. */
  default java.util.List<io.conduit.internal.channelz.SocketView> sockets() {
    return java.util.List.of();
  }
}
