package io.conduit.internal;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ChannelTracer;
import io.conduit.ClientCall;
import io.conduit.ClientCallTracer;
import io.conduit.Clock;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.ConnectivityState;
import io.conduit.balancer.LoadBalancer;
import io.conduit.internal.balancer.LoadBalancerRegistry;
import io.conduit.internal.resolver.NameResolverRegistry;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.resolver.NameResolver;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The machinery behind {@link io.conduit.Channel}, in named parts: the {@link ServiceConfigState},
 * the {@link PickerQueue} that places calls inline on their own threads (no channel-wide lock
 * once a picker is in force), the {@link ControlPlane} (resolver, balancer, subchannels) on the
 * synchronization context, and the {@link ConnectionFactories} that make connections. This class
 * makes the calls and keeps the channel's state, idleness and lifecycle.
 */
public final class ChannelImpl implements CallFactory, ClientCallImpl.Placer, SubchannelImpl.Parent,
    RetryingClientCall.AttemptFactory, ControlPlane.Channel {
  private static final String VERSION = "0.1.0";

  /** Everything the builder configured. */
  public record Config(String target, String authority, String userAgent, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxHeaderListSize,
      String loadBalancingPolicy, String defaultServiceConfig,
      List<NameResolver.Provider> resolverProviders, List<LoadBalancer.Provider> balancerProviders,
      Duration idleTimeout, ExponentialBackoff.Policy backoff, Duration dnsMinRefreshInterval,
      Duration dnsRefreshPeriod, Duration keepAliveTime, Duration keepAliveTimeout,
      boolean keepAliveWithoutCalls, io.conduit.internal.netty.TlsContext tls,
      int maxConnectionsPerBackend, boolean lookUpServiceConfigInDns, boolean serviceConfigLookUp,
      List<ChannelTracer.Factory> tracers, Clock clock) {}

  private final Config config;
  private final URI target;
  private final String authority;
  private final Clock clock;
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final ConnectionFactories transports;
  private final ScheduledExecutorService scheduler;
  private final SerializingExecutor syncContext;
  private final ServiceConfigState serviceConfig;
  private final PickerQueue pickers = new PickerQueue();
  private final ControlPlane controlPlane;
  /** The channel's tracers; null when it has none, and then calls do no tracing work at all. */
  private final ChannelTracers tracers;
  /** Request bytes all retrying calls hold for replay (gRFC A6 per-channel buffer limit). */
  private final java.util.concurrent.atomic.AtomicLong retryBufferBytes = new java.util.concurrent.atomic.AtomicLong();

  // Read on every call without a lock.
  private final AtomicInteger activeCalls = new AtomicInteger();
  /** When the last call ended (or the channel was asked to connect): the idle timeout counts from here. */
  private volatile long lastUseNanos;
  private volatile boolean idle = true;
  private volatile boolean shutdown;
  /** Whether an idle timer is pending, so that calls ending need not schedule one each. */
  private final AtomicBoolean idleTimerArmed = new AtomicBoolean();

  private final Object lock = new Object();
  // Guarded by lock.
  private final Set<ClientConnection> connections = new HashSet<>();
  private final List<Runnable> stateWatchers = new ArrayList<>();
  private ConnectivityState state = ConnectivityState.IDLE;
  private boolean terminated;

  // Synchronization context.
  private ScheduledFuture<?> idleTimer;

  public ChannelImpl(Config config) {
    checkNotNegative(config.dnsMinRefreshInterval(), "dnsMinRefreshInterval");
    if (config.dnsRefreshPeriod() != null) {
      checkNotNegative(config.dnsRefreshPeriod(), "dnsRefreshPeriod");
    }
    this.config = config;
    this.clock = config.clock();
    this.lastUseNanos = clock.nanoTime();
    NameResolverRegistry resolvers = new NameResolverRegistry(config.resolverProviders());
    LoadBalancerRegistry balancers = new LoadBalancerRegistry(config.balancerProviders());
    this.target = resolvers.normalize(config.target());
    this.scheduler = ConnectionFactories.sharedScheduler();
    this.syncContext = new SerializingExecutor(scheduler);
    // Resolvers and balancers get the event loop with its timers on the clock.
    ScheduledExecutorService pluginScheduler = ClockScheduler.of(clock, scheduler);
    NameResolver.Args resolverArgs = new NameResolver.Args(443, syncContext, pluginScheduler,
        config.dnsMinRefreshInterval(), config.dnsRefreshPeriod(),
        config.lookUpServiceConfigInDns() && config.serviceConfigLookUp(), clock);
    // Fail on a bad target now, not on the first call.
    resolvers.newResolver(target, resolverArgs).shutdown();
    this.tracers = ChannelTracers.of(config.tracers(), target.toString());
    this.authority = config.authority() != null
        ? config.authority() : NameResolverRegistry.defaultAuthority(target);
    if (config.loadBalancingPolicy() != null && balancers.get(config.loadBalancingPolicy()) == null) {
      throw new IllegalArgumentException("unknown load balancing policy '"
          + config.loadBalancingPolicy() + "'");
    }
    this.serviceConfig = new ServiceConfigState(target.toString(), config.defaultServiceConfig(),
        config.serviceConfigLookUp(), n -> balancers.get(n) != null);
    String product = "conduit-java/" + VERSION;
    this.transports = new ConnectionFactories(config,
        config.userAgent() == null ? product : config.userAgent() + " " + product, authority);
    this.controlPlane = new ControlPlane(target, resolvers, balancers, resolverArgs,
        config.loadBalancingPolicy(), serviceConfig, config.backoff(), this, this, syncContext,
        scheduler, pluginScheduler, clock);
    io.conduit.internal.channelz.ChannelzHooks.channelCreated(config.tracers(),
        controlPlane::subchannelViews);
    DefaultExecutors.Choice callbacks =
        DefaultExecutors.Choice.of(config.directExecutor(), config.executor(), "conduit-callback");
    executor = callbacks.executor();
    ownedExecutor = callbacks.owned();
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

  // ---------------------------------------------------------------- calls

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    if (clock != io.conduit.Clock.SYSTEM && options.deadline() != null) {
      // On a fake clock, a timeout given as real time counts on that clock from now on.
      options = options.withDeadline(options.deadline().on(clock));
    }
    ClientCallTracer tracer = tracers == null ? null : tracers.newCallTracer(method, options);
    if (!serviceConfig.isKnown()) {
      return new AwaitingConfigCall<>(method, options, tracer);
    }
    return configuredCall(method, options, tracer);
  }

  /** A call per the service config in force (method config: timeout, retries...). */
  private <Q, R> ClientCall<Q, R> configuredCall(MethodDescriptor<Q, R> method, CallOptions options,
      ClientCallTracer tracer) {
    if (serviceConfig.selector() != null) {
      return new SelectingCall<>(method, options, tracer);
    }
    return callFor(method, options, tracer, serviceConfig.methodConfig(method));
  }

  /** A call with {@code mc}'s settings (null: none). */
  private <Q, R> ClientCall<Q, R> callFor(MethodDescriptor<Q, R> method, CallOptions options,
      ClientCallTracer tracer, MethodConfig mc) {
    Executor callExecutor = executor == null ? Runnable::run : new SerializingExecutor(executor);
    if (mc == null) {
      return new ClientCallImpl<>(this, method, options, callExecutor, true, tracer, null);
    }
    CallOptions effective = ServiceConfigState.withMethodConfig(options, mc, clock);
    if (mc.retryPolicy() != null || mc.hedgingPolicy() != null) {
      return new RetryingClientCall<>(this, method, effective, callExecutor, scheduler, clock, mc,
          serviceConfig.throttle(), retryBufferBytes, tracer);
    }
    return new ClientCallImpl<>(this, method, effective, callExecutor, true, tracer, null);
  }

  /**
   * A call whose config the resolver's selector chooses from its headers (gRFC A31): it starts
   * for real when the application starts it, failed or held first if the selector says so
   * (fault injection, gRFC A33).
   */
  private final class SelectingCall<Q, R> extends ConfigPendingCall<Q, R> {
    SelectingCall(MethodDescriptor<Q, R> method, CallOptions options, ClientCallTracer tracer) {
      super(method, options, tracer, "its config");
    }

    @Override
    protected void onStart(io.conduit.Metadata headers, io.conduit.Context context) {
      io.conduit.resolver.CallConfigSelector selector = serviceConfig.selector();
      io.conduit.resolver.CallConfig config;
      MethodConfig mc;
      try {
        config = selector == null ? io.conduit.resolver.CallConfig.DEFAULT
            : selector.select(method, headers);
        mc = selector == null ? serviceConfig.methodConfig(method)
            : serviceConfig.methodConfigOf(config);
      } catch (RuntimeException e) {
        fail(Status.INTERNAL.withDescription("the resolver's call config failed: " + e)
            .withCause(e));
        return;
      }
      // gRFC A33: a delay comes first, then an abort.
      Status abort = config.abort();
      Runnable go = abort != null ? () -> fail(abort)
          : () -> begin(callFor(method, options, tracer, mc), headers, context);
      if (config.delay() != null && !config.delay().isZero()) {
        clock.schedule(scheduler, go, config.delay().toNanos(), TimeUnit.NANOSECONDS);
      } else {
        go.run();
      }
    }
  }

  /**
   * A call that starts for real once its config is settled; the channel's tracer hears of a
   * failure before that.
   */
  private abstract class ConfigPendingCall<Q, R> extends DelayedClientCall<Q, R> {
    final MethodDescriptor<Q, R> method;
    final CallOptions options;
    final ClientCallTracer tracer;

    ConfigPendingCall(MethodDescriptor<Q, R> method, CallOptions options, ClientCallTracer tracer,
        String waitingFor) {
      super(options, callbackExecutor(), scheduler, clock, waitingFor);
      this.method = method;
      this.options = options;
      this.tracer = tracer;
    }

    @Override
    protected void failed(Status status) {
      if (tracer != null) {
        tracer.callEnded(status);
      }
    }
  }

  /** A call made before the first resolution: it starts for real once the config is known. */
  private final class AwaitingConfigCall<Q, R> extends ConfigPendingCall<Q, R> {
    AwaitingConfigCall(MethodDescriptor<Q, R> method, CallOptions options, ClientCallTracer tracer) {
      super(method, options, tracer, "the name resolver's first result");
    }

    @Override
    protected void onStart(io.conduit.Metadata headers, io.conduit.Context context) {
      Runnable go = () -> begin(configuredCall(method, options, tracer), headers, context);
      long waitStart = clock.nanoTime();
      Runnable afterWait = tracer == null ? go : () -> {
        tracer.nameResolutionDelayed(clock.nanoTime() - waitStart);
        go.run();
      };
      if (shutdown || !serviceConfig.waitUntilKnown(afterWait)) {
        go.run();
        return;
      }
      // The resolver runs only while the channel is out of idle.
      state(true);
    }
  }

  @Override
  public void configKnown() {
    serviceConfig.markKnown().forEach(this::runCallback);
  }

  @Override
  public <Q, R> ClientCall<Q, R> newAttempt(MethodDescriptor<Q, R> method, CallOptions options,
      Executor callExecutor, ClientCallTracer.Attempt tracer) {
    // The retry layer replays refused attempts itself, from the one buffer it keeps.
    return new ClientCallImpl<>(this, method, options, callExecutor, false, null, tracer);
  }

  @Override
  public void startCall(ClientCallImpl<?, ?> call) {
    // Counted even when it fails at once: callClosed uncounts it.
    activeCalls.incrementAndGet();
    if (shutdown) {
      call.failEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
      return;
    }
    if (idle) {
      exitIdleFromCall();
    }
    pickers.place(call);
  }

  private void exitIdleFromCall() {
    boolean exit;
    synchronized (lock) {
      exit = idle && !shutdown;
      idle = false;
    }
    if (exit) {
      syncContext.execute(this::exitIdle);
    }
  }

  @Override
  public void retryCall(ClientCallImpl<?, ?> call) {
    if (shutdown) {
      call.failEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
      return;
    }
    pickers.place(call);
  }

  @Override
  public void callClosed(ClientCallImpl<?, ?> call) {
    pickers.remove(call);
    lastUseNanos = clock.nanoTime();
    if (activeCalls.decrementAndGet() == 0 && !shutdown && !idleTimerArmed.get()
        && idleTimerArmed.compareAndSet(false, true)) {
      syncContext.execute(this::scheduleIdleTimer);
    }
  }

  @Override
  public void updatePicker(ConnectivityState newState, LoadBalancer.Picker newPicker) {
    List<Runnable> watchers;
    synchronized (lock) {
      watchers = state != newState ? new ArrayList<>(stateWatchers) : List.of();
      if (state != newState) {
        stateWatchers.clear();
      }
      state = newState;
    }
    pickers.update(newPicker);
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

  // ---------------------------------------------------------------- idle

  private void exitIdle() {
    syncContext.assertCurrent();
    if (shutdown || controlPlane.isRunning()) {
      return;
    }
    cancelIdleTimer();
    controlPlane.start();
  }

  private void scheduleIdleTimer() {
    syncContext.assertCurrent();
    Duration timeout = config.idleTimeout();
    if (timeout == null || timeout.isZero()) {
      // Never idle: no call needs to arm a timer again.
      idleTimerArmed.set(true);
      return;
    }
    if (idleTimer != null || shutdown) {
      idleTimerArmed.set(idleTimer != null);
      return;
    }
    idleTimerArmed.set(true);
    idleTimer = clock.schedule(scheduler, () -> syncContext.execute(this::enterIdleIfUnused),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void cancelIdleTimer() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
      idleTimerArmed.set(false);
    }
  }

  private void enterIdleIfUnused() {
    syncContext.assertCurrent();
    idleTimer = null;
    idleTimerArmed.set(false);
    long remaining;
    synchronized (lock) {
      if (activeCalls.get() > 0 || shutdown || idle || serviceConfig.hasWaiters()) {
        // Calls are running or about to: the last one to end schedules the timer again.
        return;
      }
      remaining = lastUseNanos + config.idleTimeout().toNanos() - clock.nanoTime();
      if (remaining <= 0) {
        idle = true;
        if (activeCalls.get() > 0) {
          // A call started meanwhile, and may have read idle before it was set: stay out of idle
          // (its end arms the timer again).
          idle = false;
          return;
        }
      }
    }
    if (remaining > 0) {
      // Calls came and went since the timer was set: the timeout counts from the last one.
      idleTimerArmed.set(true);
      idleTimer = clock.schedule(scheduler, () -> syncContext.execute(this::enterIdleIfUnused),
          remaining, TimeUnit.NANOSECONDS);
      return;
    }
    // Connections, resolver and balancer go; the next call brings them back.
    controlPlane.stop();
    updatePicker(ConnectivityState.IDLE, null);
  }

  @Override
  public void refreshNameResolution() {
    // After a failed resolution the backoff retry comes soon enough: no extra queries.
    syncContext.execute(controlPlane::refreshNameResolution);
  }

  // ---------------------------------------------------------------- connections (for subchannels)

  @Override
  public ClientConnection connect(SocketAddress address, long connectTimeoutNanos,
      ClientConnection.Listener listener) {
    ClientConnection transport = tracers == null
        ? transports.connect(address, connectTimeoutNanos, listener)
        : TracedConnection.connect(transports, address, connectTimeoutNanos, listener, tracers);
    synchronized (lock) {
      connections.add(transport);
    }
    return transport;
  }

  @Override
  public void connectionClosed(ClientConnection transport) {
    synchronized (lock) {
      connections.remove(transport);
      maybeTerminate();
      lock.notifyAll();
    }
  }

  @Override
  public void subchannelShutdown(SubchannelImpl subchannel) {
    controlPlane.subchannelShutdown(subchannel);
  }

  @Override
  public SerializingExecutor syncContext() {
    return syncContext;
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public ExponentialBackoff.Policy backoffPolicy() {
    return config.backoff();
  }

  @Override
  public String healthCheckServiceName() {
    return controlPlane.healthCheckServiceName();
  }

  @Override
  public int maxConnectionsPerBackend() {
    return config.maxConnectionsPerBackend();
  }

  @Override
  public int maxInboundMessageSize() {
    return config.maxInboundMessageSize();
  }

  public String authority() {
    return authority;
  }

  /** Where call callbacks run (the calling thread for a direct executor). */
  public Executor callbackExecutor() {
    return executor == null ? Runnable::run : executor;
  }

  /** The keepalive time new connections use, after any too_many_pings doubling. */
  public Duration keepAliveTime() {
    return transports.keepAliveTime();
  }

  // ---------------------------------------------------------------- state and lifecycle

  /** The channel's aggregate state; leaves IDLE when {@code requestConnection}. */
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
        if (activeCalls.get() == 0) {
          scheduleIdleTimer();
        }
      });
    } else if (connect) {
      syncContext.execute(controlPlane::requestConnection);
    }
    return s;
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
    List<Runnable> watchers;
    synchronized (lock) {
      shutdown = true;
      watchers = new ArrayList<>(stateWatchers);
      stateWatchers.clear();
    }
    // Calls still waiting for a config start now, and fail: the channel is shut down.
    serviceConfig.markKnown().forEach(this::runCallback);
    for (ClientCallImpl<?, ?> call : pickers.drain()) {
      call.failEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
    }
    watchers.forEach(this::runCallback);
    syncContext.execute(() -> {
      cancelIdleTimer();
      controlPlane.stop();
      controlPlane.shutdownSubchannels(now);
      if (now) {
        List<ClientConnection> open;
        synchronized (lock) {
          open = new ArrayList<>(connections);
        }
        open.forEach(ClientConnection::shutdownNow);
      }
      synchronized (lock) {
        maybeTerminate();
        lock.notifyAll();
      }
    });
  }

  /** Called with the lock held. */
  private void maybeTerminate() {
    if (shutdown && !terminated && connections.isEmpty()) {
      terminated = true;
      if (ownedExecutor != null) {
        ownedExecutor.shutdown();
      }
    }
  }

  public boolean isShutdown() {
    return shutdown;
  }

  public boolean isTerminated() {
    synchronized (lock) {
      return terminated;
    }
  }

  /** Waits for termination. Real time: it waits for threads, not for a timer. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
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
