package io.conduit.internal.netty;

import io.conduit.internal.transport.ServerTransport;
import io.conduit.internal.transport.ServerTransportListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A listening socket (TCP, with or without TLS, or Unix) and the HTTP/2 connections accepted on
 * it: the guards every connection gets (handshake and write-stall timeouts, the connection cap,
 * lingering close after an abuse GOAWAY) and their shutdown.
 */
public final class NettyServerTransport implements ServerTransport {

  /** What the server's builder configured for its connections; durations null for "never". */
  public record Settings(SocketAddress address, int maxInboundMessageSize, int maxConcurrentStreams,
      int maxHeaderListSize, Duration keepAliveTime, Duration keepAliveTimeout,
      Duration permitKeepAliveTime, boolean permitKeepAliveWithoutCalls,
      Duration maxConnectionIdle, Duration maxConnectionAge, Duration maxConnectionAgeGrace,
      TlsContext tls, Duration handshakeTimeout, Duration writeStallTimeout,
      int maxConnections, AbuseLimits limits, io.conduit.Clock clock, WebServer web) {}

  private static long nanos(Duration d) {
    return d == null ? Long.MAX_VALUE : d.toNanos();
  }

  private final Settings config;
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private ServerTransportListener streams;
  private final Object lock = new Object();
  private final List<Runnable> terminationTasks = new ArrayList<>();
  /** New connections use the current one; replaced by {@link #updateSslContext}. */
  private volatile SslContext sslContext;
  private ServerConnectionHandler.ServerSettings settings;
  private Channel serverChannel;
  private boolean shutdown;
  private boolean listenerClosed;
  private int openChildren;

  public NettyServerTransport(Settings config) {
    this.config = config;
    this.sslContext = config.tls() == null ? null : config.tls().sslContext();
  }

  /** New connections use {@code context}; open ones keep theirs. */
  public void updateTls(TlsContext tls) {
    if (sslContext == null) {
      throw new IllegalStateException("the server was built without TLS");
    }
    this.sslContext = java.util.Objects.requireNonNull(tls, "tls").sslContext();
  }

  @Override
  public void start(ServerTransportListener streams) {
    this.streams = streams;
    settings = new ServerConnectionHandler.ServerSettings(streams,
        config.maxInboundMessageSize(), config.maxConcurrentStreams(), config.maxHeaderListSize(),
        nanos(config.keepAliveTime()), nanos(config.keepAliveTimeout()),
        nanos(config.permitKeepAliveTime()), config.permitKeepAliveWithoutCalls(),
        nanos(config.maxConnectionIdle()), nanos(config.maxConnectionAge()),
        nanos(config.maxConnectionAgeGrace()), config.limits(), config.clock(), config.web());
    SocketAddress bindAddress = EventLoops.toNetty(config.address());
    ServerBootstrap b = new ServerBootstrap()
        .group(EventLoops.group())
        .channel(EventLoops.serverSocketChannel(bindAddress))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            accept(ch);
          }
        });
    if (config.address() instanceof java.net.InetSocketAddress) {
      b.option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true);
    }
    Integer userTimeout = EventLoops.tcpUserTimeoutMillis(bindAddress, config.keepAliveTime(),
        config.keepAliveTimeout());
    if (userTimeout != null) {
      b.childOption(EpollChannelOption.TCP_USER_TIMEOUT, userTimeout);
    }
    ChannelFuture bind = b.bind(bindAddress).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      synchronized (lock) {
        shutdown = true;
        listenerClosed = true;
      }
      Throwable cause = bind.cause();
      throw new UncheckedIOException("failed to bind " + EventLoops.describe(config.address())
          + ": " + cause.getMessage(), cause instanceof IOException io ? io : new IOException(cause));
    }
    serverChannel = bind.channel();
    serverChannel.closeFuture().addListener(f -> {
      synchronized (lock) {
        listenerClosed = true;
      }
      maybeTerminated();
    });
  }

  private void accept(Channel ch) {
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
    WebServer web = config.web();
    SslContext tls = sslContext;
    if (tls != null) {
      TlsSupport.addServerTls(ch, tls, nanos(config.handshakeTimeout()), web != null);
    }
    ch.pipeline().addLast(new ConnectionGuard(config.clock(), nanos(config.handshakeTimeout()),
        nanos(config.writeStallTimeout()), web == null
            ? () -> handler.decoder().prefaceReceived()
            : () -> handler.decoder().prefaceReceived() || web.requestStarted(ch)));
    if (web == null) {
      addHttp2(ch, handler);
      return;
    }
    // Only with the web protocols on does a connection pass the detector: native gRPC alone
    // keeps the pipeline it always had. Until it knows, the detector stands for the connection.
    ProtocolDetector detector = new ProtocolDetector();
    detector.onDetected(() -> {
      handOver(detector);
      addHttp2(ch, handler);
    }, () -> {
      handOver(detector);
      register(ch, web.install(ch, streams));
    });
    ch.pipeline().addLast(detector);
    register(ch, detector);
  }

  private void addHttp2(Channel ch, ServerConnectionHandler handler) {
    // After the guard, so that the guard's own closes stay immediate.
    ch.pipeline().addLast(new LingeringClose(config.clock(), handler::lingersOnClose,
        nanos(config.writeStallTimeout())));
    ch.pipeline().addLast(handler);
    register(ch, handler);
  }

  /** Keeps {@code connection}, which holds a reserved slot, until it closes. */
  private void register(Channel ch, ServerConnection connection) {
    boolean accepted;
    synchronized (lock) {
      accepted = !shutdown;
      if (accepted) {
        connections.add(connection);
      } else {
        openChildren--;
      }
    }
    if (!accepted) {
      ch.close();
      maybeTerminated();
      return;
    }
    connection.onClosed(() -> {
      synchronized (lock) {
        connections.remove(connection);
        openChildren--;
      }
      maybeTerminated();
    });
  }

  /** The detector has found the protocol: its slot goes to the connection {@link #register}ed next. */
  private void handOver(ProtocolDetector detector) {
    synchronized (lock) {
      connections.remove(detector);
    }
  }

  @Override
  public List<io.conduit.internal.channelz.SocketView> sockets() {
    List<io.conduit.internal.channelz.SocketView> open = new java.util.ArrayList<>();
    for (ServerConnection c : connections) {
      if (c instanceof ServerConnectionHandler h) {
        open.add(h);
      }
    }
    open.sort(java.util.Comparator.comparingLong(io.conduit.internal.channelz.SocketView::socketId));
    return open;
  }

  @Override
  public SocketAddress localAddress() {
    if (serverChannel == null) {
      throw new IllegalStateException("server not started");
    }
    return EventLoops.fromNetty(serverChannel.localAddress());
  }

  @Override
  public void shutdown() {
    close(false);
  }

  @Override
  public void shutdownNow() {
    close(true);
  }

  private void close(boolean now) {
    synchronized (lock) {
      shutdown = true;
      if (serverChannel == null) {
        listenerClosed = true;
      }
    }
    if (serverChannel != null) {
      serverChannel.close();
    }
    for (ServerConnection c : List.copyOf(connections)) {
      c.shutdown(now);
    }
    maybeTerminated();
  }

  @Override
  public void whenTerminated(Runnable task) {
    boolean now;
    synchronized (lock) {
      now = isTerminatedLocked();
      if (!now) {
        terminationTasks.add(task);
      }
    }
    if (now) {
      task.run();
    }
  }

  private boolean isTerminatedLocked() {
    return shutdown && listenerClosed && openChildren == 0;
  }

  private void maybeTerminated() {
    List<Runnable> tasks;
    synchronized (lock) {
      if (!isTerminatedLocked() || terminationTasks.isEmpty()) {
        return;
      }
      tasks = List.copyOf(terminationTasks);
      terminationTasks.clear();
    }
    tasks.forEach(Runnable::run);
  }

  /** The largest receive window among open connections (BDP flow control grows them). */
  public int maxReceiveWindow() {
    return connections.stream().filter(c -> c instanceof ServerConnectionHandler)
        .mapToInt(c -> ((ServerConnectionHandler) c).receiveWindow()).max().orElse(0);
  }

  @Override
  public String toString() {
    return EventLoops.describe(serverChannel == null ? config.address() : localAddress());
  }
}
