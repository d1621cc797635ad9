package io.conduit.internal;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import io.conduit.internal.balancer.LoadBalancerRegistry;
import io.conduit.internal.resolver.NameResolverRegistry;
import io.conduit.resolver.NameResolver;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A channel's control plane: its name resolver feeds the service config and the load balancer,
 * whose subchannels hold the connections and whose pickers place calls. Everything here runs on
 * the channel's synchronization context (a serial queue), so none of it needs a lock.
 */
final class ControlPlane {

  /** What the control plane tells its channel. */
  interface Channel {
    /** The balancer's new state and picker (null picker: none, calls wait). */
    void updatePicker(ConnectivityState state, LoadBalancer.Picker picker);

    /** The first resolution has ended: calls waiting for the service config may go ahead. */
    void configKnown();

    boolean isShutdown();
  }

  private final URI target;
  private final NameResolverRegistry resolvers;
  private final LoadBalancerRegistry balancers;
  private final NameResolver.Args resolverArgs;
  private final String defaultPolicy;
  private final ServiceConfigState serviceConfig;
  private final SubchannelImpl.Parent subchannelParent;
  private final Channel channel;
  private final SerializingExecutor syncContext;
  private final ScheduledExecutorService scheduler;
  /** What balancers get: the event loop, its timers on the clock. */
  private final ScheduledExecutorService pluginScheduler;
  private final io.conduit.Clock clock;
  /** Paces retries after failed resolutions (the reconnect backoff policy, as grpc-java does). */
  private final ExponentialBackoff resolutionBackoff;
  /** Changed on the synchronization context; copied on write, so that channelz reads it anywhere. */
  private final List<SubchannelImpl> subchannels = new java.util.concurrent.CopyOnWriteArrayList<>();
  private NameResolver resolver;
  private LoadBalancer balancer;
  private String balancerPolicy;
  /** The scheduled retry after a failed resolution; refresh hints wait for it meanwhile. */
  private ScheduledFuture<?> resolutionRetry;
  /** The service health checks watch (gRFC A17), from the service config; null when off. */
  private volatile String healthCheckServiceName;

  ControlPlane(URI target, NameResolverRegistry resolvers, LoadBalancerRegistry balancers,
      NameResolver.Args resolverArgs, String defaultPolicy, ServiceConfigState serviceConfig,
      ExponentialBackoff.Policy backoff, SubchannelImpl.Parent subchannelParent, Channel channel,
      SerializingExecutor syncContext, ScheduledExecutorService scheduler,
      ScheduledExecutorService pluginScheduler, io.conduit.Clock clock) {
    this.target = target;
    this.resolvers = resolvers;
    this.balancers = balancers;
    this.resolverArgs = resolverArgs;
    this.defaultPolicy = defaultPolicy;
    this.serviceConfig = serviceConfig;
    this.resolutionBackoff = new ExponentialBackoff(backoff);
    this.subchannelParent = subchannelParent;
    this.channel = channel;
    this.syncContext = syncContext;
    this.scheduler = scheduler;
    this.pluginScheduler = pluginScheduler;
    this.clock = clock;
  }

  /** The service to health-check (gRFC A17), "" for the whole server, null for none. Any thread. */
  String healthCheckServiceName() {
    return healthCheckServiceName;
  }

  boolean isRunning() {
    syncContext.assertCurrent();
    return resolver != null;
  }

  /** Starts the resolver (and through it the balancer): the channel leaves idle. */
  void start() {
    syncContext.assertCurrent();
    if (channel.isShutdown() || resolver != null) {
      return;
    }
    channel.updatePicker(ConnectivityState.CONNECTING, null);
    NameResolver r = resolvers.newResolver(target, resolverArgs);
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

  /** Resolver and balancer go, and their subchannels with them; the next start brings them back. */
  void stop() {
    syncContext.assertCurrent();
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

  /** The subchannels now, for channelz. Any thread. */
  List<io.conduit.internal.channelz.SubchannelView> subchannelViews() {
    return List.copyOf(subchannels);
  }

  /** Shuts every subchannel down ({@code now}: their connections close at once). */
  void shutdownSubchannels(boolean now) {
    syncContext.assertCurrent();
    for (SubchannelImpl sc : List.copyOf(subchannels)) {
      if (now) {
        sc.shutdownNow();
      } else {
        sc.shutdown();
      }
    }
  }

  /** The balancer wants a connection (pick_first gone idle after its connection closed). */
  void requestConnection() {
    syncContext.assertCurrent();
    if (balancer != null) {
      balancer.requestConnection();
    }
  }

  void subchannelShutdown(SubchannelImpl subchannel) {
    syncContext.assertCurrent();
    subchannels.remove(subchannel);
  }

  /** A connection failed or went away: resolve again (unless a backoff retry is coming anyway). */
  void refreshNameResolution() {
    syncContext.assertCurrent();
    if (resolver != null && resolutionRetry == null) {
      resolver.refresh();
    }
  }

  private void handleResolved(NameResolver.Result result) {
    ServiceConfig sc = serviceConfig.select(result, this::handleResolutionError);
    if (sc == null) {
      return;
    }
    cancelResolutionRetry();
    resolutionBackoff.reset();
    serviceConfig.apply(sc);
    serviceConfig.selector(result.callConfigSelector());
    channel.configKnown();
    healthCheckServiceName = sc.healthCheckServiceName();
    String policy = sc.lbPolicy() != null ? sc.lbPolicy()
        : defaultPolicy != null ? defaultPolicy : "pick_first";
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

  private void handleResolutionError(Status error) {
    if (balancer != null) {
      balancer.handleResolutionError(error);
    } else {
      channel.updatePicker(ConnectivityState.TRANSIENT_FAILURE,
          args -> LoadBalancer.PickResult.withError(error));
    }
    // Calls waiting for a config go ahead with the default one, and wait for addresses or fail.
    channel.configKnown();
    scheduleResolutionRetry();
  }

  /**
   * Resolves again after the backoff delay, which grows with each failure until a resolution
   * succeeds. The resolver's own minimum refresh interval is for refresh hints after successes;
   * it must not hold back these retries (see {@link NameResolver#refresh()}).
   */
  private void scheduleResolutionRetry() {
    if (resolutionRetry != null || resolver == null || channel.isShutdown()) {
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

  private final class BalancerHelper implements LoadBalancer.Helper {
    @Override
    public Subchannel createSubchannel(SocketAddress address) {
      SubchannelImpl sc = new SubchannelImpl(address, subchannelParent);
      subchannels.add(sc);
      return sc;
    }

    @Override
    public void updateState(ConnectivityState newState, LoadBalancer.Picker newPicker) {
      if (balancer == null || channel.isShutdown()) {
        return;
      }
      channel.updatePicker(newState, newPicker);
    }

    @Override
    public void refreshNameResolution() {
      syncContext.execute(ControlPlane.this::refreshNameResolution);
    }

    @Override
    public Executor syncContext() {
      return syncContext;
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return pluginScheduler;
    }

    @Override
    public io.conduit.Clock clock() {
      return clock;
    }
  }
}
