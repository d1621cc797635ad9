package io.conduit.xds.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands each xDS resolver's current {@link XdsConfig} to its channel's balancer. The resolver's
 * service config can carry only JSON, so it names its entry here ({@code "config": "xds-7"}); the
 * resolver and the balancer run on the same channel's serial queue, so the balancer reads the
 * config the resolver published with that result or a newer one.
 */
final class XdsConfigs {
  private static final AtomicLong IDS = new AtomicLong();
  private static final Map<String, XdsConfig> CONFIGS = new ConcurrentHashMap<>();

  private XdsConfigs() {}

  static String newId() {
    return "xds-" + IDS.incrementAndGet();
  }

  static void put(String id, XdsConfig config) {
    CONFIGS.put(id, config);
  }

  static XdsConfig get(String id) {
    return CONFIGS.get(id);
  }

  static void remove(String id) {
    CONFIGS.remove(id);
  }
}
