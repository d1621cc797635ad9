package io.conduit.xds.internal;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import io.conduit.internal.balancer.LeastRequestLoadBalancer;
import io.conduit.internal.balancer.RoundRobinLoadBalancer;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The balancer of one xDS cluster, the xDS policy tree flattened: drops and circuit breaking
 * (cluster_impl, gRFC A32), failover between priorities (the lowest-numbered priority with a
 * READY locality takes the calls, gRFC A27's priority policy), locality weights
 * (weighted_target), and in each locality the cluster's endpoint policy (round_robin or
 * least_request) over its endpoints.
 *
 * <p>Runs on the channel's synchronization context; its picker on any thread.
 */
final class ClusterBalancer {
  /** gRFC A56: how long a connecting priority holds the calls before the next one starts. */
  static final long FAILOVER_TIMEOUT_SECONDS = 10;
  private final String name;
  private final LoadBalancer.Helper helper;
  private final Runnable onChange;
  /** Calls in flight through this cluster, for circuit breaking; outlives pickers. */
  private final AtomicLong inFlight = new AtomicLong();
  private final Map<String, LocalityChild> children = new HashMap<>();
  private final OutlierDetector outliers;
  private List<List<LocalityChild>> priorities = List.of();
  private List<EndpointResource.Drop> drops = List.of();
  private String policy;
  private long maxRequests;
  /** Priorities that stayed connecting past the failover timeout, and the running timers. */
  private final java.util.Set<Integer> failedOver = new java.util.HashSet<>();
  private final Map<Integer, java.util.concurrent.ScheduledFuture<?>> failoverTimers =
      new HashMap<>();

  ClusterBalancer(String name, LoadBalancer.Helper helper, Runnable onChange) {
    this.name = name;
    this.helper = helper;
    this.onChange = onChange;
    this.outliers = new OutlierDetector(helper, n -> ThreadLocalRandom.current().nextInt(n));
  }

  /** New Cluster or endpoints: children are kept by priority and locality, others shut down. */
  void update(ClusterResource cluster, EndpointResource endpoints) {
    if (!cluster.lbPolicy().equals(policy)) {
      children.values().forEach(c -> c.balancer.shutdown());
      children.clear();
      policy = cluster.lbPolicy();
    }
    maxRequests = cluster.maxConcurrentRequests();
    outliers.configure(cluster.outlierDetection());
    drops = endpoints.drops();
    boolean ring = policy.equals(RingHashLoadBalancer.POLICY);
    Map<String, LocalityChild> kept = new HashMap<>();
    List<List<LocalityChild>> next = new ArrayList<>();
    for (int p = 0; p < endpoints.priorities().size(); p++) {
      List<LocalityChild> localities = new ArrayList<>();
      // ring_hash spans the priority's localities: one ring, endpoints weighted by locality.
      List<String> keys = new ArrayList<>();
      if (ring) {
        keys.add(p + "|ring");
      } else {
        for (EndpointResource.Locality l : endpoints.priorities().get(p)) {
          keys.add(p + "|" + l.name());
        }
      }
      for (int i = 0; i < keys.size(); i++) {
        LocalityChild child = children.remove(keys.get(i));
        if (child == null) {
          child = new LocalityChild();
        }
        child.weight = ring ? 1 : endpoints.priorities().get(p).get(i).weight();
        kept.put(keys.get(i), child);
        localities.add(child);
      }
      next.add(localities);
    }
    children.values().forEach(c -> c.balancer.shutdown());
    children.clear();
    children.putAll(kept);
    if (next.size() != priorities.size()) {
      List.copyOf(failoverTimers.keySet()).forEach(this::cancelFailover);
      failedOver.clear();
    }
    priorities = next;
    for (int p = 0; p < endpoints.priorities().size(); p++) {
      List<EndpointResource.Locality> ls = endpoints.priorities().get(p);
      if (ring) {
        List<RingHashLoadBalancer.WeightedAddress> weighted = new ArrayList<>();
        for (EndpointResource.Locality l : ls) {
          l.addresses().forEach(a -> weighted.add(
              new RingHashLoadBalancer.WeightedAddress(a, l.weight())));
        }
        LocalityChild child = next.get(p).get(0);
        child.updating = true;
        ((RingHashLoadBalancer) child.balancer).update(weighted, cluster.minRingSize(),
            cluster.maxRingSize());
        child.updating = false;
        continue;
      }
      for (int i = 0; i < ls.size(); i++) {
        LocalityChild child = next.get(p).get(i);
        child.updating = true;
        child.balancer.acceptResolvedAddresses(List.<SocketAddress>copyOf(ls.get(i).addresses()),
            cluster.policyConfig());
        child.updating = false;
      }
    }
  }

  void shutdown() {
    outliers.shutdown();
    List.copyOf(failoverTimers.keySet()).forEach(this::cancelFailover);
    children.values().forEach(c -> c.balancer.shutdown());
    children.clear();
    priorities = List.of();
  }

  /** The cluster's state: that of the priority in use. */
  ConnectivityState state() {
    int p = selectPriority();
    return p < 0 ? ConnectivityState.TRANSIENT_FAILURE : aggregate(priorities.get(p));
  }

  /**
   * The priority that takes the calls (gRFC A56): the first that is READY, or that is still
   * connecting within its failover timeout; a priority in TRANSIENT_FAILURE, or connecting for
   * longer, hands over to the next. -1 when every priority has failed.
   */
  private int selectPriority() {
    for (int p = 0; p < priorities.size(); p++) {
      ConnectivityState s = aggregate(priorities.get(p));
      if (s == ConnectivityState.READY) {
        cancelFailover(p);
        failedOver.remove(p);
        return p;
      }
      if (s != ConnectivityState.TRANSIENT_FAILURE && !failedOver.contains(p)) {
        startFailover(p);
        return p;
      }
    }
    return -1;
  }

  private void startFailover(int p) {
    if (failoverTimers.containsKey(p)) {
      return;
    }
    failoverTimers.put(p, helper.scheduler().schedule(() -> helper.syncContext().execute(() -> {
      if (failoverTimers.remove(p) != null) {
        failedOver.add(p);
        onChange.run();
      }
    }), FAILOVER_TIMEOUT_SECONDS, TimeUnit.SECONDS));
  }

  private void cancelFailover(int p) {
    java.util.concurrent.ScheduledFuture<?> t = failoverTimers.remove(p);
    if (t != null) {
      t.cancel(false);
    }
  }

  /** Picks within a cluster for a call and the route it matched (for ring_hash's hash). */
  @FunctionalInterface
  interface ClusterPicker {
    LoadBalancer.PickResult pick(LoadBalancer.PickArgs args, Route route);
  }

  /** A picker over the children's pickers as they are now. */
  ClusterPicker picker() {
    int selected = selectPriority();
    List<LocalityChild> chosen = selected < 0 ? null : priorities.get(selected);
    List<EndpointResource.Drop> dropsNow = drops;
    long max = maxRequests;
    if (chosen != null && aggregate(chosen) != ConnectivityState.READY) {
      // Still connecting: the child decides (ring_hash connects the endpoint a pick lands on;
      // the others queue the call until a connection is up).
      LoadBalancer.Picker waiting = chosen.get(0).picker;
      return (args, route) -> {
        LoadBalancer.PickResult dropped = drop(dropsNow);
        if (dropped != null) {
          return dropped;
        }
        // Nothing is READY here, so no pick places a call to count for circuit breaking.
        return waiting instanceof RingHashLoadBalancer.RingPicker ring
            ? ring.pick(route == null ? ThreadLocalRandom.current().nextLong()
                : route.hash(args.headers()))
            : waiting.pick(args);
      };
    }
    if (chosen == null) {
      Status failure = Status.UNAVAILABLE.withDescription("xDS cluster " + name + ": "
          + (priorities.isEmpty() ? "no endpoints" : "no endpoint reachable"));
      return (args, route) -> {
        LoadBalancer.PickResult dropped = drop(dropsNow);
        return dropped != null ? dropped : LoadBalancer.PickResult.withError(failure);
      };
    }
    List<LoadBalancer.Picker> pickers = new ArrayList<>();
    List<Integer> cumulative = new ArrayList<>();
    int total = 0;
    for (LocalityChild c : chosen) {
      if (c.state == ConnectivityState.READY) {
        total += c.weight;
        pickers.add(c.picker);
        cumulative.add(total);
      }
    }
    int sum = total;
    return (args, route) -> {
      LoadBalancer.PickResult dropped = drop(dropsNow);
      if (dropped != null) {
        return dropped;
      }
      // Checked before the pick, counted after it: concurrent picks may pass the limit by a few
      // (gRFC A32 allows it), and a child that counts its own picks never sees a dropped one.
      if (inFlight.get() >= max) {
        return LoadBalancer.PickResult.withDrop(Status.UNAVAILABLE.withDescription("xDS cluster "
            + name + ": circuit breaker open, " + max + " calls in flight (max_requests)"));
      }
      int r = ThreadLocalRandom.current().nextInt(sum);
      int i = 0;
      while (cumulative.get(i) <= r) {
        i++;
      }
      LoadBalancer.Picker picker = pickers.get(i);
      LoadBalancer.PickResult result = OutlierDetector.counter(
          picker instanceof RingHashLoadBalancer.RingPicker ring
              ? ring.pick(route == null ? ThreadLocalRandom.current().nextLong()
                  : route.hash(args.headers()))
              : picker.pick(args));
      if (result.subchannel() == null) {
        return result;
      }
      inFlight.incrementAndGet();
      LoadBalancer.CallEndListener inner = result.callEndListener();
      return LoadBalancer.PickResult.withSubchannel(result.subchannel(), (status, trailers) -> {
        inFlight.decrementAndGet();
        if (inner != null) {
          inner.callEnded(status, trailers);
        }
      });
    };
  }

  private LoadBalancer.PickResult drop(List<EndpointResource.Drop> dropsNow) {
    for (EndpointResource.Drop d : dropsNow) {
      if (ThreadLocalRandom.current().nextInt(1_000_000) < d.perMillion()) {
        return LoadBalancer.PickResult.withDrop(Status.UNAVAILABLE.withDescription("xDS cluster "
            + name + ": dropped by the load balancing policy (category " + d.category() + ")"));
      }
    }
    return null;
  }

  private static ConnectivityState aggregate(List<LocalityChild> localities) {
    ConnectivityState s = ConnectivityState.TRANSIENT_FAILURE;
    for (LocalityChild c : localities) {
      if (c.state == ConnectivityState.READY) {
        return ConnectivityState.READY;
      }
      if (c.state == ConnectivityState.CONNECTING || c.state == ConnectivityState.IDLE) {
        s = ConnectivityState.CONNECTING;
      }
    }
    return s;
  }

  /** One locality's endpoint balancer, its state and picker, and its weight. */
  private final class LocalityChild extends ForwardingHelper {
    final LoadBalancer balancer;
    ConnectivityState state = ConnectivityState.CONNECTING;
    LoadBalancer.Picker picker = args -> LoadBalancer.PickResult.withNoResult();
    int weight;
    boolean updating;

    LocalityChild() {
      super(helper);
      balancer = switch (policy) {
        case "least_request_experimental" -> new LeastRequestLoadBalancer(this);
        case RingHashLoadBalancer.POLICY -> new RingHashLoadBalancer(this);
        case WeightedRoundRobinLoadBalancer.POLICY -> new WeightedRoundRobinLoadBalancer(this);
        default -> new RoundRobinLoadBalancer(this);
      };
    }

    @Override
    public Subchannel createSubchannel(SocketAddress address) {
      return outliers.wrap(helper.createSubchannel(address));
    }

    @Override
    public void updateState(ConnectivityState newState, LoadBalancer.Picker newPicker) {
      state = newState;
      picker = newPicker;
      if (!updating) {
        onChange.run();
      }
    }
  }
}
