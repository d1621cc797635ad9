package io.conduit.xds.internal;

import java.util.Map;

/**
 * A CDS resource as a gRPC client reads it: an EDS cluster, its policy and its limits.
 *
 * @param name the cluster's name
 * @param edsServiceName the ClusterLoadAssignment to fetch (the cluster's name unless set)
 * @param lbPolicy the endpoint-picking policy: {@code round_robin},
 *     {@code least_request_experimental}, {@code ring_hash_experimental} or
 *     {@code weighted_round_robin}
 * @param maxConcurrentRequests circuit breaking (gRFC A32): calls in flight at most, 1024 unless
 *     the cluster says otherwise
 * @param minRingSize ring_hash's smallest ring
 * @param maxRingSize ring_hash's largest ring (at most gRPC's cap of 4096)
 * @param outlierDetection outlier detection (gRFC A50), or {@code null} for none
 * @param policyConfig the endpoint policy's config, as service config would give it
 */
record ClusterResource(String name, String edsServiceName, String lbPolicy,
    long maxConcurrentRequests, long minRingSize, long maxRingSize,
    OutlierDetector.Config outlierDetection, Map<String, ?> policyConfig) {
  ClusterResource {
    policyConfig = Map.copyOf(policyConfig);
  }
}
