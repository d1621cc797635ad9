package io.conduit.xds.internal;

import java.time.Duration;

/**
 * An LDS resource as a gRPC client reads it: the HTTP connection manager's route configuration,
 * either named (fetched through RDS) or inline.
 *
 * @param name the listener's name
 * @param rdsName the RouteConfiguration to fetch, or {@code null} when it is inline
 * @param inlineRoutes the inline route configuration, or {@code null}
 * @param maxStreamDuration the connection manager's call timeout for routes that set none, or
 *     {@code null}
 * @param faultFilters the fault injection filters of the chain by name, in order (gRFC A33)
 */
record ListenerResource(String name, String rdsName, RouteConfigResource inlineRoutes,
    Duration maxStreamDuration, java.util.Map<String, FaultConfig> faultFilters) {
  ListenerResource {
    faultFilters = java.util.Collections.unmodifiableMap(
        new java.util.LinkedHashMap<>(faultFilters));
  }
}
