package io.conduit.xds.internal;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.conduit.xds.internal.proto.CircuitBreakers;
import io.conduit.xds.internal.proto.ClientSideWeightedRoundRobin;
import io.conduit.xds.internal.proto.Cluster;
import io.conduit.xds.internal.proto.ClusterLoadAssignment;
import io.conduit.xds.internal.proto.ConfigSource;
import io.conduit.xds.internal.proto.FractionalPercent;
import io.conduit.xds.internal.proto.HealthStatus;
import io.conduit.xds.internal.proto.HttpConnectionManager;
import io.conduit.xds.internal.proto.HttpFilter;
import io.conduit.xds.internal.proto.LbEndpoint;
import io.conduit.xds.internal.proto.Listener;
import io.conduit.xds.internal.proto.LoadBalancingPolicy;
import io.conduit.xds.internal.proto.LocalityLbEndpoints;
import io.conduit.xds.internal.proto.OutlierDetection;
import io.conduit.xds.internal.proto.RouteAction;
import io.conduit.xds.internal.proto.RouteConfiguration;
import io.conduit.xds.internal.proto.RouteMatch;
import io.conduit.xds.internal.proto.SocketAddress;
import io.conduit.xds.internal.proto.StringMatcher;
import io.conduit.xds.internal.proto.WeightedCluster;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns the xDS resources a management server sends into what the client uses, validating them
 * as gRPC's xDS clients do (gRFC A27, A28): what a gRPC client cannot honour is refused with a
 * message that names the field, and the response is NACKed with it.
 */
final class ResourceParser {
  static final String HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network"
      + ".http_connection_manager.v3.HttpConnectionManager";
  static final String WRR_TYPE = "type.googleapis.com/envoy.extensions.load_balancing_policies"
      + ".client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin";
  static final String ROUND_ROBIN_TYPE =
      "type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin";
  static final String FAULT_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";
  static final String ROUTER_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final long DEFAULT_MAX_REQUESTS = 1024;
  /** Envoy's bound on ring_hash ring sizes. */
  private static final long MAX_RING_SIZE = 8_388_608;

  private ResourceParser() {}

  static ListenerResource listener(Any any) throws ResourceException {
    Listener l = unpack(any, Listener.parser(), "Listener");
    String where = "Listener " + l.getName() + ": ";
    if (!l.hasApiListener() || !l.getApiListener().hasApiListener()) {
      throw new ResourceException(where + "api_listener is missing (a gRPC client needs an API "
          + "listener with an HttpConnectionManager)");
    }
    Any api = l.getApiListener().getApiListener();
    if (!api.getTypeUrl().equals(HCM_TYPE)) {
      throw new ResourceException(where + "api_listener.api_listener is a " + api.getTypeUrl()
          + ", not an HttpConnectionManager");
    }
    HttpConnectionManager hcm;
    try {
      hcm = HttpConnectionManager.parseFrom(api.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(where + "api_listener.api_listener does not parse: "
          + e.getMessage());
    }
    java.util.Map<String, FaultConfig> faults = filters(hcm.getHttpFiltersList(), where);
    java.time.Duration maxStreamDuration = hcm.getCommonHttpProtocolOptions()
        .hasMaxStreamDuration()
        ? duration(hcm.getCommonHttpProtocolOptions().getMaxStreamDuration()) : null;
    switch (hcm.getRouteSpecifierCase()) {
      case RDS -> {
        if (!adsOrSelf(hcm.getRds().getConfigSource())) {
          throw new ResourceException(where + "rds.config_source must be ads or self");
        }
        if (hcm.getRds().getRouteConfigName().isEmpty()) {
          throw new ResourceException(where + "rds.route_config_name is empty");
        }
        return new ListenerResource(l.getName(), hcm.getRds().getRouteConfigName(), null,
            maxStreamDuration, faults);
      }
      case ROUTE_CONFIG -> {
        return new ListenerResource(l.getName(), null,
            routes(hcm.getRouteConfig(), where + "route_config: "), maxStreamDuration, faults);
      }
      case SCOPED_ROUTES -> throw new ResourceException(where
          + "scoped_routes is not supported; use rds or route_config");
      default -> throw new ResourceException(where
          + "the HttpConnectionManager has neither rds nor route_config");
    }
  }

  /** Checks the filter chain; returns its fault injection filters by name, in order. */
  private static java.util.Map<String, FaultConfig> filters(List<HttpFilter> filters, String where)
      throws ResourceException {
    if (filters.isEmpty()) {
      throw new ResourceException(where + "http_filters is empty; the last must be the router");
    }
    java.util.Map<String, FaultConfig> faults = new java.util.LinkedHashMap<>();
    for (int i = 0; i < filters.size(); i++) {
      HttpFilter f = filters.get(i);
      String type = f.getTypedConfig().getTypeUrl();
      boolean last = i == filters.size() - 1;
      if (type.equals(ROUTER_TYPE)) {
        if (!last) {
          throw new ResourceException(where + "http_filters[" + i + "] (" + f.getName()
              + "): the router must be the last filter");
        }
      } else if (last) {
        throw new ResourceException(where + "http_filters: the last filter must be the router ("
            + ROUTER_TYPE + "), not " + (type.isEmpty() ? f.getName() : type));
      } else if (type.equals(FAULT_TYPE)) {
        if (faults.containsKey(f.getName())) {
          throw new ResourceException(where + "http_filters[" + i + "]: a second filter named "
              + f.getName());
        }
        faults.put(f.getName(), fault(f.getTypedConfig(), where + "http_filters[" + i + "] ("
            + f.getName() + ")"));
      } else if (!f.getIsOptional()) {
        throw new ResourceException(where + "http_filters[" + i + "] (" + f.getName()
            + "): filter type " + type + " is not supported");
      }
    }
    return faults;
  }

  /** An HTTPFault (gRFC A33). */
  private static FaultConfig fault(Any typed, String where) throws ResourceException {
    io.conduit.xds.internal.proto.HTTPFault f;
    try {
      f = io.conduit.xds.internal.proto.HTTPFault.parseFrom(typed.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(where + ": HTTPFault does not parse: " + e.getMessage());
    }
    java.time.Duration fixed = null;
    boolean headerDelay = false;
    FaultConfig.Share delayShare = FaultConfig.Share.NONE;
    if (f.hasDelay()) {
      headerDelay = f.getDelay().hasHeaderDelay();
      if (f.getDelay().hasFixedDelay()) {
        fixed = duration(f.getDelay().getFixedDelay());
        if (fixed.isNegative()) {
          throw new ResourceException(where + ".delay.fixed_delay is negative");
        }
      }
      delayShare = share(f.getDelay().getPercentage());
    }
    io.conduit.Status abort = null;
    boolean headerAbort = false;
    FaultConfig.Share abortShare = FaultConfig.Share.NONE;
    if (f.hasAbort()) {
      io.conduit.xds.internal.proto.FaultAbort a = f.getAbort();
      switch (a.getErrorTypeCase()) {
        case GRPC_STATUS -> {
          if (a.getGrpcStatus() == 0 || a.getGrpcStatus() > 16) {
            throw new ResourceException(where + ".abort.grpc_status must be a status code from 1 "
                + "to 16, not " + Integer.toUnsignedString(a.getGrpcStatus()));
          }
          abort = io.conduit.Status.fromCodeValue(a.getGrpcStatus())
              .withDescription(FaultConfig.message());
        }
        case HTTP_STATUS -> {
          if (a.getHttpStatus() < 200 || a.getHttpStatus() >= 600) {
            throw new ResourceException(where + ".abort.http_status must be from 200 to 599");
          }
          abort = io.conduit.Status.fromCodeValue(
              FaultConfig.httpToGrpc(a.getHttpStatus()).value())
              .withDescription(FaultConfig.message());
        }
        case HEADER_ABORT -> headerAbort = true;
        default -> throw new ResourceException(where + ".abort has no error_type");
      }
      abortShare = share(a.getPercentage());
    }
    return new FaultConfig(fixed, headerDelay, delayShare, abort, headerAbort, abortShare);
  }

  private static FaultConfig.Share share(FractionalPercent f) {
    return new FaultConfig.Share(Integer.toUnsignedLong(f.getNumerator()),
        switch (f.getDenominator()) {
          case HUNDRED -> 10_000;
          case TEN_THOUSAND -> 100;
          default -> 1;
        });
  }

  /** The fault filter overrides of a route's or virtual host's typed_per_filter_config. */
  private static java.util.Map<String, FaultConfig> faultOverrides(java.util.Map<String, Any> map,
      String where) throws ResourceException {
    java.util.Map<String, FaultConfig> out = new java.util.HashMap<>();
    for (java.util.Map.Entry<String, Any> e : map.entrySet()) {
      if (e.getValue().getTypeUrl().equals(FAULT_TYPE)) {
        out.put(e.getKey(), fault(e.getValue(), where + ".typed_per_filter_config["
            + e.getKey() + "]"));
      }
    }
    return out;
  }

  static RouteConfigResource routeConfig(Any any) throws ResourceException {
    RouteConfiguration rc = unpack(any, RouteConfiguration.parser(), "RouteConfiguration");
    return routes(rc, "RouteConfiguration " + rc.getName() + ": ");
  }

  private static RouteConfigResource routes(RouteConfiguration rc, String where)
      throws ResourceException {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int v = 0; v < rc.getVirtualHostsCount(); v++) {
      io.conduit.xds.internal.proto.VirtualHost vh = rc.getVirtualHosts(v);
      List<Route> routes = new ArrayList<>();
      for (int r = 0; r < vh.getRoutesCount(); r++) {
        Route route = route(vh.getRoutes(r),
            where + "virtual_hosts[" + v + "].routes[" + r + "].");
        if (route != null) {
          routes.add(route);
        }
      }
      hosts.add(new VirtualHost(vh.getName(), vh.getDomainsList(), routes,
          vh.hasRetryPolicy() ? retry(vh.getRetryPolicy(), where + "virtual_hosts[" + v
              + "].retry_policy") : null,
          faultOverrides(vh.getTypedPerFilterConfigMap(), where + "virtual_hosts[" + v + "]")));
    }
    return new RouteConfigResource(rc.getName(), hosts);
  }

  /** The route, or {@code null} for one a gRPC client skips (gRFC A28). */
  private static Route route(io.conduit.xds.internal.proto.Route r, String where)
      throws ResourceException {
    RouteMatch m = r.getMatch();
    if (m.getQueryParametersCount() > 0 || !r.hasRoute()) {
      return null;
    }
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    Route.PathMatcher path = switch (m.getPathSpecifierCase()) {
      case PREFIX -> new Route.PathMatcher(Route.PathMatcher.Kind.PREFIX, m.getPrefix(),
          caseSensitive, null);
      case PATH -> new Route.PathMatcher(Route.PathMatcher.Kind.PATH, m.getPath(), caseSensitive,
          null);
      case SAFE_REGEX -> new Route.PathMatcher(Route.PathMatcher.Kind.REGEX, null, true,
          regex(m.getSafeRegex().getRegex(), where + "match.safe_regex"));
      default -> null;
    };
    if (path == null) {
      return null;
    }
    List<Route.HeaderMatcher> headers = new ArrayList<>();
    for (int i = 0; i < m.getHeadersCount(); i++) {
      headers.add(header(m.getHeaders(i), where + "match.headers[" + i + "]"));
    }
    int fraction = -1;
    if (m.hasRuntimeFraction()) {
      fraction = perMillion(m.getRuntimeFraction().getDefaultValue());
    }
    RouteAction action = r.getRoute();
    List<Route.ClusterWeight> clusters = new ArrayList<>();
    switch (action.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (action.getCluster().isEmpty()) {
          throw new ResourceException(where + "route.cluster is empty");
        }
        clusters.add(new Route.ClusterWeight(action.getCluster(), 1));
      }
      case WEIGHTED_CLUSTERS -> {
        long total = 0;
        List<WeightedCluster.ClusterWeight> weights = action.getWeightedClusters().getClustersList();
        for (int i = 0; i < weights.size(); i++) {
          WeightedCluster.ClusterWeight w = weights.get(i);
          if (w.getName().isEmpty()) {
            throw new ResourceException(where + "route.weighted_clusters.clusters[" + i
                + "].name is empty");
          }
          int weight = w.getWeight().getValue();
          total += Integer.toUnsignedLong(weight);
          if (weight > 0) {
            clusters.add(new Route.ClusterWeight(w.getName(), weight));
          }
        }
        if (total == 0) {
          throw new ResourceException(where + "route.weighted_clusters: the weights add up to 0");
        }
        if (total > 0xFFFF_FFFFL) {
          throw new ResourceException(where + "route.weighted_clusters: the weights add up to "
              + total + ", more than 4294967295");
        }
      }
      default -> {
        // cluster_header and cluster_specifier_plugin: not for gRPC clients; the route is skipped.
        return null;
      }
    }
    java.time.Duration maxStreamDuration = null;
    if (action.hasMaxStreamDuration()) {
      RouteAction.MaxStreamDuration d = action.getMaxStreamDuration();
      maxStreamDuration = d.hasGrpcTimeoutHeaderMax() ? duration(d.getGrpcTimeoutHeaderMax())
          : d.hasMaxStreamDuration() ? duration(d.getMaxStreamDuration()) : null;
    }
    List<Route.HashPolicy> hashPolicies = new ArrayList<>();
    for (RouteAction.HashPolicy h : action.getHashPolicyList()) {
      // Header policies only: filter_state (io.grpc.channel_id) and the others are skipped.
      if (h.hasHeader() && !h.getHeader().getHeaderName().isEmpty()) {
        hashPolicies.add(new Route.HashPolicy(
            h.getHeader().getHeaderName().toLowerCase(java.util.Locale.ROOT), h.getTerminal()));
      }
    }
    RetryConfig retry = action.hasRetryPolicy()
        ? retry(action.getRetryPolicy(), where + "route.retry_policy") : null;
    return new Route(path, headers, fraction, clusters, maxStreamDuration, hashPolicies, retry,
        faultOverrides(r.getTypedPerFilterConfigMap(), where + "route"));
  }

  /** gRFC A44: {@code null} when retry_on names no code gRPC retries. */
  private static RetryConfig retry(io.conduit.xds.internal.proto.RetryPolicy p, String where)
      throws ResourceException {
    java.util.Set<io.conduit.Status.Code> codes = java.util.EnumSet.noneOf(
        io.conduit.Status.Code.class);
    for (String on : p.getRetryOn().split(",")) {
      switch (on.trim()) {
        case "cancelled" -> codes.add(io.conduit.Status.Code.CANCELLED);
        case "deadline-exceeded" -> codes.add(io.conduit.Status.Code.DEADLINE_EXCEEDED);
        case "internal" -> codes.add(io.conduit.Status.Code.INTERNAL);
        case "resource-exhausted" -> codes.add(io.conduit.Status.Code.RESOURCE_EXHAUSTED);
        case "unavailable" -> codes.add(io.conduit.Status.Code.UNAVAILABLE);
        default -> {
          // Envoy's HTTP conditions (5xx, reset, ...) do not apply to gRPC: ignored.
        }
      }
    }
    int retries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
    if (codes.isEmpty() || retries == 0) {
      return null;
    }
    java.time.Duration base = java.time.Duration.ofMillis(25);
    java.time.Duration max = null;
    if (p.hasRetryBackOff()) {
      if (!p.getRetryBackOff().hasBaseInterval()) {
        throw new ResourceException(where + ".retry_back_off.base_interval is required");
      }
      base = duration(p.getRetryBackOff().getBaseInterval());
      if (base.isZero() || base.isNegative()) {
        throw new ResourceException(where + ".retry_back_off.base_interval must be positive");
      }
      if (p.getRetryBackOff().hasMaxInterval()) {
        max = duration(p.getRetryBackOff().getMaxInterval());
        if (max.compareTo(base) < 0) {
          throw new ResourceException(where + ".retry_back_off.max_interval is below "
              + "base_interval");
        }
      }
    }
    return new RetryConfig(Math.min(retries + 1, 5), base, max != null ? max : base.multipliedBy(10),
        codes);
  }

  private static Route.HeaderMatcher header(io.conduit.xds.internal.proto.HeaderMatcher h,
      String where) throws ResourceException {
    String name = h.getName().toLowerCase(java.util.Locale.ROOT);
    boolean invert = h.getInvertMatch();
    return switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH -> matcher(name, Route.HeaderMatcher.Kind.EXACT, h.getExactMatch(), invert);
      case PREFIX_MATCH -> matcher(name, Route.HeaderMatcher.Kind.PREFIX, h.getPrefixMatch(),
          invert);
      case SUFFIX_MATCH -> matcher(name, Route.HeaderMatcher.Kind.SUFFIX, h.getSuffixMatch(),
          invert);
      case CONTAINS_MATCH -> matcher(name, Route.HeaderMatcher.Kind.CONTAINS,
          h.getContainsMatch(), invert);
      case PRESENT_MATCH -> matcher(name, Route.HeaderMatcher.Kind.PRESENT,
          String.valueOf(h.getPresentMatch()), invert);
      case SAFE_REGEX_MATCH -> new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.REGEX, null,
          regex(h.getSafeRegexMatch().getRegex(), where + ".safe_regex_match"), 0, 0, false,
          invert);
      case RANGE_MATCH -> {
        if (h.getRangeMatch().getStart() > h.getRangeMatch().getEnd()) {
          throw new ResourceException(where + ".range_match: start is after end");
        }
        yield new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.RANGE, null, null,
            h.getRangeMatch().getStart(), h.getRangeMatch().getEnd(), false, invert);
      }
      case STRING_MATCH -> stringMatch(name, h.getStringMatch(), invert, where + ".string_match");
      default -> throw new ResourceException(where + ": no header_match_specifier");
    };
  }

  private static Route.HeaderMatcher matcher(String name, Route.HeaderMatcher.Kind kind,
      String value, boolean invert) {
    return new Route.HeaderMatcher(name, kind, value, null, 0, 0, false, invert);
  }

  private static Route.HeaderMatcher stringMatch(String name, StringMatcher s, boolean invert,
      String where) throws ResourceException {
    boolean ic = s.getIgnoreCase();
    return switch (s.getMatchPatternCase()) {
      case EXACT -> new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.EXACT, s.getExact(), null,
          0, 0, ic, invert);
      case PREFIX -> new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.PREFIX, s.getPrefix(),
          null, 0, 0, ic, invert);
      case SUFFIX -> new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.SUFFIX, s.getSuffix(),
          null, 0, 0, ic, invert);
      case CONTAINS -> new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.CONTAINS,
          s.getContains(), null, 0, 0, ic, invert);
      case SAFE_REGEX -> new Route.HeaderMatcher(name, Route.HeaderMatcher.Kind.REGEX, null,
          regex(s.getSafeRegex().getRegex(), where + ".safe_regex"), 0, 0, false, invert);
      default -> throw new ResourceException(where + ": no match_pattern");
    };
  }

  static ClusterResource cluster(Any any) throws ResourceException {
    Cluster c = unpack(any, Cluster.parser(), "Cluster");
    String where = "Cluster " + c.getName() + ": ";
    if (c.getClusterDiscoveryTypeCase() != Cluster.ClusterDiscoveryTypeCase.TYPE
        && c.getClusterDiscoveryTypeCase() != Cluster.ClusterDiscoveryTypeCase.CLUSTERDISCOVERYTYPE_NOT_SET) {
      throw new ResourceException(where + "cluster_type (custom and aggregate clusters) is not "
          + "supported; use type EDS");
    }
    if (c.getType() != Cluster.DiscoveryType.EDS) {
      throw new ResourceException(where + "type " + c.getType() + " is not supported; use EDS");
    }
    if (!adsOrSelf(c.getEdsClusterConfig().getEdsConfig())) {
      throw new ResourceException(where + "eds_cluster_config.eds_config must be ads or self");
    }
    String policy = c.hasLoadBalancingPolicy() ? null : switch (c.getLbPolicy()) {
      case ROUND_ROBIN -> "round_robin";
      case LEAST_REQUEST -> "least_request_experimental";
      case RING_HASH -> RingHashLoadBalancer.POLICY;
      default -> throw new ResourceException(where + "lb_policy " + c.getLbPolicy()
          + " is not supported (ROUND_ROBIN, LEAST_REQUEST, RING_HASH)");
    };
    Map<String, Object> policyConfig = Map.of();
    if (c.hasLoadBalancingPolicy()) {
      // gRFC A52: the first policy of the list this client supports replaces lb_policy.
      policy = null;
      for (LoadBalancingPolicy.Policy p : c.getLoadBalancingPolicy().getPoliciesList()) {
        Any typed = p.getTypedExtensionConfig().getTypedConfig();
        if (typed.getTypeUrl().equals(WRR_TYPE)) {
          policy = WeightedRoundRobinLoadBalancer.POLICY;
          policyConfig = wrrConfig(typed, where);
          break;
        }
        if (typed.getTypeUrl().equals(ROUND_ROBIN_TYPE)) {
          policy = "round_robin";
          break;
        }
      }
      if (policy == null) {
        throw new ResourceException(where + "load_balancing_policy names no policy this client "
            + "supports (" + WRR_TYPE + ", " + ROUND_ROBIN_TYPE + ")");
      }
    }
    long minRing = RingHashLoadBalancer.DEFAULT_MIN_RING;
    long maxRing = MAX_RING_SIZE;
    if (c.hasRingHashLbConfig()) {
      Cluster.RingHashLbConfig rh = c.getRingHashLbConfig();
      if (rh.getHashFunction() != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
        throw new ResourceException(where + "ring_hash_lb_config.hash_function must be XX_HASH");
      }
      minRing = rh.hasMinimumRingSize() ? rh.getMinimumRingSize().getValue() : minRing;
      maxRing = rh.hasMaximumRingSize() ? rh.getMaximumRingSize().getValue() : maxRing;
      if (minRing == 0 || minRing > MAX_RING_SIZE || maxRing == 0 || maxRing > MAX_RING_SIZE
          || minRing > maxRing) {
        throw new ResourceException(where + "ring_hash_lb_config: minimum_ring_size ("
            + minRing + ") and maximum_ring_size (" + maxRing + ") must be from 1 to "
            + MAX_RING_SIZE + ", the minimum not above the maximum");
      }
    }
    long maxRequests = DEFAULT_MAX_REQUESTS;
    for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
      if (t.getPriority() == 0 && t.hasMaxRequests()) {
        maxRequests = Integer.toUnsignedLong(t.getMaxRequests().getValue());
      }
    }
    String service = c.getEdsClusterConfig().getServiceName();
    return new ClusterResource(c.getName(), service.isEmpty() ? c.getName() : service, policy,
        maxRequests, minRing, Math.min(maxRing, RingHashLoadBalancer.MAX_RING),
        c.hasOutlierDetection() ? outlierDetection(c.getOutlierDetection(), where) : null,
        policyConfig);
  }

  /** ClientSideWeightedRoundRobin as weighted_round_robin's service-config JSON. */
  private static Map<String, Object> wrrConfig(Any typed, String where) throws ResourceException {
    ClientSideWeightedRoundRobin w;
    try {
      w = ClientSideWeightedRoundRobin.parseFrom(typed.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(where + "load_balancing_policy: ClientSideWeightedRoundRobin "
          + "does not parse: " + e.getMessage());
    }
    Map<String, Object> config = new java.util.LinkedHashMap<>();
    if (w.hasEnableOobLoadReport()) {
      config.put("enableOobLoadReport", w.getEnableOobLoadReport().getValue());
    }
    if (w.hasOobReportingPeriod()) {
      config.put("oobReportingPeriod", jsonDuration(w.getOobReportingPeriod()));
    }
    if (w.hasBlackoutPeriod()) {
      config.put("blackoutPeriod", jsonDuration(w.getBlackoutPeriod()));
    }
    if (w.hasWeightExpirationPeriod()) {
      config.put("weightExpirationPeriod", jsonDuration(w.getWeightExpirationPeriod()));
    }
    if (w.hasWeightUpdatePeriod()) {
      config.put("weightUpdatePeriod", jsonDuration(w.getWeightUpdatePeriod()));
    }
    if (w.hasErrorUtilizationPenalty()) {
      float penalty = w.getErrorUtilizationPenalty().getValue();
      if (!(penalty >= 0)) {
        throw new ResourceException(where + "load_balancing_policy: error_utilization_penalty "
            + "must be at least 0");
      }
      config.put("errorUtilizationPenalty", (double) penalty);
    }
    return config;
  }

  private static String jsonDuration(Duration d) {
    return java.math.BigDecimal.valueOf(d.getSeconds())
        .add(java.math.BigDecimal.valueOf(d.getNanos(), 9)).stripTrailingZeros().toPlainString()
        + "s";
  }

  /** gRFC A50's reading of Envoy's OutlierDetection (the consecutive-error fields are not used). */
  private static OutlierDetector.Config outlierDetection(OutlierDetection od, String where)
      throws ResourceException {
    java.time.Duration interval = od.hasInterval() ? duration(od.getInterval())
        : java.time.Duration.ofSeconds(10);
    java.time.Duration base = od.hasBaseEjectionTime() ? duration(od.getBaseEjectionTime())
        : java.time.Duration.ofSeconds(30);
    java.time.Duration max = od.hasMaxEjectionTime() ? duration(od.getMaxEjectionTime())
        : java.time.Duration.ofSeconds(300);
    if (interval.isZero() || interval.isNegative()) {
      throw new ResourceException(where + "outlier_detection.interval must be positive");
    }
    int maxPercent = percent(od.hasMaxEjectionPercent(), od.getMaxEjectionPercent(), 10,
        where + "outlier_detection.max_ejection_percent");
    int enforcingSuccess = percent(od.hasEnforcingSuccessRate(), od.getEnforcingSuccessRate(),
        100, where + "outlier_detection.enforcing_success_rate");
    int enforcingFailure = percent(od.hasEnforcingFailurePercentage(),
        od.getEnforcingFailurePercentage(), 0,
        where + "outlier_detection.enforcing_failure_percentage");
    int threshold = percent(od.hasFailurePercentageThreshold(), od.getFailurePercentageThreshold(),
        85, where + "outlier_detection.failure_percentage_threshold");
    OutlierDetector.SuccessRate successRate = enforcingSuccess == 0 ? null
        : new OutlierDetector.SuccessRate(
            value(od.hasSuccessRateStdevFactor(), od.getSuccessRateStdevFactor(), 1900),
            enforcingSuccess,
            value(od.hasSuccessRateMinimumHosts(), od.getSuccessRateMinimumHosts(), 5),
            value(od.hasSuccessRateRequestVolume(), od.getSuccessRateRequestVolume(), 100));
    OutlierDetector.FailurePercentage failure = enforcingFailure == 0 ? null
        : new OutlierDetector.FailurePercentage(threshold, enforcingFailure,
            value(od.hasFailurePercentageMinimumHosts(), od.getFailurePercentageMinimumHosts(), 5),
            value(od.hasFailurePercentageRequestVolume(), od.getFailurePercentageRequestVolume(),
                50));
    return new OutlierDetector.Config(interval, base, max, maxPercent, successRate, failure);
  }

  private static int percent(boolean has, com.google.protobuf.UInt32Value v, int otherwise,
      String field) throws ResourceException {
    int p = value(has, v, otherwise);
    if (p < 0 || p > 100) {
      throw new ResourceException(field + " must be at most 100, not "
          + Integer.toUnsignedString(p));
    }
    return p;
  }

  private static int value(boolean has, com.google.protobuf.UInt32Value v, int otherwise) {
    return has ? v.getValue() : otherwise;
  }

  static EndpointResource endpoints(Any any) throws ResourceException {
    ClusterLoadAssignment cla = unpack(any, ClusterLoadAssignment.parser(),
        "ClusterLoadAssignment");
    String where = "ClusterLoadAssignment " + cla.getClusterName() + ": ";
    Map<Integer, List<EndpointResource.Locality>> byPriority = new TreeMap<>();
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      LocalityLbEndpoints lle = cla.getEndpoints(i);
      int weight = lle.getLoadBalancingWeight().getValue();
      if (weight == 0) {
        // gRFC A27: a locality without a weight takes no calls.
        continue;
      }
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (int j = 0; j < lle.getLbEndpointsCount(); j++) {
        LbEndpoint e = lle.getLbEndpoints(j);
        if (e.getHealthStatus() != HealthStatus.UNKNOWN
            && e.getHealthStatus() != HealthStatus.HEALTHY) {
          continue;
        }
        addresses.add(address(e, where + "endpoints[" + i + "].lb_endpoints[" + j + "]"));
      }
      io.conduit.xds.internal.proto.Locality l = lle.getLocality();
      String name = l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone();
      byPriority.computeIfAbsent(lle.getPriority(), p -> new ArrayList<>())
          .add(new EndpointResource.Locality(name, weight, addresses));
    }
    List<List<EndpointResource.Locality>> priorities = new ArrayList<>();
    int expected = 0;
    for (Map.Entry<Integer, List<EndpointResource.Locality>> e : byPriority.entrySet()) {
      if (e.getKey() != expected) {
        throw new ResourceException(where + "endpoints: priority " + expected
            + " is missing (priorities must run from 0 without gaps; next is " + e.getKey() + ")");
      }
      priorities.add(e.getValue());
      expected++;
    }
    List<EndpointResource.Drop> drops = new ArrayList<>();
    for (ClusterLoadAssignment.Policy.DropOverload d : cla.getPolicy().getDropOverloadsList()) {
      drops.add(new EndpointResource.Drop(d.getCategory(), perMillion(d.getDropPercentage())));
    }
    return new EndpointResource(cla.getClusterName(), priorities, drops);
  }

  private static InetSocketAddress address(LbEndpoint e, String where) throws ResourceException {
    if (!e.getEndpoint().getAddress().hasSocketAddress()) {
      throw new ResourceException(where + ".endpoint.address.socket_address is missing");
    }
    SocketAddress sa = e.getEndpoint().getAddress().getSocketAddress();
    if (sa.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE
        || sa.getPortValue() == 0 || sa.getPortValue() > 65535) {
      throw new ResourceException(where + ".endpoint.address.socket_address.port_value must be "
          + "a port from 1 to 65535");
    }
    String host = sa.getAddress();
    if (!IPV4.matcher(host).matches() && !host.contains(":")) {
      throw new ResourceException(where + ".endpoint.address.socket_address.address must be an IP "
          + "address, not " + host);
    }
    try {
      // An IP literal: no lookup happens.
      return new InetSocketAddress(InetAddress.getByName(host), sa.getPortValue());
    } catch (UnknownHostException e2) {
      throw new ResourceException(where + ".endpoint.address.socket_address.address is not an "
          + "IP address: " + host);
    }
  }

  private static int perMillion(FractionalPercent f) {
    long n = Integer.toUnsignedLong(f.getNumerator());
    long scaled = switch (f.getDenominator()) {
      case HUNDRED -> n * 10_000;
      case TEN_THOUSAND -> n * 100;
      default -> n;
    };
    return (int) Math.min(scaled, 1_000_000);
  }

  private static boolean adsOrSelf(ConfigSource source) {
    return source.hasAds() || source.hasSelf();
  }

  private static Pattern regex(String regex, String where) throws ResourceException {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ResourceException(where + ": invalid regular expression " + regex + ": "
          + e.getDescription());
    }
  }

  private static java.time.Duration duration(Duration d) {
    return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  private static <T extends Message> T unpack(Any any, com.google.protobuf.Parser<T> parser,
      String type) throws ResourceException {
    try {
      return parser.parseFrom(any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(type + " does not parse: " + e.getMessage());
    }
  }
}
