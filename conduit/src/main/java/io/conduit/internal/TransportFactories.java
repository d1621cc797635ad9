package io.conduit.internal;

import io.conduit.internal.inprocess.InProcessTransportFactory;
import io.conduit.internal.netty.NettyClientTransportFactory;
import io.conduit.internal.transport.ClientTransport;
import io.conduit.internal.transport.ClientTransportFactory;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A channel's connection factory: each address goes to the transport that can reach it (an
 * in-process name, or the network over Netty).
 */
final class TransportFactories {
  private final NettyClientTransportFactory netty;
  private final ClientTransportFactory inProcess = new InProcessTransportFactory();

  TransportFactories(ChannelImpl.Config config, String userAgent, String authority) {
    this.netty = new NettyClientTransportFactory(new NettyClientTransportFactory.Settings(
        config.target(), authority, userAgent, config.maxHeaderListSize(), config.keepAliveTime(),
        config.keepAliveTimeout(), config.keepAliveWithoutCalls(), config.sslContext()));
  }

  /** For timers that belong to no connection and the channels' synchronization contexts. */
  static ScheduledExecutorService sharedScheduler() {
    return NettyClientTransportFactory.sharedScheduler();
  }

  ClientTransport connect(SocketAddress address, long connectTimeoutNanos,
      ClientTransport.Listener listener) {
    ClientTransportFactory factory = inProcess.supports(address) ? inProcess : netty;
    return factory.connect(address, connectTimeoutNanos, listener);
  }

  /** The keepalive time new network connections use, after any too_many_pings doubling. */
  Duration keepAliveTime() {
    return netty.keepAliveTime();
  }
}
