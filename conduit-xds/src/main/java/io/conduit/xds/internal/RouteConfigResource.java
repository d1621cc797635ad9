package io.conduit.xds.internal;

import java.util.List;

/**
 * An RDS resource (or a listener's inline route configuration): virtual hosts and their routes.
 *
 * @param name the route configuration's name
 * @param virtualHosts its virtual hosts, in order
 */
record RouteConfigResource(String name, List<VirtualHost> virtualHosts) {
  RouteConfigResource {
    virtualHosts = List.copyOf(virtualHosts);
  }

  /**
   * The virtual host for {@code authority} (gRFC A27's domain matching): an exact domain first,
   * then the longest suffix wildcard ({@code *.example.com}), the longest prefix wildcard
   * ({@code example.*}), and last {@code *}.
   */
  VirtualHost select(String authority) {
    String host = authority.toLowerCase(java.util.Locale.ROOT);
    VirtualHost best = null;
    int bestRank = Integer.MAX_VALUE;
    int bestLength = -1;
    for (VirtualHost vh : virtualHosts) {
      for (String d : vh.domains()) {
        String domain = d.toLowerCase(java.util.Locale.ROOT);
        int rank;
        if (domain.equals("*")) {
          rank = 3;
        } else if (domain.startsWith("*")) {
          rank = host.endsWith(domain.substring(1)) ? 1 : -1;
        } else if (domain.endsWith("*")) {
          rank = host.startsWith(domain.substring(0, domain.length() - 1)) ? 2 : -1;
        } else {
          rank = host.equals(domain) ? 0 : -1;
        }
        if (rank >= 0 && (rank < bestRank || (rank == bestRank && domain.length() > bestLength))) {
          best = vh;
          bestRank = rank;
          bestLength = domain.length();
        }
      }
    }
    return best;
  }
}
