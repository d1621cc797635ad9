package io.conduit.xds.internal;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The top of a channel's xDS policy tree ({@code xds_routing_experimental}): the resolver's
 * {@link XdsConfig} gives the virtual host's routes and the clusters they name; each call is
 * matched against the routes in order, sent to one of the route's clusters by weight, and picked
 * by that cluster's {@link ClusterBalancer}. A route to a cluster that does not exist fails its
 * calls UNAVAILABLE, saying so; calls to a cluster still on its way wait.
 */
public final class XdsRoutingLoadBalancer extends LoadBalancer {
  private final Helper helper;
  private final Map<String, ClusterBalancer> clusters = new HashMap<>();
  private XdsConfig config;
  private boolean updating;

  XdsRoutingLoadBalancer(Helper helper) {
    this.helper = helper;
  }

  @Override
  public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> lbConfig) {
    Object id = lbConfig.get("config");
    XdsConfig next = id instanceof String s ? XdsConfigs.get(s) : null;
    if (next == null) {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(
          Status.INTERNAL.withDescription(XdsNameResolver.POLICY + " needs the config of an xds:"
              + " resolver; it got " + lbConfig)));
      return;
    }
    config = next;
    updating = true;
    clusters.entrySet().removeIf(e -> {
      XdsConfig.ClusterState s = next.clusters().get(e.getKey());
      if (s == null || !s.ready()) {
        e.getValue().shutdown();
        return true;
      }
      return false;
    });
    for (Map.Entry<String, XdsConfig.ClusterState> e : next.clusters().entrySet()) {
      XdsConfig.ClusterState s = e.getValue();
      if (s.ready()) {
        clusters.computeIfAbsent(e.getKey(), n -> new ClusterBalancer(n, helper, this::publish))
            .update(s.cluster(), s.endpoints());
      }
    }
    updating = false;
    publish();
  }

  private void publish() {
    if (updating || config == null) {
      return;
    }
    XdsConfig c = config;
    if (c.error() != null) {
      Status error = c.error();
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
      return;
    }
    Map<String, ClusterBalancer.ClusterPicker> pickers = new HashMap<>();
    ConnectivityState state = clusters.isEmpty() ? ConnectivityState.CONNECTING
        : ConnectivityState.TRANSIENT_FAILURE;
    for (Map.Entry<String, ClusterBalancer> e : clusters.entrySet()) {
      pickers.put(e.getKey(), e.getValue().picker());
      ConnectivityState s = e.getValue().state();
      if (s == ConnectivityState.READY) {
        state = ConnectivityState.READY;
      } else if (s == ConnectivityState.CONNECTING && state != ConnectivityState.READY) {
        state = ConnectivityState.CONNECTING;
      }
    }
    helper.updateState(state, new RoutingPicker(c, pickers));
  }

  @Override
  public void handleResolutionError(Status error) {
    if (config == null) {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
    }
  }

  @Override
  public void shutdown() {
    clusters.values().forEach(ClusterBalancer::shutdown);
    clusters.clear();
  }

  /** Routes each call, then asks its cluster's picker. */
  private record RoutingPicker(XdsConfig config, Map<String, ClusterBalancer.ClusterPicker> clusters)
      implements Picker {
    @Override
    public PickResult pick(PickArgs args) {
      String path = "/" + args.method().fullMethodName();
      Route route = XdsCallConfigSelector.match(config.virtualHost(), path, args.headers());
      if (route == null) {
        return PickResult.withError(Status.UNAVAILABLE.withDescription("no xDS route matches "
            + path + " in virtual host " + config.virtualHost().name()));
      }
      String cluster = cluster(route.clusters());
      ClusterBalancer.ClusterPicker picker = clusters.get(cluster);
      if (picker != null) {
        return picker.pick(args, route);
      }
      XdsConfig.ClusterState state = config.clusters().get(cluster);
      if (state != null && state.error() != null) {
        return PickResult.withError(state.error());
      }
      return PickResult.withNoResult();
    }

    private static String cluster(List<Route.ClusterWeight> weights) {
      if (weights.size() == 1) {
        return weights.get(0).name();
      }
      long total = 0;
      for (Route.ClusterWeight w : weights) {
        total += Integer.toUnsignedLong(w.weight());
      }
      long r = ThreadLocalRandom.current().nextLong(total);
      for (Route.ClusterWeight w : weights) {
        r -= Integer.toUnsignedLong(w.weight());
        if (r < 0) {
          return w.name();
        }
      }
      return weights.get(weights.size() - 1).name();
    }
  }

  /** The provider of {@code xds_routing_experimental}, found by the channel's registry. */
  public static final class Provider extends PolicyProvider {
    /** For {@link java.util.ServiceLoader}. */
    public Provider() {
      super(XdsNameResolver.POLICY, XdsRoutingLoadBalancer::new);
    }
  }
}
