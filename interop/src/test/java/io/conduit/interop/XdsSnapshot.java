package io.conduit.interop;

import io.conduit.internal.Json;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An xDS snapshot for {@link XdsControlPlaneProcess}, written as Envoy's own JSON resources: one
 * listener (an API listener whose HttpConnectionManager fetches its routes through RDS), its
 * route configuration, EDS clusters and their load assignments.
 */
final class XdsSnapshot {
  private static final String HCM = "type.googleapis.com/envoy.extensions.filters.network"
      + ".http_connection_manager.v3.HttpConnectionManager";
  private static final String ROUTER =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  private static final Map<String, Object> ADS =
      Map.of("ads", Map.of(), "resourceApiVersion", "V3");

  private final String version;
  private final List<Object> listeners = new ArrayList<>();
  private final List<Object> routes = new ArrayList<>();
  private final List<Object> clusters = new ArrayList<>();
  private final List<Object> endpoints = new ArrayList<>();

  XdsSnapshot(String version) {
    this.version = version;
  }

  String version() {
    return version;
  }

  /** The listener {@code name}, routed by the route configuration {@code routeConfig} (RDS). */
  XdsSnapshot listener(String name, String routeConfig) {
    return listener(name, routeConfig, List.of());
  }

  /** The same, with these HTTP filters before the router. */
  XdsSnapshot listener(String name, String routeConfig, List<Object> filters) {
    List<Object> chain = new ArrayList<>(filters);
    chain.add(Map.of("name", "router", "typedConfig", Map.of("@type", ROUTER)));
    listeners.clear();
    listeners.add(Map.of("name", name, "apiListener", Map.of("apiListener", Map.of(
        "@type", HCM,
        "rds", Map.of("configSource", ADS, "routeConfigName", routeConfig),
        "httpFilters", chain))));
    return this;
  }

  /** The type URL of Envoy's fault injection filter's config. */
  static final String FAULT =
      "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

  /** A route for an exact path to one cluster, with these route fields besides. */
  static Map<String, Object> pathRoute(String path, String cluster, Map<String, Object> fields) {
    Map<String, Object> r = new LinkedHashMap<>(fields);
    r.put("match", Map.of("path", path));
    r.put("route", Map.of("cluster", cluster));
    return r;
  }

  /** A route configuration with one virtual host for every domain and these routes. */
  XdsSnapshot routes(String name, Object... routeList) {
    routes.add(Map.of("name", name, "virtualHosts", List.of(Map.of("name", "all",
        "domains", List.of("*"), "routes", List.of(routeList)))));
    return this;
  }

  /** A route for paths starting with {@code prefix} to one cluster. */
  static Map<String, Object> route(String prefix, String cluster) {
    return Map.of("match", Map.of("prefix", prefix), "route", Map.of("cluster", cluster));
  }

  /** A route for paths starting with {@code prefix} to one cluster, with these action fields. */
  static Map<String, Object> route(String prefix, String cluster, Map<String, Object> action) {
    Map<String, Object> a = new LinkedHashMap<>(action);
    a.put("cluster", cluster);
    return Map.of("match", Map.of("prefix", prefix), "route", a);
  }

  /** A route for paths starting with {@code prefix} to one cluster, hashing {@code header}. */
  static Map<String, Object> hashedRoute(String prefix, String cluster, String header) {
    return Map.of("match", Map.of("prefix", prefix), "route", Map.of("cluster", cluster,
        "hashPolicy", List.of(Map.of("header", Map.of("headerName", header)))));
  }

  /** A route for paths starting with {@code prefix} to clusters by weight (name, weight, ...). */
  static Map<String, Object> weightedRoute(String prefix, Object... clustersAndWeights) {
    List<Object> weighted = new ArrayList<>();
    for (int i = 0; i < clustersAndWeights.length; i += 2) {
      weighted.add(Map.of("name", clustersAndWeights[i], "weight", clustersAndWeights[i + 1]));
    }
    return Map.of("match", Map.of("prefix", prefix),
        "route", Map.of("weightedClusters", Map.of("clusters", weighted)));
  }

  /** An EDS cluster with round_robin over each locality's endpoints. */
  XdsSnapshot cluster(String name) {
    return cluster(name, Map.of());
  }

  /** An EDS cluster with these fields besides (Envoy JSON: {@code lbPolicy}, ...). */
  XdsSnapshot cluster(String name, Map<String, Object> fields) {
    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("name", name);
    cluster.put("type", "EDS");
    cluster.put("edsClusterConfig", Map.of("edsConfig", ADS, "serviceName", name));
    cluster.put("lbPolicy", "ROUND_ROBIN");
    cluster.putAll(fields);
    clusters.add(cluster);
    return this;
  }

  /**
   * Circuit breaking: at most {@code maxRequests} calls in flight to the cluster. The cluster also
   * names the management server as its load-reporting (LRS) server: grpc-java (1.43 to at least
   * 1.79) counts a cluster's calls in flight only when it reports load, so without one its
   * circuit breaker never trips. Conduit counts them either way and ignores {@code lrs_server}.
   */
  static Map<String, Object> maxRequests(int maxRequests) {
    return Map.of("circuitBreakers", Map.of("thresholds",
            List.of(Map.of("maxRequests", maxRequests))),
        "lrsServer", Map.of("self", Map.of()));
  }

  /** The endpoints of {@code cluster}, all of whose calls the load assignment drops. */
  XdsSnapshot endpointsDroppingAll(String cluster, String category, Locality... localities) {
    endpoints(cluster, localities);
    @SuppressWarnings("unchecked")
    Map<String, Object> last = new LinkedHashMap<>((Map<String, Object>) endpoints.remove(
        endpoints.size() - 1));
    last.put("policy", Map.of("dropOverloads", List.of(Map.of("category", category,
        "dropPercentage", Map.of("numerator", 100, "denominator", "HUNDRED")))));
    endpoints.add(last);
    return this;
  }

  /** A route for every path that takes {@code percent} % of the calls (a runtime fraction). */
  static Map<String, Object> fractionRoute(int percent, String cluster) {
    return Map.of("match", Map.of("prefix", "", "runtimeFraction", Map.of(
        "defaultValue", Map.of("numerator", percent, "denominator", "HUNDRED"),
        "runtimeKey", "fraction")), "route", Map.of("cluster", cluster));
  }

  /** The endpoints of {@code cluster}: each {@link Locality} with its priority and weight. */
  XdsSnapshot endpoints(String cluster, Locality... localities) {
    List<Object> list = new ArrayList<>();
    for (Locality l : localities) {
      List<Object> lbEndpoints = new ArrayList<>();
      for (InetSocketAddress a : l.addresses()) {
        lbEndpoints.add(Map.of("endpoint", Map.of("address", Map.of("socketAddress", Map.of(
            "address", a.getAddress().getHostAddress(), "portValue", a.getPort())))));
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("locality", Map.of("zone", l.zone()));
      entry.put("loadBalancingWeight", l.weight());
      entry.put("priority", l.priority());
      entry.put("lbEndpoints", lbEndpoints);
      list.add(entry);
    }
    endpoints.add(Map.of("clusterName", cluster, "endpoints", list));
    return this;
  }

  String json() {
    return Json.write(Map.of("listeners", listeners, "routes", routes, "clusters", clusters,
        "endpoints", endpoints));
  }

  /** A locality of a load assignment. */
  record Locality(String zone, int priority, int weight, List<InetSocketAddress> addresses) {
    static Locality of(String zone, InetSocketAddress... addresses) {
      return new Locality(zone, 0, 1, List.of(addresses));
    }
  }
}
