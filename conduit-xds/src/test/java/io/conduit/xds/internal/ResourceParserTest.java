package io.conduit.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.conduit.Metadata;
import io.conduit.xds.internal.proto.Address;
import io.conduit.xds.internal.proto.AggregatedConfigSource;
import io.conduit.xds.internal.proto.ApiListener;
import io.conduit.xds.internal.proto.Cluster;
import io.conduit.xds.internal.proto.ClusterLoadAssignment;
import io.conduit.xds.internal.proto.ConfigSource;
import io.conduit.xds.internal.proto.Endpoint;
import io.conduit.xds.internal.proto.HeaderMatcher;
import io.conduit.xds.internal.proto.HealthStatus;
import io.conduit.xds.internal.proto.HttpConnectionManager;
import io.conduit.xds.internal.proto.HttpFilter;
import io.conduit.xds.internal.proto.LbEndpoint;
import io.conduit.xds.internal.proto.Listener;
import io.conduit.xds.internal.proto.LocalityLbEndpoints;
import io.conduit.xds.internal.proto.Rds;
import io.conduit.xds.internal.proto.RouteAction;
import io.conduit.xds.internal.proto.RouteConfiguration;
import io.conduit.xds.internal.proto.RouteMatch;
import io.conduit.xds.internal.proto.Router;
import io.conduit.xds.internal.proto.SocketAddress;
import io.conduit.xds.internal.proto.WeightedCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceParserTest {
  private static final ConfigSource ADS =
      ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
  private static final HttpFilter ROUTER = HttpFilter.newBuilder().setName("router")
      .setTypedConfig(Any.pack(Router.getDefaultInstance())).build();

  private static Any listener(HttpConnectionManager hcm) {
    return Any.pack(Listener.newBuilder().setName("l")
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build());
  }

  @Test
  void listenerWithRds() throws Exception {
    ListenerResource l = ResourceParser.listener(listener(HttpConnectionManager.newBuilder()
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName("r"))
        .addHttpFilters(ROUTER).build()));
    assertThat(l.rdsName()).isEqualTo("r");
    assertThat(l.inlineRoutes()).isNull();
  }

  @Test
  void listenerErrorsNameTheField() {
    assertThatThrownBy(() -> ResourceParser.listener(Any.pack(Listener.newBuilder().setName("l")
        .build()))).hasMessage("Listener l: api_listener is missing (a gRPC client needs an API "
        + "listener with an HttpConnectionManager)");
    assertThatThrownBy(() -> ResourceParser.listener(listener(HttpConnectionManager.newBuilder()
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName("r")).build())))
        .hasMessageContaining("http_filters is empty");
    assertThatThrownBy(() -> ResourceParser.listener(listener(HttpConnectionManager.newBuilder()
        .setRds(Rds.newBuilder().setRouteConfigName("r")).addHttpFilters(ROUTER).build())))
        .hasMessageContaining("rds.config_source must be ads or self");
    assertThatThrownBy(() -> ResourceParser.listener(listener(HttpConnectionManager.newBuilder()
        .addHttpFilters(ROUTER).build())))
        .hasMessageContaining("neither rds nor route_config");
  }

  @Test
  void routesMatchPathHeadersAndSplitByWeight() throws Exception {
    RouteConfiguration rc = RouteConfiguration.newBuilder().setName("r")
        .addVirtualHosts(io.conduit.xds.internal.proto.VirtualHost.newBuilder().setName("exact")
            .addDomains("svc.example").addRoutes(io.conduit.xds.internal.proto.Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/pkg.Svc/")
                    .addHeaders(HeaderMatcher.newBuilder().setName("x-env").setExactMatch("canary")))
                .setRoute(RouteAction.newBuilder().setWeightedClusters(WeightedCluster.newBuilder()
                    .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("a")
                        .setWeight(UInt32Value.of(80)))
                    .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName("b")
                        .setWeight(UInt32Value.of(20)))))))
        .addVirtualHosts(io.conduit.xds.internal.proto.VirtualHost.newBuilder().setName("any")
            .addDomains("*"))
        .build();
    RouteConfigResource routes = ResourceParser.routeConfig(Any.pack(rc));
    assertThat(routes.select("svc.example").name()).isEqualTo("exact");
    assertThat(routes.select("other").name()).isEqualTo("any");
    Route route = routes.select("svc.example").routes().get(0);
    assertThat(route.clusters()).containsExactly(new Route.ClusterWeight("a", 80),
        new Route.ClusterWeight("b", 20));
    Metadata canary = new Metadata().add("x-env", "canary");
    assertThat(route.matches("/pkg.Svc/Get", canary, 0)).isTrue();
    assertThat(route.matches("/pkg.Svc/Get", new Metadata(), 0)).isFalse();
    assertThat(route.matches("/pkg.Other/Get", canary, 0)).isFalse();
  }

  @Test
  void clusterNeedsEdsOverAds() throws Exception {
    Cluster.Builder c = Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS));
    ClusterResource parsed = ResourceParser.cluster(Any.pack(c.build()));
    assertThat(parsed.edsServiceName()).isEqualTo("c");
    assertThat(parsed.lbPolicy()).isEqualTo("round_robin");
    assertThat(parsed.maxConcurrentRequests()).isEqualTo(1024);
    assertThatThrownBy(() -> ResourceParser.cluster(Any.pack(c.clone()
        .setType(Cluster.DiscoveryType.STATIC).build())))
        .hasMessage("Cluster c: type STATIC is not supported; use EDS");
    assertThatThrownBy(() -> ResourceParser.cluster(Any.pack(c.clone()
        .setLbPolicy(Cluster.LbPolicy.MAGLEV).build())))
        .hasMessageContaining("lb_policy MAGLEV is not supported");
  }

  private static LocalityLbEndpoints.Builder locality(int priority, String ip, int port) {
    return LocalityLbEndpoints.newBuilder().setPriority(priority)
        .setLoadBalancingWeight(UInt32Value.of(1))
        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder()
            .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                .setAddress(ip).setPortValue(port)))));
  }

  @Test
  void endpointsByPriorityWithoutUnhealthyOnesOrGaps() throws Exception {
    EndpointResource e = ResourceParser.endpoints(Any.pack(ClusterLoadAssignment.newBuilder()
        .setClusterName("c")
        .addEndpoints(locality(1, "10.0.0.2", 80))
        .addEndpoints(locality(0, "10.0.0.1", 80).addLbEndpoints(LbEndpoint.newBuilder()
            .setHealthStatus(HealthStatus.UNHEALTHY)
            .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.9")
                    .setPortValue(80))))))
        .build()));
    assertThat(e.priorities()).hasSize(2);
    assertThat(e.priorities().get(0).get(0).addresses()).extracting(a -> a.getHostString())
        .containsExactly("10.0.0.1");
    assertThat(e.priorities().get(1).get(0).addresses()).hasSize(1);
    assertThatThrownBy(() -> ResourceParser.endpoints(Any.pack(ClusterLoadAssignment.newBuilder()
        .setClusterName("c").addEndpoints(locality(0, "10.0.0.1", 80))
        .addEndpoints(locality(2, "10.0.0.2", 80)).build())))
        .hasMessageContaining("ClusterLoadAssignment c: endpoints: priority 1 is missing");
    assertThatThrownBy(() -> ResourceParser.endpoints(Any.pack(ClusterLoadAssignment.newBuilder()
        .setClusterName("c").addEndpoints(locality(0, "backend.example", 80)).build())))
        .hasMessageContaining("socket_address.address must be an IP address");
    assertThat(List.of(ResourceType.values())).extracting(ResourceType::missingMeansDeleted)
        .containsExactly(true, false, true, false);
  }
}
