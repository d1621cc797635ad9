package io.conduit.xds.internal;

import java.util.List;

/**
 * A virtual host of a route configuration: the authorities it serves and its routes, in order
 * (the first that matches a call wins).
 *
 * @param name its name
 * @param domains the authorities it serves, with {@code *} wildcards
 * @param routes its routes
 * @param retry the retry policy of routes that have none (gRFC A44), or {@code null}
 * @param faultOverrides fault filter settings by filter name for its routes (gRFC A33)
 */
record VirtualHost(String name, List<String> domains, List<Route> routes, RetryConfig retry,
    java.util.Map<String, FaultConfig> faultOverrides) {
  VirtualHost {
    domains = List.copyOf(domains);
    routes = List.copyOf(routes);
    faultOverrides = java.util.Map.copyOf(faultOverrides);
  }
}
