package io.conduit.internal.inprocess;

import io.conduit.InProcessSocketAddress;

import io.conduit.Status;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.ClientConnectionFactory;
import io.conduit.internal.transport.StreamRequest;
import java.net.SocketAddress;

/** Connects channels to in-process servers by name. */
public final class InProcessConnectionFactory implements ClientConnectionFactory {
  @Override
  public boolean supports(SocketAddress address) {
    return address instanceof InProcessSocketAddress;
  }

  @Override
  public ClientConnection connect(SocketAddress address, long connectTimeoutNanos,
      ClientConnection.Listener listener) {
    InProcessSocketAddress target = (InProcessSocketAddress) address;
    InProcessServerTransport server = InProcessServerTransport.find(target.name());
    InProcessConnection connection = server == null ? null : server.accept(target.name(), listener);
    if (connection == null) {
      Unreachable failed = new Unreachable();
      // Told after connect() returns, as a network connect would be.
      InProcessScheduler.get().execute(() -> listener.connectionClosed(failed,
          Status.UNAVAILABLE.withDescription("no in-process server named '" + target.name() + "'")));
      return failed;
    }
    InProcessScheduler.get().execute(connection::ready);
    return connection;
  }

  /** A connection that never was: there is no server by that name. */
  private static final class Unreachable implements ClientConnection {
    @Override
    public ClientStream newStream(StreamRequest request) {
      throw new IllegalStateException("not connected");
    }

    @Override
    public boolean isUsable() {
      return false;
    }

    @Override
    public boolean hasCapacity() {
      return false;
    }

    @Override
    public void shutdown() {}

    @Override
    public void shutdownNow() {}
  }
}
