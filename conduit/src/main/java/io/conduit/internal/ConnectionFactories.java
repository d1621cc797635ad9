package io.conduit.internal;

import io.conduit.internal.inprocess.InProcessConnectionFactory;
import io.conduit.internal.netty.NettyClientConnectionFactory;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.ClientConnectionFactory;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A channel's connection factory: each address goes to the transport that can reach it (an
 * in-process name, or the network over Netty).
 */
final class ConnectionFactories {
  private final NettyClientConnectionFactory netty;
  private final ClientConnectionFactory inProcess = new InProcessConnectionFactory();

  ConnectionFactories(ChannelImpl.Config config, String userAgent, String authority) {
    this.netty = new NettyClientConnectionFactory(new NettyClientConnectionFactory.Settings(
        config.target(), authority, userAgent, config.maxHeaderListSize(), config.keepAliveTime(),
        config.keepAliveTimeout(), config.keepAliveWithoutCalls(), config.tls(), config.clock()));
  }

  /** For timers that belong to no connection and the channels' synchronization contexts. */
  static ScheduledExecutorService sharedScheduler() {
    return NettyClientConnectionFactory.sharedScheduler();
  }

  ClientConnection connect(SocketAddress address, long connectTimeoutNanos,
      ClientConnection.Listener listener) {
    ClientConnectionFactory factory = inProcess.supports(address) ? inProcess : netty;
    return factory.connect(address, connectTimeoutNanos, listener);
  }

  /** The keepalive time new network connections use, after any too_many_pings doubling. */
  Duration keepAliveTime() {
    return netty.keepAliveTime();
  }
}
