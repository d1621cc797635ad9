package io.conduit.internal;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.MethodDescriptor;
import io.conduit.internal.transport.ClientConnectionHandler;
import io.conduit.internal.transport.EventLoops;
import io.conduit.internal.transport.NettyClientCall;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The machinery behind {@link io.conduit.Channel}: one HTTP/2 connection to the target at a time,
 * opened on the first call and opened again for the next call after it closes or goes away.
 */
public final class ChannelImpl implements CallFactory, NettyClientCall.Host, ClientConnectionHandler.Owner {

  private static final String VERSION = "0.1.0";

  /** Everything the builder configured. */
  public record Config(String target, String authority, String userAgent, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxHeaderListSize) {}

  private final Config config;
  private final String host;
  private final int port;
  private final String authority;
  private final AsciiString userAgent;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final Object lock = new Object();
  private final Set<ClientConnectionHandler> connections = new HashSet<>();
  private ClientConnectionHandler current;
  private boolean shutdown;

  public ChannelImpl(Config config) {
    this.config = config;
    String hostPort = parseTarget(config.target());
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || hostPort.endsWith("]")) {
      throw new IllegalArgumentException("target needs a port: " + config.target());
    }
    String h = hostPort.substring(0, colon);
    this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    try {
      this.port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid port in target: " + config.target(), e);
    }
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range in target: " + config.target());
    }
    this.authority = config.authority() != null ? config.authority() : hostPort;
    String product = "conduit-java/" + VERSION;
    this.userAgent = AsciiString.of(config.userAgent() == null ? product : config.userAgent() + " " + product);
    if (config.directExecutor()) {
      ownedExecutor = null;
      executor = null;
    } else if (config.executor() != null) {
      ownedExecutor = null;
      executor = config.executor();
    } else {
      ownedExecutor = DefaultExecutors.newHandlerExecutor("conduit-callback");
      executor = ownedExecutor;
    }
  }

  /** {@code host:port}, bracketing IPv6 literals. */
  public static String hostPort(String host, int port) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
  }

  /** The {@code host:port} of a target: {@code host:port} or {@code dns:///host:port}. */
  static String parseTarget(String target) {
    if (target.startsWith("dns:")) {
      URI uri = URI.create(target);
      String path = uri.getPath();
      if (path == null || path.length() < 2) {
        throw new IllegalArgumentException("invalid dns target: " + target);
      }
      return path.substring(1);
    }
    return target;
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    Executor callExecutor = executor == null ? Runnable::run : new SerializingExecutor(executor);
    return new NettyClientCall<>(this, method, options, callExecutor);
  }

  @Override
  public ClientConnectionHandler connection() {
    synchronized (lock) {
      if (shutdown) {
        return null;
      }
      if (current == null || !current.isUsable()) {
        current = connect();
      }
      return current;
    }
  }

  private ClientConnectionHandler connect() {
    EventLoop loop = EventLoops.group().next();
    ClientConnectionHandler handler = ClientConnectionHandler.create(loop, config.maxHeaderListSize(), this);
    connections.add(handler);
    // Resolve on the calling thread (never on the event loop); resolvers replace this later.
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(host, port);
    } catch (RuntimeException e) {
      handler.connectFailed(e);
      return handler;
    }
    if (address.isUnresolved()) {
      loop.execute(() -> handler.connectFailed(new java.net.UnknownHostException(host)));
      return handler;
    }
    ChannelFuture f = new Bootstrap()
        .group(loop)
        .channel(EventLoops.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000)
        .handler(handler)
        .connect(address);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        handler.connectFailed(done.cause());
      }
    });
    return handler;
  }

  @Override
  public void connectionUnusable(ClientConnectionHandler connection) {
    synchronized (lock) {
      if (current == connection) {
        current = null;
      }
    }
  }

  @Override
  public void connectionClosed(ClientConnectionHandler connection) {
    synchronized (lock) {
      if (current == connection) {
        current = null;
      }
      connections.remove(connection);
      lock.notifyAll();
    }
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public AsciiString userAgent() {
    return userAgent;
  }

  @Override
  public int maxInboundMessageSize() {
    return config.maxInboundMessageSize();
  }

  public void shutdown() {
    List<ClientConnectionHandler> open;
    synchronized (lock) {
      shutdown = true;
      current = null;
      open = List.copyOf(connections);
    }
    for (ClientConnectionHandler c : open) {
      c.closeWhenIdle();
    }
    maybeShutdownExecutor();
  }

  public void shutdownNow() {
    List<ClientConnectionHandler> open;
    synchronized (lock) {
      shutdown = true;
      current = null;
      open = List.copyOf(connections);
    }
    for (ClientConnectionHandler c : open) {
      c.closeNow();
    }
    maybeShutdownExecutor();
  }

  private void maybeShutdownExecutor() {
    if (isTerminated() && ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  public boolean isShutdown() {
    synchronized (lock) {
      return shutdown;
    }
  }

  public boolean isTerminated() {
    synchronized (lock) {
      return shutdown && connections.isEmpty();
    }
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!(shutdown && connections.isEmpty())) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
    return true;
  }
}
