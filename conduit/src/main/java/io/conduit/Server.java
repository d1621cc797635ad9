package io.conduit;

import io.conduit.internal.ServerImpl;
import io.conduit.internal.netty.EventLoops;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A gRPC server: listens on a port and serves the registered services over HTTP/2.
 *
 * <pre>{@code
 * Server server = Server.builder()
 *     .port(50051)
 *     .service(new GreeterService())
 *     .build()
 *     .start();
 * server.awaitTermination();
 * }</pre>
 *
 * <p>Handlers run on virtual threads when the JVM has them, on a bounded pool otherwise; see
 * {@link Builder#executor} and {@link Builder#directExecutor}.
 */
public final class Server implements AutoCloseable {
  static {
    io.conduit.internal.NettyDefaults.apply();
  }

  private static final System.Logger LOG = System.getLogger(Server.class.getName());

  private final ServerImpl impl;
  /** The services to tell when shutdown begins (see {@link RpcService#onServerShutdown}). */
  private final List<RpcService> rpcServices;
  private final List<ServiceDefinition> services;
  private final AtomicBoolean shutdownAnnounced = new AtomicBoolean();

  private Server(Builder builder) {
    this.impl = new ServerImpl(builder.config());
    this.rpcServices = List.copyOf(builder.rpcServices);
    this.services = List.copyOf(builder.services);
    for (RpcService service : rpcServices) {
      service.onRegistered(this);
    }
  }

  /**
   * {@return a builder, with every globally registered {@link Configurator} applied to it already}
   */
  public static Builder builder() {
    Builder b = new Builder();
    b.globalConfigurators = Configurators.applyTo(b);
    return b;
  }

  /** The implementation, for tests in this package. */
  ServerImpl impl() {
    return impl;
  }

  /**
   * Binds the port and starts serving; throws {@link java.io.UncheckedIOException} on failure.
   *
   * @return this server
   */
  public Server start() {
    impl.start();
    return this;
  }

  /**
   * The services this server serves, in the order they were registered, as registered (before
   * the server's interceptors).
   *
   * @return the services
   */
  public List<ServiceDefinition> services() {
    return services;
  }

  /** {@return the bound port (the real one when built with port 0)} */
  public int port() {
    return impl.localAddress() instanceof InetSocketAddress inet ? inet.getPort() : -1;
  }

  /** {@return the bound address} */
  public SocketAddress localAddress() {
    return impl.localAddress();
  }

  /**
   * Replaces the TLS settings (e.g. a renewed certificate) without a restart: new connections use
   * {@code tls}, open ones keep theirs.
   *
   * @param tls the new TLS settings
   * @return this server
   * @throws IllegalStateException if the server was built without TLS
   */
  public Server updateTls(ServerTls tls) {
    impl.updateTls(tls.context());
    return this;
  }

  /**
   * Stops taking connections, tells clients to go away (GOAWAY) and lets in-flight calls finish.
   *
   * @return this server
   */
  public Server shutdown() {
    // Health-checking clients should stop sending before the connections go.
    announceShutdown();
    impl.shutdown();
    return this;
  }

  /**
   * Stops at once: cancels in-flight calls and closes every connection.
   *
   * @return this server
   */
  public Server shutdownNow() {
    announceShutdown();
    impl.shutdownNow();
    return this;
  }

  private void announceShutdown() {
    if (!shutdownAnnounced.compareAndSet(false, true)) {
      return;
    }
    for (RpcService service : rpcServices) {
      try {
        service.onServerShutdown();
      } catch (RuntimeException e) {
        // One service's hook must not keep the server from shutting down.
        LOG.log(System.Logger.Level.WARNING, "onServerShutdown of " + service + " failed", e);
      }
    }
  }

  /** {@return whether {@link #shutdown()} or {@link #shutdownNow()} was called} */
  public boolean isShutdown() {
    return impl.isShutdown();
  }

  /** {@return whether the server is shut down and every call and connection of it has ended} */
  public boolean isTerminated() {
    return impl.isTerminated();
  }

  /**
   * Waits until every connection is closed and, on the server's default executor, every handler
   * has returned; returns whether that happened in time.
   *
   * @param timeout the longest time to wait
   * @return whether the server terminated in time
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return impl.awaitTermination(timeout);
  }

  /**
   * Waits until the server has terminated.
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public void awaitTermination() throws InterruptedException {
    impl.awaitTermination(null);
  }

  /** {@link #close(Duration) close(Duration.ofSeconds(5))}. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /**
   * Shuts down with a bound, in three steps:
   * <ol>
   *   <li>{@link #shutdown()}: health turns NOT_SERVING, clients get GOAWAY, new calls and
   *       connections are refused, and in-flight calls go on;
   *   <li>waits up to {@code timeout} for them to finish (and, on the server's own executor,
   *       for their handlers to return);
   *   <li>if some are still running, {@link #shutdownNow()}: they are cancelled (their clients
   *       see {@code UNAVAILABLE}, their handlers see the context cancelled and {@code onCancel})
   *       and every connection closes; then waits up to {@code timeout} again for handlers to
   *       return.
   * </ol>
   * So it returns within about twice {@code timeout}, whatever the handlers do. If the waiting
   * thread is interrupted, it forces the shutdown at once and keeps the interrupt.
   *
   * @param timeout how long in-flight calls get to finish before they are cancelled
   * @return whether the server terminated: false when a handler still runs (it ignored the
   *     cancellation)
   */
  public boolean close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    shutdown();
    try {
      if (awaitTermination(timeout)) {
        return true;
      }
      shutdownNow();
      return awaitTermination(timeout);
    } catch (InterruptedException e) {
      shutdownNow();
      Thread.currentThread().interrupt();
      return isTerminated();
    }
  }

  @Override
  public String toString() {
    return "Server[" + impl + "]";
  }

  /** The default of {@link Builder#maxQueuedCalls}. */
  public static final int DEFAULT_MAX_QUEUED_CALLS = 2000;

  /** Configures a {@link Server}. */
  public static final class Builder {
    /** Where to listen: there is no default, so that no server listens where nobody asked. */
    private SocketAddress address;
    /** The global configurators applied to this builder, told of the server it builds. */
    private List<Configurator> globalConfigurators = List.of();
    private final List<ServiceDefinition> services = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private final List<RpcService> rpcServices = new ArrayList<>();
    private final List<ServerCallTracer.Factory> tracers = new ArrayList<>();
    private Executor executor;
    private boolean directExecutor;
    private int maxInboundMessageSize = 4 * 1024 * 1024;
    private int maxConcurrentStreams = 100;
    private int maxHeaderListSize = 8 * 1024;
    private Duration keepAliveTime = Duration.ofHours(2);
    private Duration keepAliveTimeout = Duration.ofSeconds(20);
    private Duration permitKeepAliveTime = Duration.ofMinutes(5);
    private boolean permitKeepAliveWithoutCalls;
    private Duration maxConnectionIdle;
    private Duration maxConnectionAge;
    private Duration maxConnectionAgeGrace;
    private ServerTls tls;
    private Duration handshakeTimeout = Duration.ofSeconds(20);
    private Duration writeStallTimeout = Duration.ofSeconds(60);
    private int maxConnections;
    private int maxQueuedCalls = DEFAULT_MAX_QUEUED_CALLS;
    private int maxConcurrentCalls;
    private io.conduit.internal.netty.AbuseLimits limits =
        io.conduit.internal.netty.AbuseLimits.DEFAULT;
    private Clock clock = Clock.SYSTEM;
    private WebOptions web;

    private Builder() {}

    /**
     * Also serves gRPC-Web and the Connect protocol, over HTTP/1.1 and HTTP/2, on the same port
     * as native gRPC (which is unchanged); see {@link WebOptions}. Default: off.
     *
     * @param options the web protocols' settings
     * @return this builder
     */
    public Builder web(WebOptions options) {
      this.web = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Serves without TLS (HTTP/2 with prior knowledge, and HTTP/1.1 for web clients); the default.
     *
     * @return this builder
     */
    public Builder plaintext() {
      this.tls = null;
      return this;
    }

    /**
     * Serves over TLS (HTTP/2 negotiated with ALPN); see {@link ServerTls}. Default: plaintext.
     *
     * @param tls the TLS settings
     * @return this builder
     */
    public Builder tls(ServerTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * A client must finish the TLS handshake and send the HTTP/2 preface within this time after it
     * connects, or the connection closes (default 20 s; a guard against slowloris clients).
     *
     * @param timeout the time to finish the handshake and the preface
     * @return this builder
     */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = positive("handshakeTimeout", timeout);
      return this;
    }

    /**
     * The most connections open at once; more are closed as soon as they are accepted (default:
     * no limit).
     *
     * @param connections the most open connections
     * @return this builder
     */
    public Builder maxConnections(int connections) {
      if (connections <= 0) {
        throw new IllegalArgumentException("maxConnections must be > 0: " + connections);
      }
      this.maxConnections = connections;
      return this;
    }

    /**
     * Load shedding: while this many calls wait for a handler thread (every thread of the
     * executor is busy), new calls are refused at once with {@code UNAVAILABLE} "server
     * overloaded", which clients may retry elsewhere, instead of queueing without bound (default
     * {@value Server#DEFAULT_MAX_QUEUED_CALLS}). This is what sheds load on JDK 17, where handlers
     * run on a pool of a fixed size; with virtual threads (JDK 21+) calls hardly wait for a thread,
     * so bound them with {@link #maxConcurrentCalls}. Calls already admitted keep running, and
     * health checks ({@code grpc.health.v1.Health}) run on a thread of their own and are never
     * shed. No effect with {@link #directExecutor}.
     *
     * @param calls the most calls waiting for a thread
     * @return this builder
     */
    public Builder maxQueuedCalls(int calls) {
      if (calls <= 0) {
        throw new IllegalArgumentException("maxQueuedCalls must be > 0: " + calls);
      }
      this.maxQueuedCalls = calls;
      return this;
    }

    /**
     * Load shedding: the most calls running at once on the whole server, from their headers until
     * their status is sent or they are cancelled; more are refused at once with {@code
     * UNAVAILABLE} "server overloaded" (default: no limit). Streaming calls count for as long as
     * they are open. Health checks are not counted. Per connection, see {@link
     * #maxConcurrentStreams}.
     *
     * @param calls the most calls running at once
     * @return this builder
     */
    public Builder maxConcurrentCalls(int calls) {
      if (calls <= 0) {
        throw new IllegalArgumentException("maxConcurrentCalls must be > 0: " + calls);
      }
      this.maxConcurrentCalls = calls;
      return this;
    }

    /**
     * Reset guard: a client gets GOAWAY ENHANCE_YOUR_CALM once it is to blame for more than {@code
     * resets} stream resets within {@code window} (whole seconds; default 200 per 10 s; 0
     * disables). One budget counts both the RST_STREAM frames it sends (rapid reset,
     * CVE-2023-44487) and the resets it makes the server send (MadeYouReset, CVE-2025-8671):
     * stream errors, and requests the server rejects while the client is still sending (no
     * content-type or a wrong one, malformed {@code :path} or {@code grpc-timeout}, a message
     * over the size limit...). Not counted: the RST_STREAM(NO_ERROR) that ends a complete
     * response to a client still sending, the server's own cancellations (deadlines), and calls
     * to methods the server does not have.
     *
     * @param resets the resets allowed within {@code window}; 0 disables the guard
     * @param window the time the resets are counted over
     * @return this builder
     */
    public Builder maxResetStreams(int resets, Duration window) {
      if (resets < 0) {
        throw new IllegalArgumentException("resets must be >= 0: " + resets);
      }
      long seconds = Math.max(1, (positive("window", window).toMillis() + 999) / 1000);
      this.limits = limits.withResets(resets, (int) Math.min(Integer.MAX_VALUE, seconds));
      return this;
    }

    /**
     * PING and SETTINGS flood guard: a client that does not read the acknowledgements (and resets)
     * it provokes gets GOAWAY ENHANCE_YOUR_CALM once this many are queued (default 256). Keep it
     * under some 500: at 64 KiB of unsent output the server stops reading from the client (see
     * {@link #writeStallTimeout}), and a flood stalls there instead of reaching a higher limit.
     *
     * <p>After a GOAWAY for abuse (this or any other guard) the connection lingers briefly so the
     * client can read it: the server waits until the GOAWAY is written (at most the write-stall
     * timeout), shuts down its sending side, and discards what the client still sends for up to
     * 2 s or until the client closes.
     *
     * @param frames the most queued acknowledgements
     * @return this builder
     */
    public Builder maxQueuedControlFrames(int frames) {
      if (frames <= 0) {
        throw new IllegalArgumentException("maxQueuedControlFrames must be > 0: " + frames);
      }
      this.limits = limits.withMaxQueuedControlFrames(frames);
      return this;
    }

    /**
     * Empty-frame and CONTINUATION flood guards: GOAWAY ENHANCE_YOUR_CALM after {@code emptyData}
     * empty DATA frames in a row without END_STREAM (default 2), or after {@code
     * smallContinuations} tiny CONTINUATION frames in one header block (default 16). Large
     * header blocks are bounded by {@link #maxHeaderListSize}.
     *
     * @param emptyData the empty DATA frames allowed in a row
     * @param smallContinuations the tiny CONTINUATION frames allowed in a row
     * @return this builder
     */
    public Builder maxEmptyFrames(int emptyData, int smallContinuations) {
      if (emptyData <= 0 || smallContinuations <= 0) {
        throw new IllegalArgumentException("limits must be > 0: " + emptyData + ", " + smallContinuations);
      }
      this.limits = new io.conduit.internal.netty.AbuseLimits(limits.maxResetsPerWindow(),
          limits.resetWindowSeconds(), limits.maxQueuedControlFrames(), emptyData, smallContinuations);
      return this;
    }

    /**
     * While a client reads nothing, the server stops reading from it (so it cannot make the server
     * buffer answers without bound); after this long the connection closes (default 60 s). Also
     * how long a GOAWAY for abuse may wait behind output the client does not read.
     *
     * @param timeout how long a client may read nothing
     * @return this builder
     */
    public Builder writeStallTimeout(Duration timeout) {
      this.writeStallTimeout = positive("writeStallTimeout", timeout);
      return this;
    }

    /**
     * Listens on all interfaces at {@code port}; 0 picks a free port (see {@link #port()}).
     *
     * @param port the port, or 0 for a free one
     * @return this builder
     */
    public Builder port(int port) {
      return address(new InetSocketAddress(checkPort(port)));
    }

    /**
     * Listens on {@code host:port}, e.g. {@code "127.0.0.1"}.
     *
     * @param host the host name or IP address to listen on
     * @param port the port, or 0 for a free one
     * @return this builder
     */
    public Builder bind(String host, int port) {
      return address(new InetSocketAddress(host, checkPort(port)));
    }

    /**
     * Listens on {@code address}: an {@link InetSocketAddress}, or a
     * {@link java.net.UnixDomainSocketAddress} for a Unix socket file.
     *
     * @param address the address to listen on
     * @return this builder
     */
    public Builder address(SocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Listens on the abstract Unix socket {@code name} (Linux only; clients reach it as
     * {@code unix-abstract:name}). Abstract sockets have no file and no permission checks: any
     * process on the host can connect.
     *
     * @param name the socket's name
     * @return this builder
     * @throws IllegalArgumentException when the platform has no abstract sockets (not Linux, or
     *     the epoll transport cannot load)
     */
    public Builder abstractUnixSocket(String name) {
      return address(EventLoops.abstractUnixAddress(
          Objects.requireNonNull(name, "name")));
    }

    /**
     * Serves in this JVM only, under {@code name}: channels built for {@code inprocess:name}
     * reach it without sockets or HTTP/2, with the same call semantics (deadlines, cancellation,
     * metadata, flow control, size limits, shutdown). Messages are always serialized, so a
     * marshaller bug shows in tests; there is no zero-copy mode. For tests, and for in-JVM
     * composition of services.
     *
     * @param name the name channels reach the server by
     * @return this builder
     */
    public Builder inProcess(String name) {
      if (Objects.requireNonNull(name, "name").isEmpty()) {
        throw new IllegalArgumentException("empty in-process name");
      }
      return address(new io.conduit.InProcessSocketAddress(name));
    }

    /**
     * Serves {@code service}, and tells it when the server starts shutting down
     * ({@link RpcService#onServerShutdown}).
     *
     * @param service the service
     * @return this builder
     */
    public Builder service(RpcService service) {
      service(service.definition());
      rpcServices.add(service);
      return this;
    }

    /**
     * Adds a service; its methods must not clash with those already added.
     *
     * @param service the service
     * @return this builder
     */
    public Builder service(ServiceDefinition service) {
      for (ServiceDefinition s : services) {
        if (s.name().equals(service.name())) {
          throw new IllegalArgumentException("service " + service.name() + " is registered twice");
        }
      }
      services.add(service);
      return this;
    }

    /**
     * Interceptors for every call; the first one sees each call first.
     *
     * @param interceptors the interceptors, outermost first
     * @return this builder
     */
    public Builder intercept(ServerInterceptor... interceptors) {
      this.interceptors.addAll(List.of(interceptors));
      return this;
    }

    /**
     * Traces every call with {@code factory} (metrics, tracing): see {@link ServerCallTracer}.
     * May be called more than once; each factory sees every call.
     *
     * @param factory creates the tracer of each call
     * @return this builder
     */
    public Builder tracer(ServerCallTracer.Factory factory) {
      tracers.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /**
     * Runs handlers on {@code executor} instead of the default (which the server then owns).
     *
     * @param executor the executor for handlers; the caller keeps ownership
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      this.directExecutor = false;
      return this;
    }

    /**
     * Runs handlers on the I/O threads: the lowest latency, for handlers that never block.
     *
     * @return this builder
     */
    public Builder directExecutor() {
      this.directExecutor = true;
      this.executor = null;
      return this;
    }

    /**
     * The largest request message accepted (default 4 MiB); larger ones fail RESOURCE_EXHAUSTED.
     *
     * @param bytes the largest request message accepted, in bytes
     * @return this builder
     */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageSize must be > 0: " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /**
     * The most concurrent calls per connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
     *
     * @param streams the most concurrent streams per connection
     * @return this builder
     */
    public Builder maxConcurrentStreams(int streams) {
      if (streams <= 0) {
        throw new IllegalArgumentException("maxConcurrentStreams must be > 0: " + streams);
      }
      this.maxConcurrentStreams = streams;
      return this;
    }

    /**
     * The largest header list accepted (default 8 KiB).
     *
     * @param bytes the largest request header list accepted, in bytes
     * @return this builder
     */
    public Builder maxHeaderListSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxHeaderListSize must be > 0: " + bytes);
      }
      this.maxHeaderListSize = bytes;
      return this;
    }

    /**
     * Pings a client after this long without hearing from it, to find dead connections
     * (default 2 hours); {@link #keepAliveTimeout} later without an answer, the connection closes.
     *
     * @param time the time without reads after which a PING goes out
     * @return this builder
     */
    public Builder keepAliveTime(Duration time) {
      this.keepAliveTime = positive("keepAliveTime", time);
      return this;
    }

    /**
     * How long to wait for a keepalive PING's ACK (default 20 s). On Netty's epoll transport
     * (Linux) it is also every TCP connection's {@code TCP_USER_TIMEOUT} (gRFC A18): a client that
     * leaves sent data unacknowledged this long is dropped at once and its calls' handlers see
     * them cancelled. On NIO only the PING finds a dead client, {@code keepAliveTime} plus this
     * after the last read.
     *
     * @param timeout how long to wait for the PING's acknowledgement
     * @return this builder
     */
    public Builder keepAliveTimeout(Duration timeout) {
      this.keepAliveTimeout = positive("keepAliveTimeout", timeout);
      return this;
    }

    /**
     * The shortest keepalive interval clients may use (default 5 minutes); clients that ping more
     * often get GOAWAY ENHANCE_YOUR_CALM {@code too_many_pings} (gRFC A8/A9).
     *
     * @param time the shortest interval between client pings
     * @return this builder
     */
    public Builder permitKeepAliveTime(Duration time) {
      this.permitKeepAliveTime = Objects.requireNonNull(time, "time");
      return this;
    }

    /**
     * Whether clients may ping while they have no calls (default false).
     *
     * @param permit whether clients may ping without calls
     * @return this builder
     */
    public Builder permitKeepAliveWithoutCalls(boolean permit) {
      this.permitKeepAliveWithoutCalls = permit;
      return this;
    }

    /**
     * A connection without calls for this long is closed gracefully (default never).
     *
     * @param idle the longest time a connection may go without calls
     * @return this builder
     */
    public Builder maxConnectionIdle(Duration idle) {
      this.maxConnectionIdle = positive("maxConnectionIdle", idle);
      return this;
    }

    /**
     * Connections older than this (+/- 10 % jitter) are closed gracefully, so clients re-resolve and
     * spread over new backends (default never).
     *
     * @param age the longest time a connection may live
     * @return this builder
     */
    public Builder maxConnectionAge(Duration age) {
      this.maxConnectionAge = positive("maxConnectionAge", age);
      return this;
    }

    /**
     * After max age, calls still running get this long before the connection is forced shut.
     *
     * @param grace the time running calls get after the max age
     * @return this builder
     */
    public Builder maxConnectionAgeGrace(Duration grace) {
      this.maxConnectionAgeGrace = Objects.requireNonNull(grace, "grace");
      return this;
    }

    private static Duration positive(String name, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }

    /**
     * The time the server's timers run on (default {@link Clock#SYSTEM}): for tests, which pass
     * a fake clock and advance it by hand. Keepalive and its enforcement, max connection idle and
     * age and their grace, the GOAWAY steps, handshake and write-stall timeouts, the reset budget's
     * window and call deadlines (from {@code grpc-timeout}) all follow it.
     *
     * @param clock the clock the server's timers run on
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     *
     * @return the server, not yet started
     * @throws IllegalStateException when no address was given ({@link #port}, {@link #bind},
     *     {@link #address}, {@link #abstractUnixSocket} or {@link #inProcess})
     */
    public Server build() {
      if (address == null) {
        throw new IllegalStateException("the server has no address: choose one with port(n) "
            + "(port(0) picks a free port), bind(host, port), address(...) or inProcess(name)");
      }
      Server server = new Server(this);
      for (Configurator c : globalConfigurators) {
        c.built(server);
      }
      return server;
    }

    ServerImpl.Config config() {
      List<ServiceDefinition> wrapped = new ArrayList<>();
      for (ServiceDefinition s : services) {
        wrapped.add(interceptors.isEmpty() ? s : s.intercept(interceptors));
      }
      return new ServerImpl.Config(address, wrapped, executor, directExecutor,
          maxInboundMessageSize, maxConcurrentStreams, maxHeaderListSize, keepAliveTime,
          keepAliveTimeout, permitKeepAliveTime, permitKeepAliveWithoutCalls, maxConnectionIdle,
          maxConnectionAge, maxConnectionAgeGrace, tls == null ? null : tls.context(),
          handshakeTimeout, writeStallTimeout, maxConnections, limits, List.copyOf(tracers), clock,
          web, maxQueuedCalls, maxConcurrentCalls);
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      return port;
    }
  }
}
