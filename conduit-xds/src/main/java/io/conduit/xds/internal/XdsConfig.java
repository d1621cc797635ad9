package io.conduit.xds.internal;

import io.conduit.Status;
import java.util.Map;

/**
 * What a channel's xDS resolver knows at one moment, for its balancer: the virtual host its
 * calls are routed by and the clusters those routes name. Immutable.
 *
 * @param virtualHost the routes, or {@code null} when {@code error} says why there are none
 * @param error why calls cannot be routed (the listener is gone, no virtual host matches), or
 *     {@code null}
 * @param clusters the clusters the routes name
 * @param maxStreamDuration the listener's default call timeout, or {@code null}
 * @param faultFilters the listener's fault injection filters by name, in order
 */
record XdsConfig(VirtualHost virtualHost, Status error, Map<String, ClusterState> clusters,
    java.time.Duration maxStreamDuration, Map<String, FaultConfig> faultFilters) {
  XdsConfig {
    clusters = Map.copyOf(clusters);
    faultFilters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(
        faultFilters));
  }

  /**
   * A cluster as far as it is known: its CDS and EDS resources, or why it cannot be used.
   *
   * @param cluster the Cluster, or {@code null} while it has not come
   * @param endpoints its endpoints, or {@code null} while they have not come
   * @param error why the cluster cannot take calls (it does not exist), or {@code null}
   */
  record ClusterState(ClusterResource cluster, EndpointResource endpoints, Status error) {
    boolean ready() {
      return cluster != null && endpoints != null;
    }
  }
}
