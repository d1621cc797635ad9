package io.conduit.xds.internal;

/**
 * A CDS resource as a gRPC client reads it: an EDS cluster, its policy and its limits.
 *
 * @param name the cluster's name
 * @param edsServiceName the ClusterLoadAssignment to fetch (the cluster's name unless set)
 * @param lbPolicy the endpoint-picking policy: {@code round_robin} or
 *     {@code least_request_experimental}
 * @param maxConcurrentRequests circuit breaking (gRFC A32): calls in flight at most, 1024 unless
 *     the cluster says otherwise
 */
record ClusterResource(String name, String edsServiceName, String lbPolicy,
    long maxConcurrentRequests) {}
