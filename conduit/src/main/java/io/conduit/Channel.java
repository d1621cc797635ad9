package io.conduit;

import io.conduit.balancer.LoadBalancer;
import io.conduit.internal.ChannelImpl;
import io.conduit.internal.ExponentialBackoff;
import io.conduit.resolver.NameResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A virtual connection to a target: makes calls over one or more HTTP/2 connections that it
 * opens lazily and re-opens when they close.
 *
 * <pre>{@code
 * try (Channel channel = Channel.builder("localhost:50051").plaintext().build()) {
 *   HelloReply reply = GreeterRpc.newBlockingClient(channel).sayHello(request);
 * }
 * }</pre>
 *
 * <p>Targets follow doc/naming.md: {@code host:port} and {@code dns:///host:port} (resolved by DNS,
 * again whenever a connection fails), {@code dns://NAMESERVER/host:port},
 * {@code ipv4:10.0.0.1:50051,10.0.0.2:50051}, {@code ipv6:[::1]:50051},
 * {@code unix:/path/to/socket}, {@code unix-abstract:name} (Linux), {@code inprocess:name} (a server in this JVM, see
 * {@code Server.Builder.inProcess}), or any scheme of a registered
 * {@link NameResolver.Provider}. Calls are spread by the load-balancing policy: {@code pick_first}
 * (default) or {@code round_robin}.
 */
public final class Channel implements CallFactory, AutoCloseable {
  static {
    io.conduit.internal.NettyDefaults.apply();
  }

  private final ChannelImpl impl;
  private final CallFactory calls;

  private Channel(Builder builder) {
    this.impl = new ChannelImpl(builder.config());
    // Credentials go on last, after every interceptor, right before the call is placed.
    CallFactory base = new io.conduit.internal.CallCredentialsApplier(impl, builder.callCredentials,
        builder.tls != null, impl.authority(), impl.callbackExecutor(), impl.scheduler(),
        impl.clock());
    this.calls = builder.interceptors.isEmpty()
        ? base
        : ClientInterceptor.intercept(base, List.copyOf(builder.interceptors));
  }

  /**
   * A builder for {@code target}, with every globally registered {@link Configurator} applied;
   * e.g. {@code "localhost:50051"} or {@code "dns:///example.com:443"}.
   *
   * @param target where to connect: {@code host:port}, or a URI such as {@code dns:///host:port},
   *     {@code unix:/path} or {@code inprocess:name}
   * @return a builder for {@code target}
   */
  public static Builder builder(String target) {
    Builder b = new Builder(target);
    // Global configurators first, so that what the caller sets next wins.
    b.globalConfigurators = Configurators.applyTo(b);
    return b;
  }

  /**
   * A builder for {@code host:port}.
   *
   * @param host the host name or IP address
   * @param port the port
   * @return a builder for {@code host:port}
   */
  public static Builder forAddress(String host, int port) {
    return builder(ChannelImpl.hostPort(host, port));
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    return calls.newCall(method, options);
  }

  /** {@return the {@code :authority} sent with each call} */
  public String authority() {
    return impl.authority();
  }

  /**
   * The channel's connectivity state; with {@code requestConnection}, an IDLE channel starts
   * connecting.
   *
   * @param requestConnection whether an IDLE channel should start connecting
   * @return the current state
   */
  public ConnectivityState state(boolean requestConnection) {
    return impl.state(requestConnection);
  }

  /**
   * Runs {@code callback} once the state differs from {@code source} (at once if it does).
   *
   * @param source the state the caller last saw
   * @param callback what to run once the state has changed
   */
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    impl.notifyWhenStateChanged(source, callback);
  }

  /**
   * The keepalive time new connections use ({@code null} when off); it doubles each time a server
   * answers {@code too_many_pings}.
   *
   * @return the keepalive time, or {@code null} when keepalive is off
   */
  public Duration keepAliveTime() {
    return impl.keepAliveTime();
  }

  /**
   * Refuses new calls, lets in-flight ones finish, then closes the connections.
   *
   * @return this channel
   */
  public Channel shutdown() {
    impl.shutdown();
    return this;
  }

  /**
   * Cancels in-flight calls and closes the connections now.
   *
   * @return this channel
   */
  public Channel shutdownNow() {
    impl.shutdownNow();
    return this;
  }

  /** {@return whether {@link #shutdown()} or {@link #shutdownNow()} was called} */
  public boolean isShutdown() {
    return impl.isShutdown();
  }

  /** {@return whether the channel is shut down and every call and connection of it has ended} */
  public boolean isTerminated() {
    return impl.isTerminated();
  }

  /**
   * Waits up to {@code timeout} for {@link #isTerminated()}; returns whether it became so.
   *
   * @param timeout the longest time to wait
   * @return whether the channel terminated in time
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return impl.awaitTermination(timeout);
  }

  /** {@link #close(Duration) close(Duration.ofSeconds(5))}. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /**
   * Shuts down with a bound, in three steps:
   * <ol>
   *   <li>{@link #shutdown()}: new calls fail {@code UNAVAILABLE} at once, and in-flight calls
   *       go on;
   *   <li>waits up to {@code timeout} for them to finish;
   *   <li>if some are still running, {@link #shutdownNow()}: they are cancelled (their
   *       listeners see {@code UNAVAILABLE}, the servers see the cancellation) and every
   *       connection closes; then waits up to {@code timeout} again for the channel's own
   *       callback threads to finish.
   * </ol>
   * So it returns within about twice {@code timeout}. If the waiting thread is interrupted, it
   * forces the shutdown at once and keeps the interrupt.
   *
   * @param timeout how long in-flight calls get to finish before they are cancelled
   * @return whether the channel terminated
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
    return "Channel[" + impl.authority() + "]";
  }

  /** Configures a {@link Channel}. */
  public static final class Builder {
    private final String target;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private final List<ChannelTracer.Factory> tracers = new ArrayList<>();
    /** The global configurators applied to this builder, told of the channel it builds. */
    private List<Configurator> globalConfigurators = List.of();
    private Executor executor;
    private boolean directExecutor;
    private int maxInboundMessageSize = 4 * 1024 * 1024;
    private int maxHeaderListSize = 8 * 1024;
    private String userAgent;
    private String authority;
    private String loadBalancingPolicy;
    private String defaultServiceConfig;
    private final List<NameResolver.Provider> resolverProviders = new ArrayList<>();
    private final List<LoadBalancer.Provider> balancerProviders = new ArrayList<>();
    private Duration idleTimeout = Duration.ofMinutes(30);
    private ExponentialBackoff.Policy backoff = ExponentialBackoff.Policy.DEFAULT;
    private Duration dnsMinRefreshInterval = Duration.ofSeconds(30);
    private Duration dnsRefreshPeriod;
    private Duration keepAliveTime;
    private Duration keepAliveTimeout = Duration.ofSeconds(20);
    private boolean keepAliveWithoutCalls;
    private int maxConnectionsPerBackend = 1;
    private boolean lookUpServiceConfigInDns;
    private boolean serviceConfigLookUp = true;
    private ChannelTls tls;
    private CallCredentials callCredentials;
    private Clock clock = Clock.SYSTEM;

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Traces the channel, its calls and connections with {@code factory} (metrics, tracing): see
     * {@link ChannelTracer}. May be called more than once; each factory sees everything.
     *
     * @param factory creates the tracers of the channel and its calls
     * @return this builder
     */
    public Builder tracer(ChannelTracer.Factory factory) {
      tracers.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /**
     * Connects without TLS (HTTP/2 with prior knowledge); the default.
     *
     * @return this builder
     */
    public Builder plaintext() {
      this.tls = null;
      return this;
    }

    /**
     * Connects with TLS, trusting the JDK's default CAs.
     *
     * @return this builder
     */
    public Builder tls() {
      return tls(ChannelTls.systemDefault());
    }

    /**
     * Connects with TLS as {@code tls} says (trust, client certificate); see {@link ChannelTls}.
     *
     * @param tls the TLS settings
     * @return this builder
     */
    public Builder tls(ChannelTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Adds {@code credentials}' metadata (e.g. a bearer token) to every call; see
     * {@link CallCredentials}. Without TLS, calls fail with UNAUTHENTICATED unless the
     * credentials allow plaintext.
     *
     * @param credentials the credentials added to every call
     * @return this builder
     */
    public Builder callCredentials(CallCredentials credentials) {
      this.callCredentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * Interceptors for every call; the first one sees each call first.
     *
     * @param interceptors the interceptors, outermost first
     * @return this builder
     */
    public Builder intercept(ClientInterceptor... interceptors) {
      this.interceptors.addAll(List.of(interceptors));
      return this;
    }

    /**
     * Runs call callbacks on {@code executor} instead of the default.
     *
     * @param executor the executor for callbacks; the caller keeps ownership
     * @return this builder
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      this.directExecutor = false;
      return this;
    }

    /**
     * Runs call callbacks on the I/O threads: for callbacks that never block.
     *
     * @return this builder
     */
    public Builder directExecutor() {
      this.directExecutor = true;
      this.executor = null;
      return this;
    }

    /**
     * The largest response message accepted (default 4 MiB).
     *
     * @param bytes the largest response message accepted, in bytes
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
     * The largest response header list accepted (default 8 KiB).
     *
     * @param bytes the largest response header list accepted, in bytes
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
     * Put before Conduit's own product token in {@code user-agent}.
     *
     * @param userAgent the application's product token, e.g. {@code my-app/1.2}
     * @return this builder
     */
    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    /**
     * Overrides the {@code :authority} (default: the target's host and port); over TLS its host is
     * also the name sent in SNI and the one the server's certificate must match.
     *
     * @param authority the authority, {@code host} or {@code host:port}
     * @return this builder
     */
    public Builder authority(String authority) {
      this.authority = authority;
      return this;
    }

    /**
     * The load-balancing policy when the service config names none: {@code pick_first} (default),
     * {@code round_robin}, or a registered one.
     *
     * @param policy the policy's name
     * @return this builder
     */
    public Builder loadBalancingPolicy(String policy) {
      this.loadBalancingPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The service config (JSON, doc/service_config.md) used unless the resolver supplies one,
     * e.g. {@code {"loadBalancingConfig": [{"round_robin": {}}]}}. Invalid JSON fails
     * {@link #build()}. It is also the fallback when the resolver's first config is invalid;
     * without one, calls then fail (UNAVAILABLE) until the resolver provides a valid config.
     *
     * @param json the service config as JSON
     * @return this builder
     */
    public Builder defaultServiceConfig(String json) {
      this.defaultServiceConfig = Objects.requireNonNull(json, "json");
      return this;
    }

    /**
     * Whether {@code dns:} targets also read the service config from the
     * {@code _grpc_config.<host>} TXT record (gRFC A2): one more DNS query per resolution
     * (default false, as in grpc-java). A valid config found there overrides
     * {@link #defaultServiceConfig}; an invalid one is logged and the config in force stays.
     *
     * @param enabled whether to look the service config up in DNS
     * @return this builder
     */
    public Builder lookUpServiceConfigInDns(boolean enabled) {
      this.lookUpServiceConfigInDns = enabled;
      return this;
    }

    /**
     * Whether service configs from name resolvers (DNS TXT records, custom resolvers) apply
     * (default true); with {@code false} only {@link #defaultServiceConfig}, if any, applies.
     *
     * @param enabled whether resolvers' service configs apply
     * @return this builder
     */
    public Builder serviceConfigFromResolver(boolean enabled) {
      this.serviceConfigLookUp = enabled;
      return this;
    }

    /**
     * Adds a resolver for its scheme (in addition to the built-in and ServiceLoader ones).
     *
     * @param provider the resolver provider
     * @return this builder
     */
    public Builder nameResolver(NameResolver.Provider provider) {
      resolverProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Adds a load-balancing policy (in addition to the built-in and ServiceLoader ones).
     *
     * @param provider the balancer provider
     * @return this builder
     */
    public Builder loadBalancer(LoadBalancer.Provider provider) {
      balancerProviders.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * After this long without calls the channel closes its connections and resolver and goes
     * IDLE; the next call brings them back (default 30 minutes; zero disables).
     *
     * @param timeout the idle time, or zero to never go idle
     * @return this builder
     */
    public Builder idleTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("idleTimeout must be >= 0: " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Reconnect backoff (doc/connection-backoff.md); defaults: 1 s initial, multiplier 1.6,
     * jitter 0.2, 120 s max, 20 s minimum connect timeout. The same delays (not the connect
     * timeout) pace the retries after a failed name resolution.
     *
     * @param initial the delay before the first retry
     * @param multiplier the factor each further delay grows by
     * @param jitter the random spread of each delay, as a fraction of it (0.2 is +/- 20 %)
     * @param max the longest delay
     * @param minConnectTimeout the shortest time a connection attempt is given
     * @return this builder
     */
    public Builder reconnectBackoff(Duration initial, double multiplier, double jitter,
        Duration max, Duration minConnectTimeout) {
      this.backoff = new ExponentialBackoff.Policy(initial, multiplier, jitter, max, minConnectTimeout);
      return this;
    }

    /**
     * DNS re-resolution happens at most this often when connections fail or go away (default
     * 30 s). Retries after a failed resolution are paced by {@link #reconnectBackoff} instead.
     *
     * @param interval the shortest time between two resolutions
     * @return this builder
     */
    public Builder dnsMinRefreshInterval(Duration interval) {
      this.dnsMinRefreshInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Re-resolve DNS this often even when nothing fails (default: never).
     *
     * @param period the time between two resolutions
     * @return this builder
     */
    public Builder dnsRefreshPeriod(Duration period) {
      this.dnsRefreshPeriod = period;
      return this;
    }

    /**
     * Sends an HTTP/2 PING after this long without reading anything, to find connections that died
     * silently (gRFC A8; default: off). Servers refuse pings more often than they permit (5
     * minutes by default); when one says {@code too_many_pings}, the channel doubles this time.
     *
     * @param time the time without reads after which a PING goes out
     * @return this builder
     */
    public Builder keepAliveTime(Duration time) {
      if (time.isNegative() || time.isZero()) {
        throw new IllegalArgumentException("keepAliveTime must be positive: " + time);
      }
      this.keepAliveTime = time;
      return this;
    }

    /**
     * How long to wait for a keepalive PING's ACK before the connection is dead (default 20 s).
     * With keepalive on and Netty's epoll transport (Linux), it is also the connection's
     * {@code TCP_USER_TIMEOUT} (gRFC A18): data the server leaves unacknowledged this long ends
     * the connection at once, without waiting for the next PING, and its calls fail UNAVAILABLE.
     * On NIO only the PING finds a dead server, {@code keepAliveTime} plus this after the last read.
     *
     * @param timeout how long to wait for the PING's acknowledgement
     * @return this builder
     */
    public Builder keepAliveTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("keepAliveTimeout must be positive: " + timeout);
      }
      this.keepAliveTimeout = timeout;
      return this;
    }

    /**
     * Opens up to this many connections to one backend when every one is at the server's
     * MAX_CONCURRENT_STREAMS, instead of queueing calls (default 1: queue).
     *
     * @param connections the most connections to one backend, at least 1
     * @return this builder
     */
    public Builder maxConnectionsPerBackend(int connections) {
      if (connections < 1) {
        throw new IllegalArgumentException("maxConnectionsPerBackend must be >= 1: " + connections);
      }
      this.maxConnectionsPerBackend = connections;
      return this;
    }

    /**
     * Whether to send keepalive pings while there are no calls (default false).
     *
     * @param enabled whether to ping without calls
     * @return this builder
     */
    public Builder keepAliveWithoutCalls(boolean enabled) {
      this.keepAliveWithoutCalls = enabled;
      return this;
    }

    /**
     * The time the channel's timers run on (default {@link Clock#SYSTEM}): for tests, which pass
     * a fake clock and advance it by hand. Keepalive, the idle timeout, reconnect, resolution and
     * retry backoff, DNS refresh, call deadlines and the scheduler that balancers and resolvers
     * get all follow it. Give calls deadlines on the same clock ({@code Deadline.after(d, clock)}).
     *
     * @param clock the clock the channel's timers run on
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the channel; it connects on the first call.
     *
     * @return the channel
     * @throws IllegalArgumentException for a bad target, policy or service config
     */
    public Channel build() {
      Channel channel = new Channel(this);
      for (Configurator c : globalConfigurators) {
        c.built(channel);
      }
      return channel;
    }

    ChannelImpl.Config config() {
      return new ChannelImpl.Config(target, authority, userAgent, executor, directExecutor,
          maxInboundMessageSize, maxHeaderListSize, loadBalancingPolicy, defaultServiceConfig,
          List.copyOf(resolverProviders), List.copyOf(balancerProviders), idleTimeout, backoff,
          dnsMinRefreshInterval, dnsRefreshPeriod, keepAliveTime, keepAliveTimeout,
          keepAliveWithoutCalls, tls == null ? null : tls.context(), maxConnectionsPerBackend,
          lookUpServiceConfigInDns, serviceConfigLookUp, List.copyOf(tracers), clock);
    }
  }
}
