package io.conduit.xds.internal;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * An EDS resource: the cluster's endpoints by priority, then locality, and the share of calls to
 * drop.
 *
 * @param name the ClusterLoadAssignment's name
 * @param priorities the localities of each priority, from 0 (the preferred) up, none empty
 * @param drops the drop categories, each with its share of calls in millionths
 */
record EndpointResource(String name, List<List<Locality>> priorities, List<Drop> drops) {
  EndpointResource {
    priorities = priorities.stream().map(List::copyOf).toList();
    drops = List.copyOf(drops);
  }

  /**
   * A locality's endpoints and its weight among the priority's localities.
   *
   * @param name {@code region/zone/sub_zone}
   * @param weight its weight, at least 1
   * @param addresses its healthy (or unknown) endpoints
   */
  record Locality(String name, int weight, List<InetSocketAddress> addresses) {
    Locality {
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * A drop category of the load assignment's policy.
   *
   * @param category its name, in the error of the calls it drops
   * @param perMillion the share of calls it drops, in millionths
   */
  record Drop(String category, int perMillion) {}
}
