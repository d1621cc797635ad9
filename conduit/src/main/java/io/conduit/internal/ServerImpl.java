package io.conduit.internal;

import io.conduit.ServiceDefinition;
import io.conduit.internal.transport.AbuseLimits;
import io.conduit.internal.transport.ConnectionGuard;
import io.conduit.internal.transport.EventLoops;
import io.conduit.internal.transport.LingeringClose;
import io.conduit.internal.transport.ServerConnectionHandler;
import io.conduit.internal.transport.TlsSupport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.util.AsciiString;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** The machinery behind {@link io.conduit.Server}: listener, connections, lifecycle. */
public final class ServerImpl {

  /** Everything the builder configured. */
  public record Config(SocketAddress address, List<ServiceDefinition> services, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxConcurrentStreams,
      int maxHeaderListSize, Duration keepAliveTime, Duration keepAliveTimeout,
      Duration permitKeepAliveTime, boolean permitKeepAliveWithoutCalls,
      Duration maxConnectionIdle, Duration maxConnectionAge, Duration maxConnectionAgeGrace,
      SslContext sslContext, Duration handshakeTimeout, Duration writeStallTimeout,
      int maxConnections, AbuseLimits limits, io.conduit.Clock clock) {}

  private static long nanos(Duration d) {
    return d == null ? Long.MAX_VALUE : d.toNanos();
  }

  private final Config config;
  private final ServerConnectionHandler.ServerSettings settings;
  private final ExecutorService ownedExecutor;
  private final Set<ServerConnectionHandler> connections = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  /** New connections use the current one; replaced by {@link #updateSslContext}. */
  private volatile SslContext sslContext;
  private Channel serverChannel;
  private boolean started;
  private boolean shutdown;
  private boolean listenerClosed;
  private int openChildren;

  public ServerImpl(Config config) {
    this.config = config;
    // Keyed by the :path as it arrives, so finding a method allocates nothing.
    Map<AsciiString, ServiceDefinition.Method<?, ?>> methods = new HashMap<>();
    for (ServiceDefinition service : config.services()) {
      for (ServiceDefinition.Method<?, ?> m : service.methods()) {
        methods.put(new AsciiString("/" + m.descriptor().fullMethodName()), m);
      }
    }
    DefaultExecutors.Choice handlers =
        DefaultExecutors.Choice.of(config.directExecutor(), config.executor(), "conduit-handler");
    Executor executor = handlers.executor();
    ownedExecutor = handlers.owned();
    this.settings = new ServerConnectionHandler.ServerSettings(Map.copyOf(methods), executor,
        config.maxInboundMessageSize(), config.maxConcurrentStreams(), config.maxHeaderListSize(),
        nanos(config.keepAliveTime()), nanos(config.keepAliveTimeout()),
        nanos(config.permitKeepAliveTime()), config.permitKeepAliveWithoutCalls(),
        nanos(config.maxConnectionIdle()), nanos(config.maxConnectionAge()),
        nanos(config.maxConnectionAgeGrace()), config.limits(), config.clock());
    this.sslContext = config.sslContext();
  }

  /** New connections use {@code context}; open ones keep theirs. */
  public void updateSslContext(SslContext context) {
    if (sslContext == null) {
      throw new IllegalStateException("the server was built without TLS");
    }
    this.sslContext = java.util.Objects.requireNonNull(context, "context");
  }

  public void start() {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("server already started");
      }
      started = true;
    }
    SocketAddress bindAddress = EventLoops.toNetty(config.address());
    ServerBootstrap b = new ServerBootstrap()
        .group(EventLoops.group())
        .channel(EventLoops.serverSocketChannel(bindAddress))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            boolean reserved;
            synchronized (lock) {
              reserved = !shutdown
                  && (config.maxConnections() <= 0 || openChildren < config.maxConnections());
              if (reserved) {
                openChildren++;
              }
            }
            if (!reserved) {
              // Over the connection cap (or shutting down): not one byte for this client.
              ch.close();
              return;
            }
            ServerConnectionHandler handler = ServerConnectionHandler.create(settings);
            SslContext tls = sslContext;
            if (tls != null) {
              TlsSupport.addServerTls(ch, tls, nanos(config.handshakeTimeout()));
            }
            ch.pipeline().addLast(new ConnectionGuard(config.clock(), nanos(config.handshakeTimeout()),
                nanos(config.writeStallTimeout()), () -> handler.decoder().prefaceReceived()));
            // After the guard, so that the guard's own closes stay immediate.
            ch.pipeline().addLast(new LingeringClose(config.clock(), handler::lingersOnClose,
                nanos(config.writeStallTimeout())));
            ch.pipeline().addLast(handler);
            boolean accept;
            synchronized (lock) {
              accept = !shutdown;
              if (accept) {
                connections.add(handler);
              } else {
                openChildren--;
                lock.notifyAll();
              }
            }
            if (!accept) {
              ch.close();
              return;
            }
            handler.onClosed(() -> {
              synchronized (lock) {
                connections.remove(handler);
                openChildren--;
                lock.notifyAll();
              }
            });
          }
        });
    if (config.address() instanceof java.net.InetSocketAddress) {
      b.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
    }
    ChannelFuture bind = b.bind(bindAddress).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      synchronized (lock) {
        shutdown = true;
        listenerClosed = true;
      }
      shutdownExecutor();
      Throwable cause = bind.cause();
      throw new UncheckedIOException("failed to bind " + EventLoops.describe(config.address())
          + ": " + cause.getMessage(), cause instanceof IOException io ? io : new IOException(cause));
    }
    serverChannel = bind.channel();
    serverChannel.closeFuture().addListener(f -> {
      synchronized (lock) {
        listenerClosed = true;
        lock.notifyAll();
      }
    });
  }

  public SocketAddress localAddress() {
    if (serverChannel == null) {
      throw new IllegalStateException("server not started");
    }
    return EventLoops.fromNetty(serverChannel.localAddress());
  }

  public void shutdown() {
    close(false);
  }

  public void shutdownNow() {
    close(true);
  }

  private void close(boolean now) {
    synchronized (lock) {
      shutdown = true;
      if (!started) {
        listenerClosed = true;
      }
    }
    if (serverChannel != null) {
      serverChannel.close();
    }
    List<ServerConnectionHandler> open;
    synchronized (lock) {
      open = List.copyOf(connections);
    }
    for (ServerConnectionHandler c : open) {
      c.shutdown(now);
    }
    if (isTerminated()) {
      shutdownExecutor();
    }
  }

  public boolean isShutdown() {
    synchronized (lock) {
      return shutdown;
    }
  }

  public boolean isTerminated() {
    synchronized (lock) {
      return shutdown && listenerClosed && openChildren == 0;
    }
  }

  /** Waits for termination; a null timeout waits for ever. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    // Real time, not the clock: this waits for threads to finish, not for a timer.
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!(shutdown && listenerClosed && openChildren == 0)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
    shutdownExecutor();
    return true;
  }

  private void shutdownExecutor() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
    }
  }

  /** The largest receive window among open connections (BDP flow control grows them). */
  public int maxReceiveWindow() {
    synchronized (lock) {
      return connections.stream().mapToInt(ServerConnectionHandler::receiveWindow).max().orElse(0);
    }
  }

  @Override
  public String toString() {
    return EventLoops.describe(serverChannel == null ? config.address() : localAddress());
  }
}
