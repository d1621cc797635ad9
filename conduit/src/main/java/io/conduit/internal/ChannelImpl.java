package io.conduit.internal;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.balancer.ConnectivityState;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import io.conduit.internal.balancer.LoadBalancerRegistry;
import io.conduit.internal.resolver.NameResolverRegistry;
import io.conduit.internal.transport.ClientConnectionHandler;
import io.conduit.internal.transport.EventLoops;
import io.conduit.internal.transport.NettyClientCall;
import io.conduit.resolver.NameResolver;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The machinery behind {@link io.conduit.Channel}: a name resolver feeds a load balancer, the
 * balancer's subchannels hold the connections, and each call is given a connection by the
 * balancer's current picker, inline on the calling thread; calls wait only while no picker can
 * place them. Resolver and balancer code runs on one synchronization context (a serial queue on
 * an event loop) and needs no locks.
 */
public final class ChannelImpl implements CallFactory, NettyClientCall.Host, SubchannelImpl.Host,
    RetryingClientCall.AttemptFactory {
  private static final System.Logger LOG = System.getLogger(ChannelImpl.class.getName());
  private static final String VERSION = "0.1.0";

  /** Everything the builder configured. */
  public record Config(String target, String authority, String userAgent, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxHeaderListSize,
      String loadBalancingPolicy, String defaultServiceConfig,
      List<NameResolver.Provider> resolverProviders, List<LoadBalancer.Provider> balancerProviders,
      Duration idleTimeout, ExponentialBackoff.Policy backoff, Duration dnsMinRefreshInterval,
      Duration dnsRefreshPeriod, Duration keepAliveTime, Duration keepAliveTimeout,
      boolean keepAliveWithoutCalls, io.netty.handler.ssl.SslContext sslContext,
      int maxConnectionsPerBackend, boolean lookUpServiceConfigInDns, boolean serviceConfigLookUp,
      io.conduit.Clock clock) {}

  private final Config config;
  private final URI target;
  private final String authority;
  private final AsciiString userAgent;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final EventLoop scheduler;
  private final io.conduit.Clock clock;
  /** The scheduler balancers and resolvers get: the event loop, with its timers on the clock. */
  private final ScheduledExecutorService pluginScheduler;
  private final SerializingExecutor syncContext;
  private final NameResolverRegistry resolvers;
  private final LoadBalancerRegistry balancers;
  private final ServiceConfig defaultServiceConfig;
  /** The service config in force: the resolver's last valid one, else the builder's default. */
  private volatile ServiceConfig serviceConfig;
  /**
   * Whether a resolver result's config, or its lack of one, has been put in force: gRFC A21's
   * "previous config" that an invalid one leaves in place. Synchronization context.
   */
  private boolean resolverConfigSelected;
  /** The invalid-config complaint logged last, so that each resolution does not log it again. */
  private String loggedConfigProblem;
  /** Request bytes all retrying calls hold for replay (gRFC A6 per-channel buffer limit). */
  private final java.util.concurrent.atomic.AtomicLong retryBufferBytes = new java.util.concurrent.atomic.AtomicLong();
  /** retryThrottling's token bucket for the config in force, or null. */
  private volatile RetryingClientCall.Throttle throttle;
  /** The health service subchannels watch (gRFC A17), from the service config; null when off. */
  private volatile String healthCheckServiceName;
  /** Doubles when a server says too_many_pings (gRFC A8); Long.MAX_VALUE when disabled. */
  private volatile long keepAliveTimeNanos;

  private final Object lock = new Object();
  // Guarded by lock.
  private final Set<NettyClientCall<?, ?>> pending = new LinkedHashSet<>();
  private final Set<ClientConnectionHandler> transports = new HashSet<>();
  private final List<Runnable> stateWatchers = new ArrayList<>();
  /** Calls made before the first resolution, waiting to learn their method config. */
  private final List<Runnable> configWaiters = new ArrayList<>();
  /**
   * Whether the service config is known: the first resolution has ended (or the resolver's
   * configs are ignored). Until then calls wait, so that the resolver's config applies to them
   * too. Written under lock.
   */
  private volatile boolean configKnown;
  private LoadBalancer.Picker picker;
  private long pickerVersion;
  private ConnectivityState state = ConnectivityState.IDLE;
  private int activeCalls;
  /** When the last call ended (or the channel was asked to connect): the idle timeout counts from here. */
  private long lastUseNanos;
  private boolean idle = true;
  private boolean shutdown;
  private boolean terminated;

  // Synchronization-context state.
  private NameResolver resolver;
  private LoadBalancer balancer;
  private String balancerPolicy;
  private ScheduledFuture<?> idleTimer;
  /** Paces retries after failed resolutions (the reconnect backoff policy, as grpc-java does). */
  private final ExponentialBackoff resolutionBackoff;
  /** The scheduled retry after a failed resolution; refresh hints wait for it meanwhile. */
  private ScheduledFuture<?> resolutionRetry;
  private final List<SubchannelImpl> subchannels = new ArrayList<>();

  public ChannelImpl(Config config) {
    checkNotNegative(config.dnsMinRefreshInterval(), "dnsMinRefreshInterval");
    if (config.dnsRefreshPeriod() != null) {
      checkNotNegative(config.dnsRefreshPeriod(), "dnsRefreshPeriod");
    }
    this.config = config;
    this.resolutionBackoff = new ExponentialBackoff(config.backoff());
    this.scheduler = EventLoops.group().next();
    this.clock = config.clock();
    this.pluginScheduler = ClockScheduler.of(clock, scheduler);
    this.lastUseNanos = clock.nanoTime();
    this.syncContext = new SerializingExecutor(scheduler);
    this.keepAliveTimeNanos = config.keepAliveTime() == null ? Long.MAX_VALUE : config.keepAliveTime().toNanos();
    this.resolvers = new NameResolverRegistry(config.resolverProviders());
    this.balancers = new LoadBalancerRegistry(config.balancerProviders());
    this.target = resolvers.normalize(config.target());
    // Fail on a bad target now, not on the first call.
    resolvers.newResolver(target, resolverArgs()).shutdown();
    this.authority = config.authority() != null
        ? config.authority() : NameResolverRegistry.defaultAuthority(target);
    if (config.loadBalancingPolicy() != null && balancers.get(config.loadBalancingPolicy()) == null) {
      throw new IllegalArgumentException("unknown load balancing policy '"
          + config.loadBalancingPolicy() + "'");
    }
    this.defaultServiceConfig = config.defaultServiceConfig() == null
        ? ServiceConfig.EMPTY
        : parseDefaultServiceConfig(config.defaultServiceConfig());
    applyServiceConfig(defaultServiceConfig);
    this.configKnown = !config.serviceConfigLookUp();
    String product = "conduit-java/" + VERSION;
    this.userAgent = AsciiString.of(config.userAgent() == null ? product : config.userAgent() + " " + product);
    DefaultExecutors.Choice callbacks =
        DefaultExecutors.Choice.of(config.directExecutor(), config.executor(), "conduit-callback");
    executor = callbacks.executor();
    ownedExecutor = callbacks.owned();
  }

  private ServiceConfig parseDefaultServiceConfig(String json) {
    try {
      return ServiceConfig.parse(json, n -> balancers.get(n) != null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid default service config: " + e.getMessage(), e);
    }
  }

  private static void checkNotNegative(Duration d, String name) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0: " + d);
    }
  }

  /** {@code host:port}, bracketing IPv6 literals. */
  public static String hostPort(String host, int port) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
  }

  private NameResolver.Args resolverArgs() {
    return new NameResolver.Args(443, syncContext, pluginScheduler, config.dnsMinRefreshInterval(),
        config.dnsRefreshPeriod(), config.lookUpServiceConfigInDns() && config.serviceConfigLookUp(),
        clock);
  }

  // ---------------------------------------------------------------- calls

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    if (!configKnown) {
      return new AwaitingConfigCall<>(method, options);
    }
    return configuredCall(method, options);
  }

  /** A call per the service config in force (method config: timeout, retries...). */
  private <Q, R> ClientCall<Q, R> configuredCall(MethodDescriptor<Q, R> method, CallOptions options) {
    Executor callExecutor = executor == null ? Runnable::run : new SerializingExecutor(executor);
    ServiceConfig sc = serviceConfig;
    MethodConfig mc = sc.methodConfigs().isEmpty() ? null
        : sc.methodConfig(method.serviceName(), method.methodName());
    if (mc == null) {
      return new NettyClientCall<>(this, method, options, callExecutor);
    }
    CallOptions effective = withMethodConfig(options, mc);
    if (mc.retryPolicy() != null || mc.hedgingPolicy() != null) {
      return new RetryingClientCall<>(this, method, effective, callExecutor, scheduler, clock, mc, throttle,
          retryBufferBytes);
    }
    return new NettyClientCall<>(this, method, effective, callExecutor);
  }

  /** A call made before the first resolution: it starts for real once the config is known. */
  private final class AwaitingConfigCall<Q, R> extends DelayedClientCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;

    AwaitingConfigCall(MethodDescriptor<Q, R> method, CallOptions options) {
      super(options, callbackExecutor(), scheduler, clock, "the name resolver's first result");
      this.method = method;
      this.options = options;
    }

    @Override
    protected void onStart(io.conduit.Metadata headers, io.conduit.Context context) {
      whenConfigKnown(() -> begin(configuredCall(method, options), headers, context));
    }
  }

  /** Runs {@code r} once the service config is known (at once if it is, or on shutdown). */
  private void whenConfigKnown(Runnable r) {
    boolean wait;
    synchronized (lock) {
      wait = !configKnown && !shutdown;
      if (wait) {
        configWaiters.add(r);
      }
    }
    if (wait) {
      // The resolver runs only while the channel is out of idle.
      state(true);
    } else {
      r.run();
    }
  }

  /** The first resolution has ended: waiting calls go ahead with the config now in force. */
  private void configBecameKnown() {
    List<Runnable> waiters;
    synchronized (lock) {
      if (configKnown) {
        return;
      }
      configKnown = true;
      waiters = new ArrayList<>(configWaiters);
      configWaiters.clear();
    }
    waiters.forEach(this::runCallback);
  }

  @Override
  public <Q, R> ClientCall<Q, R> newAttempt(MethodDescriptor<Q, R> method, CallOptions options,
      Executor callExecutor) {
    return new NettyClientCall<>(this, method, options, callExecutor);
  }

  /** The call's options with the method config's defaults and limits (the stricter wins). */
  private CallOptions withMethodConfig(CallOptions options, MethodConfig mc) {
    CallOptions o = options;
    if (mc.timeout() != null) {
      io.conduit.Deadline fromConfig = io.conduit.Deadline.after(mc.timeout(), clock);
      o = o.withDeadline(fromConfig.minimum(o.deadline()));
    }
    if (Boolean.TRUE.equals(mc.waitForReady()) && !o.isWaitForReady()) {
      o = o.withWaitForReady(true);
    }
    if (mc.maxRequestMessageBytes() != null) {
      int limit = mc.maxRequestMessageBytes();
      o = o.withMaxOutboundMessageSize(o.maxOutboundMessageSize() < 0 ? limit
          : Math.min(limit, o.maxOutboundMessageSize()));
    }
    if (mc.maxResponseMessageBytes() != null) {
      int limit = mc.maxResponseMessageBytes();
      o = o.withMaxInboundMessageSize(o.maxInboundMessageSize() < 0 ? limit
          : Math.min(limit, o.maxInboundMessageSize()));
    }
    return o;
  }

  private void applyServiceConfig(ServiceConfig sc) {
    ServiceConfig old = serviceConfig;
    serviceConfig = sc;
    if (sc.retryThrottling() == null) {
      throttle = null;
    } else if (old == null || !sc.retryThrottling().equals(old.retryThrottling()) || throttle == null) {
      throttle = new RetryingClientCall.Throttle(sc.retryThrottling());
    }
  }

  @Override
  public void startCall(NettyClientCall<?, ?> call) {
    boolean exitIdle;
    synchronized (lock) {
      if (shutdown) {
        exitIdle = false;
      } else {
        activeCalls++;
        exitIdle = idle;
        idle = false;
      }
    }
    if (isShutdown()) {
      call.failEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
      return;
    }
    if (exitIdle) {
      syncContext.execute(this::exitIdle);
    }
    place(call);
  }

  @Override
  public void retryCall(NettyClientCall<?, ?> call) {
    if (isShutdown()) {
      call.failEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
      return;
    }
    place(call);
  }

  /** Attaches, fails or queues the call per the current picker. */
  private void place(NettyClientCall<?, ?> call) {
    while (true) {
      LoadBalancer.Picker p;
      long version;
      synchronized (lock) {
        p = picker;
        version = pickerVersion;
      }
      if (p != null && tryPick(call, p)) {
        return;
      }
      synchronized (lock) {
        if (version == pickerVersion) {
          // No picker could place it: wait for the next one.
          pending.add(call);
          return;
        }
      }
    }
  }

  /** Places the call per the picker; false when it must wait. */
  private boolean tryPick(NettyClientCall<?, ?> call, LoadBalancer.Picker p) {
    LoadBalancer.PickResult r;
    try {
      r = p.pick(new LoadBalancer.PickArgs(call.method(), call.options(), call.requestHeaders()));
    } catch (RuntimeException e) {
      call.failEarly(Status.INTERNAL.withDescription("picker failed: " + e).withCause(e));
      return true;
    }
    if (r == null) {
      call.failEarly(Status.INTERNAL.withDescription("picker returned null"));
      return true;
    }
    if (r.subchannel() != null) {
      if (!(r.subchannel() instanceof SubchannelImpl sc)) {
        // Waiting would never end: only this channel's subchannels have connections.
        call.failEarly(Status.INTERNAL.withDescription("picker returned a subchannel that "
            + "Helper.createSubchannel did not create: " + r.subchannel()));
        return true;
      }
      ClientConnectionHandler t = sc.transport();
      if (t == null) {
        // Not READY any more: the balancer will publish a new picker.
        return false;
      }
      call.attach(t);
      return true;
    }
    if (r.error() != null && (r.drop() || !call.isWaitForReady())) {
      call.failEarly(r.error());
      return true;
    }
    return false;
  }

  @Override
  public void callClosed(NettyClientCall<?, ?> call) {
    boolean nowIdle;
    synchronized (lock) {
      pending.remove(call);
      activeCalls--;
      lastUseNanos = clock.nanoTime();
      nowIdle = activeCalls == 0 && !shutdown;
    }
    if (nowIdle) {
      syncContext.execute(this::scheduleIdleTimer);
    }
  }

  private void updatePicker(ConnectivityState newState, LoadBalancer.Picker newPicker) {
    List<NettyClientCall<?, ?>> waiting;
    List<Runnable> watchers;
    synchronized (lock) {
      picker = newPicker;
      pickerVersion++;
      watchers = state != newState ? new ArrayList<>(stateWatchers) : List.of();
      if (state != newState) {
        stateWatchers.clear();
      }
      state = newState;
      waiting = new ArrayList<>(pending);
    }
    for (NettyClientCall<?, ?> call : waiting) {
      if (newPicker != null && tryPick(call, newPicker)) {
        synchronized (lock) {
          pending.remove(call);
        }
      }
    }
    watchers.forEach(this::runCallback);
  }

  private void runCallback(Runnable r) {
    if (executor == null) {
      r.run();
      return;
    }
    try {
      executor.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // The channel's own executor ends with the channel; a late watcher still gets its answer.
      r.run();
    }
  }

  // ---------------------------------------------------------------- idle, resolver, balancer

  private void exitIdle() {
    if (isShutdown() || resolver != null) {
      return;
    }
    cancelIdleTimer();
    updatePicker(ConnectivityState.CONNECTING, null);
    NameResolver r = resolvers.newResolver(target, resolverArgs());
    resolver = r;
    r.start(new NameResolver.Listener() {
      @Override
      public void onResult(NameResolver.Result result) {
        if (resolver == r) {
          handleResolved(result);
        }
      }

      @Override
      public void onError(Status error) {
        if (resolver == r) {
          handleResolutionError(error);
        }
      }
    });
  }

  private void handleResolved(NameResolver.Result result) {
    ServiceConfig sc = selectServiceConfig(result);
    if (sc == null) {
      return;
    }
    cancelResolutionRetry();
    resolutionBackoff.reset();
    applyServiceConfig(sc);
    configBecameKnown();
    healthCheckServiceName = sc.healthCheckServiceName();
    String policy = sc.lbPolicy() != null ? sc.lbPolicy()
        : config.loadBalancingPolicy() != null ? config.loadBalancingPolicy() : "pick_first";
    if (!policy.equals(balancerPolicy)) {
      if (balancer != null) {
        balancer.shutdown();
      }
      balancerPolicy = policy;
      balancer = balancers.get(policy).newLoadBalancer(new BalancerHelper());
    }
    Map<String, ?> lbConfig = policy.equals(sc.lbPolicy()) ? sc.lbConfig() : Map.of();
    balancer.acceptResolvedAddresses(result.addresses(), lbConfig);
  }

  /**
   * The service config a resolver result puts in force, per gRFC A21: a valid config from the
   * resolver; the builder's default when the resolver has none (or configs are ignored); for an
   * invalid one, the config already in force, else the default. Null when there is neither: the
   * result then counts as a failed resolution.
   */
  private ServiceConfig selectServiceConfig(NameResolver.Result result) {
    if (!config.serviceConfigLookUp()) {
      return defaultServiceConfig;
    }
    String problem;
    if (result.serviceConfigError() != null) {
      problem = result.serviceConfigError().description();
    } else if (result.serviceConfigJson() == null) {
      return selected(defaultServiceConfig);
    } else {
      try {
        return selected(ServiceConfig.parse(result.serviceConfigJson(), n -> balancers.get(n) != null));
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    String what = "invalid service config from the name resolver for " + target + ": " + problem;
    if (resolverConfigSelected) {
      logConfigProblem(Level.WARNING, what + "; the previous config stays in force");
      return serviceConfig;
    }
    if (config.defaultServiceConfig() != null) {
      logConfigProblem(Level.WARNING, what + "; using the default service config");
      return defaultServiceConfig;
    }
    // No config to fall back on: fail until the resolver has a valid one (or none).
    logConfigProblem(Level.ERROR, what + "; no previous or default config to fall back on, so "
        + "calls fail until the resolver provides a valid one");
    handleResolutionError(Status.UNAVAILABLE.withDescription(what));
    return null;
  }

  private ServiceConfig selected(ServiceConfig sc) {
    resolverConfigSelected = true;
    loggedConfigProblem = null;
    return sc;
  }

  private void logConfigProblem(Level level, String message) {
    if (!message.equals(loggedConfigProblem)) {
      loggedConfigProblem = message;
      LOG.log(level, message);
    }
  }

  private void handleResolutionError(Status error) {
    if (balancer != null) {
      balancer.handleResolutionError(error);
    } else {
      updatePicker(ConnectivityState.TRANSIENT_FAILURE, args -> LoadBalancer.PickResult.withError(error));
    }
    // Calls waiting for a config go ahead with the default one, and wait for addresses or fail.
    configBecameKnown();
    scheduleResolutionRetry();
  }

  /**
   * Resolves again after the backoff delay, which grows with each failure until a resolution
   * succeeds. The resolver's own minimum refresh interval is for refresh hints after successes;
   * it must not hold back these retries (see {@link NameResolver#refresh()}).
   */
  private void scheduleResolutionRetry() {
    if (resolutionRetry != null || resolver == null || isShutdown()) {
      return;
    }
    resolutionRetry = clock.schedule(scheduler, () -> syncContext.execute(() -> {
      resolutionRetry = null;
      if (resolver != null) {
        resolver.refresh();
      }
    }), resolutionBackoff.nextDelayNanos(), TimeUnit.NANOSECONDS);
  }

  private void cancelResolutionRetry() {
    if (resolutionRetry != null) {
      resolutionRetry.cancel(false);
      resolutionRetry = null;
    }
  }

  private void scheduleIdleTimer() {
    Duration timeout = config.idleTimeout();
    if (timeout == null || timeout.isZero() || idleTimer != null || isShutdown()) {
      return;
    }
    idleTimer = clock.schedule(scheduler, () -> syncContext.execute(this::enterIdleIfUnused),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void cancelIdleTimer() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  private void enterIdleIfUnused() {
    idleTimer = null;
    long remaining;
    synchronized (lock) {
      if (activeCalls > 0 || shutdown || idle || !configWaiters.isEmpty()) {
        // Calls are running or about to: the last one to end schedules the timer again.
        return;
      }
      remaining = lastUseNanos + config.idleTimeout().toNanos() - clock.nanoTime();
      if (remaining <= 0) {
        idle = true;
      }
    }
    if (remaining > 0) {
      // Calls came and went since the timer was set: the timeout counts from the last one.
      idleTimer = clock.schedule(scheduler, () -> syncContext.execute(this::enterIdleIfUnused),
          remaining, TimeUnit.NANOSECONDS);
      return;
    }
    // Connections, resolver and balancer go; the next call brings them back.
    shutdownResolverAndBalancer();
    updatePicker(ConnectivityState.IDLE, null);
  }

  private void shutdownResolverAndBalancer() {
    cancelResolutionRetry();
    resolutionBackoff.reset();
    if (resolver != null) {
      resolver.shutdown();
      resolver = null;
    }
    if (balancer != null) {
      balancer.shutdown();
      balancer = null;
      balancerPolicy = null;
    }
  }

  @Override
  public void refreshNameResolution() {
    syncContext.execute(() -> {
      // After a failed resolution the backoff retry comes soon enough: no extra queries.
      if (resolver != null && resolutionRetry == null) {
        resolver.refresh();
      }
    });
  }

  private final class BalancerHelper implements LoadBalancer.Helper {
    @Override
    public Subchannel createSubchannel(SocketAddress address) {
      SubchannelImpl sc = new SubchannelImpl(address, ChannelImpl.this);
      subchannels.add(sc);
      return sc;
    }

    @Override
    public void updateState(ConnectivityState newState, LoadBalancer.Picker newPicker) {
      if (balancer == null || isShutdown()) {
        return;
      }
      updatePicker(newState, newPicker);
    }

    @Override
    public void refreshNameResolution() {
      ChannelImpl.this.refreshNameResolution();
    }

    @Override
    public Executor syncContext() {
      return syncContext;
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return pluginScheduler;
    }
  }

  // ---------------------------------------------------------------- transports

  @Override
  public ClientConnectionHandler connect(SocketAddress address, long connectTimeoutNanos,
      ClientConnectionHandler.Owner owner) {
    EventLoop loop = EventLoops.group().next();
    ClientConnectionHandler.KeepAlive keepAlive = new ClientConnectionHandler.KeepAlive(
        keepAliveTimeNanos, config.keepAliveTimeout().toNanos(), config.keepAliveWithoutCalls(), clock);
    ClientConnectionHandler handler = ClientConnectionHandler.create(loop, config.maxHeaderListSize(),
        keepAlive, new ClientConnectionHandler.Owner() {
          @Override
          public void connectionReady(ClientConnectionHandler c) {
            owner.connectionReady(c);
          }

          @Override
          public void connectionUnusable(ClientConnectionHandler c) {
            owner.connectionUnusable(c);
          }

          @Override
          public void connectionClosed(ClientConnectionHandler c, Status reason) {
            owner.connectionClosed(c, reason);
          }

          @Override
          public void tooManyPings() {
            long current = keepAliveTimeNanos;
            if (current != Long.MAX_VALUE) {
              keepAliveTimeNanos = current > Long.MAX_VALUE / 2 ? Long.MAX_VALUE - 1 : current * 2;
              LOG.log(Level.WARNING, "server " + address + " says too_many_pings; keepalive time for "
                  + target + " is now " + Duration.ofNanos(keepAliveTimeNanos));
            }
          }
        });
    synchronized (lock) {
      transports.add(handler);
    }
    SocketAddress remote = EventLoops.toNetty(address);
    if (remote instanceof InetSocketAddress inet && inet.isUnresolved()) {
      remote = new InetSocketAddress(inet.getHostString(), inet.getPort());
    }
    Bootstrap b = new Bootstrap()
        .group(loop)
        .channel(EventLoops.socketChannel(remote))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(connectTimeoutNanos)))
        .handler(io.conduit.internal.transport.TlsSupport.clientHandler(config.sslContext(),
            io.conduit.internal.transport.TlsSupport.hostOf(authority),
            remote instanceof InetSocketAddress inetRemote ? inetRemote.getPort() : -1, handler));
    if (remote instanceof InetSocketAddress) {
      b.option(ChannelOption.TCP_NODELAY, true);
    }
    ChannelFuture f = b.connect(remote);
    handler.channel(f.channel());
    f.addListener(done -> {
      if (!done.isSuccess()) {
        handler.connectFailed(done.cause());
      }
    });
    return handler;
  }

  @Override
  public void transportClosed(ClientConnectionHandler transport) {
    synchronized (lock) {
      transports.remove(transport);
      maybeTerminate();
      lock.notifyAll();
    }
  }

  @Override
  public void subchannelShutdown(SubchannelImpl subchannel) {
    subchannels.remove(subchannel);
  }

  @Override
  public Executor syncContext() {
    return syncContext;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public io.conduit.Clock clock() {
    return clock;
  }

  @Override
  public ExponentialBackoff.Policy backoffPolicy() {
    return config.backoff();
  }

  @Override
  public String healthCheckServiceName() {
    return healthCheckServiceName;
  }

  @Override
  public int maxConnectionsPerBackend() {
    return config.maxConnectionsPerBackend();
  }

  // ---------------------------------------------------------------- host details

  @Override
  public String authority() {
    return authority;
  }

  /** Where call callbacks run (the calling thread for a direct executor). */
  public Executor callbackExecutor() {
    return executor == null ? Runnable::run : executor;
  }

  @Override
  public AsciiString userAgent() {
    return userAgent;
  }

  @Override
  public int maxInboundMessageSize() {
    return config.maxInboundMessageSize();
  }

  // ---------------------------------------------------------------- state and lifecycle

  /** The channel's aggregate state; leaves IDLE when {@code requestConnection}. */
  /** The keepalive time new connections use, after any too_many_pings doubling. */
  public Duration keepAliveTime() {
    long t = keepAliveTimeNanos;
    return t == Long.MAX_VALUE ? null : Duration.ofNanos(t);
  }

  public ConnectivityState state(boolean requestConnection) {
    boolean exit = false;
    boolean connect = false;
    ConnectivityState s;
    synchronized (lock) {
      s = shutdown ? ConnectivityState.SHUTDOWN : state;
      if (requestConnection && !shutdown) {
        lastUseNanos = clock.nanoTime();
        if (idle) {
          idle = false;
          exit = true;
        } else if (state == ConnectivityState.IDLE) {
          // The balancer went idle (pick_first after its connection closed): wake it.
          connect = true;
        }
      }
    }
    if (exit) {
      syncContext.execute(() -> {
        exitIdle();
        scheduleIdleTimerIfUnused();
      });
    } else if (connect) {
      syncContext.execute(() -> {
        if (balancer != null) {
          balancer.requestConnection();
        }
      });
    }
    return s;
  }

  private void scheduleIdleTimerIfUnused() {
    synchronized (lock) {
      if (activeCalls > 0) {
        return;
      }
    }
    scheduleIdleTimer();
  }

  /** Runs {@code callback} once the state is no longer {@code source} (at once if it is not). */
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    boolean now;
    synchronized (lock) {
      ConnectivityState current = shutdown ? ConnectivityState.SHUTDOWN : state;
      now = current != source;
      if (!now) {
        stateWatchers.add(callback);
      }
    }
    if (now) {
      runCallback(callback);
    }
  }

  public void shutdown() {
    shutdown(false);
  }

  public void shutdownNow() {
    shutdown(true);
  }

  private void shutdown(boolean now) {
    List<NettyClientCall<?, ?>> waiting;
    List<Runnable> watchers;
    List<Runnable> configWaiting;
    synchronized (lock) {
      shutdown = true;
      waiting = new ArrayList<>(pending);
      pending.clear();
      watchers = new ArrayList<>(stateWatchers);
      stateWatchers.clear();
      configWaiting = new ArrayList<>(configWaiters);
      configWaiters.clear();
    }
    // Calls still waiting for a config start now, and fail: the channel is shut down.
    configWaiting.forEach(this::runCallback);
    for (NettyClientCall<?, ?> call : waiting) {
      call.failEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
    }
    watchers.forEach(this::runCallback);
    syncContext.execute(() -> {
      cancelIdleTimer();
      shutdownResolverAndBalancer();
      for (SubchannelImpl sc : List.copyOf(subchannels)) {
        if (now) {
          sc.shutdownNow();
        } else {
          sc.shutdown();
        }
      }
      if (now) {
        List<ClientConnectionHandler> open;
        synchronized (lock) {
          open = new ArrayList<>(transports);
        }
        open.forEach(ClientConnectionHandler::closeNow);
      }
      synchronized (lock) {
        maybeTerminate();
        lock.notifyAll();
      }
    });
  }

  /** Called with the lock held. */
  private void maybeTerminate() {
    if (shutdown && !terminated && transports.isEmpty()) {
      terminated = true;
      if (ownedExecutor != null) {
        ownedExecutor.shutdown();
      }
    }
  }

  public boolean isShutdown() {
    synchronized (lock) {
      return shutdown;
    }
  }

  public boolean isTerminated() {
    synchronized (lock) {
      return terminated;
    }
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    // Real time, not the clock: this waits for threads to finish, not for a timer.
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!terminated) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    }
    return true;
  }
}
