package io.conduit.internal;

import io.conduit.ServiceDefinition;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/** Placeholder while the transport lands. */
public final class ServerImpl {
  public record Config(SocketAddress address, List<ServiceDefinition> services, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxConcurrentStreams,
      int maxHeaderListSize) {}

  public ServerImpl(Config config) {}

  public void start() {
    throw new UnsupportedOperationException();
  }

  public SocketAddress localAddress() {
    throw new UnsupportedOperationException();
  }

  public void shutdown() {}

  public void shutdownNow() {}

  public boolean isShutdown() {
    return false;
  }

  public boolean isTerminated() {
    return false;
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return false;
  }
}
