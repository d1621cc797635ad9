package io.conduit.internal;

import io.conduit.Status;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.StreamRequest;
import java.io.IOException;
import java.net.SocketAddress;

/**
 * A connection of a traced channel: it tells the channel's tracers when it opens, fails to open,
 * or closes, and why (gRFC A94). It stands in for the real connection towards its subchannel, so
 * that the subchannel sees one object in both directions.
 */
final class TracedConnection implements ClientConnection, ClientConnection.Listener {
  private final ClientConnection.Listener owner;
  private final SocketAddress address;
  private final ChannelTracers tracers;
  private volatile ClientConnection connection;
  private volatile boolean opened;
  private volatile boolean shutdownRequested;

  private TracedConnection(ClientConnection.Listener owner, SocketAddress address, ChannelTracers tracers) {
    this.owner = owner;
    this.address = address;
    this.tracers = tracers;
  }

  /** Connects through {@code factory}, traced. */
  static TracedConnection connect(ConnectionFactories factory, SocketAddress address,
      long connectTimeoutNanos, ClientConnection.Listener owner, ChannelTracers tracers) {
    TracedConnection traced = new TracedConnection(owner, address, tracers);
    traced.connection = factory.connect(address, connectTimeoutNanos, traced);
    return traced;
  }

  /**
   * {@code reason} as one of A94's {@code grpc.disconnect_error} values; the first reason a
   * connection saw is the one its status carries.
   */
  static String disconnectError(Status reason, boolean shutdownRequested) {
    String d = reason == null ? null : reason.description();
    if (d != null && d.startsWith("GOAWAY ")) {
      int end = d.indexOf(' ', "GOAWAY ".length());
      return end < 0 ? d : d.substring(0, end);
    }
    if (d != null && d.startsWith("keepalive")) {
      return "connection timed out";
    }
    Throwable cause = reason == null ? null : reason.cause();
    if (cause instanceof IOException io) {
      String m = String.valueOf(io.getMessage()).toLowerCase(java.util.Locale.ROOT);
      if (m.contains("reset")) {
        return "connection reset";
      }
      if (m.contains("timed out")) {
        return "connection timed out";
      }
      if (m.contains("abort")) {
        return "connection aborted";
      }
      return "socket error";
    }
    return shutdownRequested ? "subchannel shutdown" : "unknown";
  }

  // ---------------------------------------------------------------- events from the connection

  @Override
  public void connectionReady(ClientConnection transport) {
    opened = true;
    tracers.connectionOpened(address);
    owner.connectionReady(this);
  }

  @Override
  public void connectionUnusable(ClientConnection transport) {
    owner.connectionUnusable(this);
  }

  @Override
  public void connectionClosed(ClientConnection transport, Status reason) {
    if (opened) {
      tracers.connectionClosed(address, disconnectError(reason, shutdownRequested));
    } else if (!shutdownRequested) {
      // An attempt its subchannel abandoned counts neither way (A94).
      tracers.connectionFailed(address, reason);
    }
    owner.connectionClosed(this, reason);
  }

  @Override
  public void tooManyPings() {
    owner.tooManyPings();
  }

  // ---------------------------------------------------------------- the connection itself

  @Override
  public ClientStream newStream(StreamRequest request) {
    return connection.newStream(request);
  }

  @Override
  public boolean isUsable() {
    return connection.isUsable();
  }

  @Override
  public boolean hasCapacity() {
    return connection.hasCapacity();
  }

  @Override
  public io.conduit.internal.channelz.SocketView socket() {
    return connection.socket();
  }

  @Override
  public void shutdown() {
    shutdownRequested = true;
    connection.shutdown();
  }

  @Override
  public void shutdownNow() {
    shutdownRequested = true;
    connection.shutdownNow();
  }
}
