package io.conduit.xds.internal;

import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.resolver.CallConfig;
import io.conduit.resolver.CallConfigSelector;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-call config of an xDS channel (gRFC A31): the call's route, matched as the routing
 * balancer matches it, gives its timeout (the route's max stream duration, else the listener's)
 * and its retry policy (the route's, else the virtual host's; gRFC A44). Each route's
 * {@link CallConfig} is built once, when the configuration comes.
 */
final class XdsCallConfigSelector implements CallConfigSelector {
  private final VirtualHost virtualHost;
  private final Map<String, FaultConfig> faultFilters;
  private final Map<Route, CallConfig> configs = new IdentityHashMap<>();

  XdsCallConfigSelector(XdsConfig config) {
    this.virtualHost = config.virtualHost();
    this.faultFilters = config.faultFilters();
    if (virtualHost == null) {
      return;
    }
    for (Route r : virtualHost.routes()) {
      Map<String, Object> mc = new HashMap<>();
      Duration timeout = r.maxStreamDuration() != null ? r.maxStreamDuration()
          : config.maxStreamDuration();
      if (timeout != null && !timeout.isZero()) {
        mc.put("timeout", RetryConfig.seconds(timeout));
      }
      RetryConfig retry = r.retry() != null ? r.retry() : virtualHost.retry();
      if (retry != null) {
        mc.put("retryPolicy", retry.json());
      }
      configs.put(r, mc.isEmpty() ? CallConfig.DEFAULT : new CallConfig(mc, null, null));
    }
  }

  @Override
  public CallConfig select(MethodDescriptor<?, ?> method, Metadata headers) {
    Route route = match(virtualHost, "/" + method.fullMethodName(), headers);
    if (route == null) {
      return CallConfig.DEFAULT;
    }
    CallConfig config = configs.get(route);
    return faultFilters.isEmpty() ? config : withFaults(config, route, headers);
  }

  /**
   * gRFC A33: each fault filter of the chain, with the route's (else the virtual host's) override
   * of its settings, may delay the call (the delays add up) and abort it (the first abort wins,
   * after the delays).
   */
  private CallConfig withFaults(CallConfig config, Route route, Metadata headers) {
    Duration delay = null;
    io.conduit.Status abort = null;
    for (Map.Entry<String, FaultConfig> f : faultFilters.entrySet()) {
      FaultConfig fc = route.faultOverrides().get(f.getKey());
      if (fc == null) {
        fc = virtualHost.faultOverrides().get(f.getKey());
      }
      if (fc == null) {
        fc = f.getValue();
      }
      Duration d = fc.delay(headers);
      if (d != null) {
        delay = delay == null ? d : delay.plus(d);
      }
      if (abort == null) {
        abort = fc.abort(headers);
      }
    }
    return delay == null && abort == null ? config
        : new CallConfig(config.methodConfig(), abort, delay);
  }

  /**
   * The first of the virtual host's routes that matches, or {@code null}. The runtime fraction's
   * draw comes from the headers' identity, so that this selector and the routing picker, which
   * see the same headers, choose the same route for a call.
   */
  static Route match(VirtualHost vh, String path, Metadata headers) {
    if (vh == null) {
      return null;
    }
    int random = Math.floorMod(mix(System.identityHashCode(headers)), 1_000_000);
    List<Route> routes = vh.routes();
    for (Route r : routes) {
      if (r.matches(path, headers, random)) {
        return r;
      }
    }
    return null;
  }

  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    return h ^ (h >>> 16);
  }
}
