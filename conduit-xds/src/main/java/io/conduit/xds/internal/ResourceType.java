package io.conduit.xds.internal;

import com.google.protobuf.Any;

/** The four xDS resource types a gRPC client asks for, with their type URLs and parsers. */
enum ResourceType {
  LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", true),
  ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", false),
  CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", true),
  ENDPOINT("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", false);

  private final String typeUrl;
  private final boolean missingMeansDeleted;

  ResourceType(String typeUrl, boolean missingMeansDeleted) {
    this.typeUrl = typeUrl;
    this.missingMeansDeleted = missingMeansDeleted;
  }

  String typeUrl() {
    return typeUrl;
  }

  /**
   * Whether a state-of-the-world response without a subscribed resource deletes it: true for
   * listeners and clusters, whose responses carry every one (gRFC A53's "full state").
   */
  boolean missingMeansDeleted() {
    return missingMeansDeleted;
  }

  static ResourceType of(String typeUrl) {
    for (ResourceType t : values()) {
      if (t.typeUrl.equals(typeUrl)) {
        return t;
      }
    }
    return null;
  }

  /** The resource's name, as the parsed form carries it. */
  static String name(Object resource) {
    if (resource instanceof ListenerResource l) {
      return l.name();
    } else if (resource instanceof RouteConfigResource r) {
      return r.name();
    } else if (resource instanceof ClusterResource c) {
      return c.name();
    }
    return ((EndpointResource) resource).name();
  }

  Object parse(Any any) throws ResourceException {
    if (!any.getTypeUrl().equals(typeUrl)) {
      throw new ResourceException("a " + any.getTypeUrl() + " in a response for " + typeUrl);
    }
    return switch (this) {
      case LISTENER -> ResourceParser.listener(any);
      case ROUTE -> ResourceParser.routeConfig(any);
      case CLUSTER -> ResourceParser.cluster(any);
      case ENDPOINT -> ResourceParser.endpoints(any);
    };
  }
}
