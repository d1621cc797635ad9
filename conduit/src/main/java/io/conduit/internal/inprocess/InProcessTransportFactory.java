package io.conduit.internal.inprocess;

import io.conduit.Status;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientTransport;
import io.conduit.internal.transport.ClientTransportFactory;
import io.conduit.internal.transport.StreamRequest;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;

/** Connects channels to in-process servers by name. */
public final class InProcessTransportFactory implements ClientTransportFactory {
  @Override
  public boolean supports(SocketAddress address) {
    return address instanceof InProcessSocketAddress;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return InProcessScheduler.get();
  }

  @Override
  public ClientTransport connect(SocketAddress address, long connectTimeoutNanos,
      ClientTransport.Listener listener) {
    InProcessSocketAddress target = (InProcessSocketAddress) address;
    InProcessServerTransport server = InProcessServerTransport.find(target.name());
    InProcessConnection connection = server == null ? null : server.accept(target.name(), listener);
    if (connection == null) {
      Unreachable failed = new Unreachable();
      // Told after connect() returns, as a network connect would be.
      InProcessScheduler.get().execute(() -> listener.transportClosed(failed,
          Status.UNAVAILABLE.withDescription("no in-process server named '" + target.name() + "'")));
      return failed;
    }
    InProcessScheduler.get().execute(connection::ready);
    return connection;
  }

  /** A connection that never was: there is no server by that name. */
  private static final class Unreachable implements ClientTransport {
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
