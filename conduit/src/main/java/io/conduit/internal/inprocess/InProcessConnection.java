package io.conduit.internal.inprocess;

import io.conduit.InProcessSocketAddress;

import io.conduit.Context;
import io.conduit.Status;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.ServerTransportListener;
import io.conduit.internal.transport.StreamRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A client's connection to an in-process server: it carries streams until either side shuts it
 * down, then closes once its last stream ends (or at once, for a forced shutdown).
 */
final class InProcessConnection implements ClientConnection {
  private final InProcessServerTransport server;
  private final String authority;
  private final ClientConnection.Listener listener;
  private final Context transportContext;
  private final Object lock = new Object();
  private final Set<InProcessStream> streams = new HashSet<>();
  private boolean goingAway;
  private boolean closed;

  InProcessConnection(InProcessServerTransport server, String authority, ClientConnection.Listener listener) {
    this.server = server;
    this.authority = authority;
    this.listener = listener;
    this.transportContext = InProcessStream.peerContext(server.address());
  }

  InProcessSocketAddress address() {
    return server.address();
  }

  String authority() {
    return authority;
  }

  Context transportContext() {
    return transportContext;
  }

  ServerTransportListener server() {
    return server.streams();
  }

  /** Registers a starting stream; false when the connection takes no new ones. */
  boolean open(InProcessStream stream) {
    synchronized (lock) {
      if (goingAway || closed) {
        return false;
      }
      streams.add(stream);
      return true;
    }
  }

  void streamDone(InProcessStream stream) {
    boolean close;
    synchronized (lock) {
      streams.remove(stream);
      close = goingAway && streams.isEmpty() && !closed;
      if (close) {
        closed = true;
      }
    }
    if (close) {
      closed(Status.UNAVAILABLE.withDescription("in-process connection closed"));
    }
  }

  @Override
  public ClientStream newStream(StreamRequest request) {
    return new InProcessStream(this, request, server.maxInboundMessageSize()).client;
  }

  @Override
  public boolean isUsable() {
    synchronized (lock) {
      return !goingAway && !closed;
    }
  }

  @Override
  public boolean hasCapacity() {
    return true;
  }

  /** No new streams; closes once the open ones end. Either side may ask. */
  @Override
  public void shutdown() {
    boolean unusable;
    boolean close;
    synchronized (lock) {
      unusable = !goingAway && !closed;
      goingAway = true;
      close = streams.isEmpty() && !closed;
      if (close) {
        closed = true;
      }
    }
    if (unusable) {
      listener.connectionUnusable(this);
    }
    if (close) {
      closed(Status.UNAVAILABLE.withDescription("in-process connection closed"));
    }
  }

  /** Closes now: open streams fail with UNAVAILABLE on the client and are cancelled on the server. */
  @Override
  public void shutdownNow() {
    List<InProcessStream> open;
    boolean unusable;
    synchronized (lock) {
      unusable = !goingAway && !closed;
      goingAway = true;
      open = List.copyOf(streams);
    }
    if (unusable) {
      listener.connectionUnusable(this);
    }
    Status reason = Status.UNAVAILABLE.withDescription("in-process connection closed");
    for (InProcessStream s : open) {
      s.closeClient(reason, new io.conduit.Metadata(), false);
      s.cancelServer(Status.CANCELLED.withDescription("connection closed"));
    }
    boolean close;
    synchronized (lock) {
      close = !closed;
      closed = true;
    }
    if (close) {
      closed(reason);
    }
  }

  private void closed(Status reason) {
    server.connectionClosed(this);
    listener.connectionClosed(this, reason);
  }

  /** Called by the transport factory once the connection is registered with the server. */
  void ready() {
    listener.connectionReady(this);
  }

  @Override
  public String toString() {
    return "InProcessConnection[" + server.address() + "]";
  }
}
