package io.conduit.internal.netty;

import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.ClientConnectionFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 connections over TCP (plaintext or TLS) and Unix sockets, for one channel. Keeps the
 * channel's keepalive time, which doubles each time a server says too_many_pings (gRFC A8).
 */
public final class NettyClientConnectionFactory implements ClientConnectionFactory {
  private static final System.Logger LOG = System.getLogger(NettyClientConnectionFactory.class.getName());

  /** What the channel's builder configured for its connections. */
  public record Settings(String target, String authority, String userAgent, int maxHeaderListSize,
      Duration keepAliveTime, Duration keepAliveTimeout, boolean keepAliveWithoutCalls,
      TlsContext tls, io.conduit.Clock clock) {}

  private final Settings settings;
  private final AsciiString authority;
  private final AsciiString userAgent;
  /** Long.MAX_VALUE when keepalive is off. */
  private volatile long keepAliveTimeNanos;

  public NettyClientConnectionFactory(Settings settings) {
    this.settings = settings;
    this.authority = GrpcHeaders.cachedAscii(settings.authority());
    this.userAgent = AsciiString.of(settings.userAgent());
    this.keepAliveTimeNanos = settings.keepAliveTime() == null
        ? Long.MAX_VALUE : settings.keepAliveTime().toNanos();
  }

  @Override
  public boolean supports(SocketAddress address) {
    return !(address instanceof io.conduit.InProcessSocketAddress);
  }

  /** One of the shared event loops, for timers that belong to no connection. */
  public static ScheduledExecutorService sharedScheduler() {
    return EventLoops.group().next();
  }

  /** The keepalive time new connections use, after any too_many_pings doubling; null when off. */
  public Duration keepAliveTime() {
    long t = keepAliveTimeNanos;
    return t == Long.MAX_VALUE ? null : Duration.ofNanos(t);
  }

  private void tooManyPings(SocketAddress address) {
    long current = keepAliveTimeNanos;
    if (current != Long.MAX_VALUE) {
      keepAliveTimeNanos = current > Long.MAX_VALUE / 2 ? Long.MAX_VALUE - 1 : current * 2;
      LOG.log(Level.WARNING, "server " + address + " says too_many_pings; keepalive time for "
          + settings.target() + " is now " + Duration.ofNanos(keepAliveTimeNanos));
    }
  }

  @Override
  public ClientConnection connect(SocketAddress address, long connectTimeoutNanos,
      ClientConnection.Listener listener) {
    EventLoop loop = EventLoops.group().next();
    ClientConnectionHandler.KeepAlive keepAlive = new ClientConnectionHandler.KeepAlive(
        keepAliveTimeNanos, settings.keepAliveTimeout().toNanos(), settings.keepAliveWithoutCalls(),
        settings.clock());
    ClientConnectionHandler handler = ClientConnectionHandler.create(loop, settings.maxHeaderListSize(),
        keepAlive, listener, () -> tooManyPings(address), authority, userAgent);
    SocketAddress remote = EventLoops.toNetty(address);
    if (remote instanceof InetSocketAddress inet && inet.isUnresolved()) {
      remote = new InetSocketAddress(inet.getHostString(), inet.getPort());
    }
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(EventLoops.socketChannel(remote))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos)))
        .handler(TlsSupport.clientHandler(settings.tls() == null ? null : settings.tls().sslContext(),
            TlsSupport.hostOf(settings.authority()),
            remote instanceof InetSocketAddress inetRemote ? inetRemote.getPort() : -1, handler));
    if (remote instanceof InetSocketAddress) {
      b.option(ChannelOption.TCP_NODELAY, true);
    }
    Integer userTimeout = EventLoops.tcpUserTimeoutMillis(remote, keepAliveTime(),
        settings.keepAliveTimeout());
    if (userTimeout != null) {
      b.option(EpollChannelOption.TCP_USER_TIMEOUT, userTimeout);
    }
    ChannelFuture f = b.connect(remote);
    handler.channel(f.channel());
    f.addListener(done -> {
      if (!done.isSuccess()) {
        handler.connectFailed(ConnectFailure.describe(address, done.cause()), done.cause());
      }
    });
    return handler;
  }
}
