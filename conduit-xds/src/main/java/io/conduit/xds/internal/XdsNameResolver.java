package io.conduit.xds.internal;

import io.conduit.Status;
import io.conduit.internal.Json;
import io.conduit.resolver.NameResolver;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The resolver of {@code xds:///NAME} targets (gRFC A27): it watches the listener NAME, its route
 * configuration (inline or through RDS), the clusters the matching virtual host's routes name
 * (CDS) and their endpoints (EDS), and gives the channel a service config that selects the
 * {@code xds_routing_experimental} balancer with the whole picture ({@link XdsConfig}).
 *
 * <p>The first result waits until every cluster and its endpoints have come (or are known not to
 * exist); after that every change is published as it comes.
 */
final class XdsNameResolver extends NameResolver {
  static final String POLICY = "xds_routing_experimental";

  private final String listenerName;
  private final String authority;
  private final Executor syncContext;
  private final XdsClientPool.Lease lease;
  private final String configId = XdsConfigs.newId();
  private Listener listener;
  private ListenerResource listenerResource;
  private Status listenerError;
  private String rdsName;
  private RouteConfigResource routes;
  private final Map<String, ClusterWatch> clusters = new HashMap<>();
  private boolean published;
  private boolean shutdown;
  private final XdsClient.Watcher ldsWatcher = new XdsClient.Watcher() {
    @Override
    public void onUpdate(Object resource) {
      onListener((ListenerResource) resource);
    }

    @Override
    public void onDoesNotExist() {
      listenerResource = null;
      listenerError = Status.UNAVAILABLE.withDescription("xDS listener " + listenerName
          + " does not exist");
      watchRoutes(null);
      routes = null;
      updateClusters(Set.of());
      publish();
    }
  };
  private final XdsClient.Watcher rdsWatcher = new XdsClient.Watcher() {
    @Override
    public void onUpdate(Object resource) {
      routes = (RouteConfigResource) resource;
      routesChanged();
    }

    @Override
    public void onDoesNotExist() {
      routes = null;
      listenerError = Status.UNAVAILABLE.withDescription("xDS route configuration " + rdsName
          + " does not exist");
      updateClusters(Set.of());
      publish();
    }
  };

  XdsNameResolver(String listenerName, String authority, Executor syncContext,
      XdsClientPool.Lease lease) {
    this.listenerName = listenerName;
    this.authority = authority;
    this.syncContext = syncContext;
    this.lease = lease;
  }

  @Override
  public void start(Listener listener) {
    this.listener = listener;
    lease.client().watch(ResourceType.LISTENER, listenerName, syncContext, ldsWatcher);
  }

  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    XdsClient client = lease.client();
    client.cancelWatch(ResourceType.LISTENER, listenerName, ldsWatcher);
    watchRoutes(null);
    updateClusters(Set.of());
    XdsConfigs.remove(configId);
    lease.close();
  }

  private void onListener(ListenerResource l) {
    if (shutdown) {
      return;
    }
    listenerResource = l;
    listenerError = null;
    if (l.rdsName() != null) {
      if (!l.rdsName().equals(rdsName)) {
        routes = null;
        watchRoutes(l.rdsName());
      }
      routesChanged();
    } else {
      watchRoutes(null);
      routes = l.inlineRoutes();
      routesChanged();
    }
  }

  private void watchRoutes(String name) {
    if (rdsName != null) {
      lease.client().cancelWatch(ResourceType.ROUTE, rdsName, rdsWatcher);
    }
    rdsName = name;
    if (name != null) {
      lease.client().watch(ResourceType.ROUTE, name, syncContext, rdsWatcher);
    }
  }

  private void routesChanged() {
    if (shutdown || routes == null) {
      return;
    }
    listenerError = null;
    VirtualHost vh = routes.select(authority);
    Set<String> names = new LinkedHashSet<>();
    if (vh != null) {
      for (Route r : vh.routes()) {
        r.clusters().forEach(c -> names.add(c.name()));
      }
    }
    updateClusters(names);
    publish();
  }

  private void updateClusters(Set<String> names) {
    clusters.entrySet().removeIf(e -> {
      if (!names.contains(e.getKey())) {
        e.getValue().cancel();
        return true;
      }
      return false;
    });
    Map<String, XdsClient.Watcher> added = new java.util.LinkedHashMap<>();
    for (String name : names) {
      if (!clusters.containsKey(name)) {
        ClusterWatch w = new ClusterWatch(name);
        clusters.put(name, w);
        added.put(name, w.cds);
      }
    }
    if (!added.isEmpty()) {
      lease.client().watch(ResourceType.CLUSTER, added, syncContext);
    }
  }

  private void publish() {
    if (shutdown || listener == null) {
      return;
    }
    XdsConfig config;
    if (listenerError != null || routes == null) {
      if (listenerError == null) {
        return;
      }
      config = new XdsConfig(null, listenerError, Map.of(), null, Map.of());
    } else {
      VirtualHost vh = routes.select(authority);
      Map<String, XdsConfig.ClusterState> states = new HashMap<>();
      for (ClusterWatch w : clusters.values()) {
        if (!published && w.pending()) {
          // The first result waits for every cluster.
          return;
        }
        states.put(w.name, w.state());
      }
      config = vh == null
          ? new XdsConfig(null, Status.UNAVAILABLE.withDescription("no virtual host in route "
              + "configuration " + routes.name() + " matches authority " + authority), Map.of(),
              null, Map.of())
          : new XdsConfig(vh, null, states, listenerResource == null ? null
              : listenerResource.maxStreamDuration(),
              listenerResource == null ? Map.of() : listenerResource.faultFilters());
    }
    published = true;
    XdsConfigs.put(configId, config);
    List<SocketAddress> addresses = new ArrayList<>();
    for (XdsConfig.ClusterState s : config.clusters().values()) {
      if (s.endpoints() != null) {
        s.endpoints().priorities().forEach(p -> p.forEach(l -> addresses.addAll(l.addresses())));
      }
    }
    String serviceConfig = Json.write(Map.of("loadBalancingConfig",
        List.of(Map.of(POLICY, Map.of("config", configId)))));
    listener.onResult(new Result(addresses, serviceConfig, null,
        new XdsCallConfigSelector(config)));
  }

  /** The CDS watch of one cluster, and the EDS watch it leads to. */
  private final class ClusterWatch {
    final String name;
    ClusterResource cluster;
    String edsName;
    EndpointResource endpoints;
    Status error;
    boolean cdsAnswered;
    boolean edsAnswered;
    final XdsClient.Watcher cds = new XdsClient.Watcher() {
      @Override
      public void onUpdate(Object resource) {
        if (!clusters.containsKey(name)) {
          return;
        }
        cdsAnswered = true;
        cluster = (ClusterResource) resource;
        error = null;
        if (!cluster.edsServiceName().equals(edsName)) {
          cancelEds();
          endpoints = null;
          edsAnswered = false;
          edsName = cluster.edsServiceName();
          lease.client().watch(ResourceType.ENDPOINT, edsName, syncContext, eds);
        }
        publish();
      }

      @Override
      public void onDoesNotExist() {
        if (!clusters.containsKey(name)) {
          return;
        }
        cdsAnswered = true;
        cluster = null;
        cancelEds();
        endpoints = null;
        error = Status.UNAVAILABLE.withDescription("xDS cluster " + name + " does not exist");
        publish();
      }
    };
    final XdsClient.Watcher eds = new XdsClient.Watcher() {
      @Override
      public void onUpdate(Object resource) {
        if (!clusters.containsKey(name)) {
          return;
        }
        edsAnswered = true;
        endpoints = (EndpointResource) resource;
        publish();
      }

      @Override
      public void onDoesNotExist() {
        if (!clusters.containsKey(name)) {
          return;
        }
        edsAnswered = true;
        endpoints = new EndpointResource(edsName, List.of(), List.of());
        publish();
      }
    };

    ClusterWatch(String name) {
      this.name = name;
    }

    boolean pending() {
      return !cdsAnswered || (cluster != null && !edsAnswered);
    }

    XdsConfig.ClusterState state() {
      return new XdsConfig.ClusterState(cluster, endpoints, error);
    }

    void cancelEds() {
      if (edsName != null) {
        lease.client().cancelWatch(ResourceType.ENDPOINT, edsName, eds);
        edsName = null;
      }
    }

    void cancel() {
      lease.client().cancelWatch(ResourceType.CLUSTER, name, cds);
      cancelEds();
    }
  }
}
