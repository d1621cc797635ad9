package io.conduit.xds.internal;

import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code ring_hash_experimental} (gRFC A42, A61, A76): consistent hashing. Each endpoint takes a
 * share of a ring of XXH64 hashes in proportion to its weight; a call's hash lands on the ring and
 * goes to the first endpoint clockwise that is READY, so a key stays on its endpoint while the
 * endpoints change, except for the keys that must move. The ring is built as grpc-java builds
 * it (entries {@code "/IP:PORT_N"}), so a key lands where grpc-java puts it.
 *
 * <p>Connections are made lazily, by the picks that land on an endpoint (and one at a time while
 * nothing is READY, so that the policy recovers without picks). Through service config it takes
 * {@code minRingSize}, {@code maxRingSize} (at most 4096 entries by default) and
 * {@code requestHashHeader}: the header whose value is hashed, a random hash when absent. Under
 * xDS the hash comes from the route's hash policy instead.
 */
public final class RingHashLoadBalancer extends LoadBalancer {
  static final String POLICY = "ring_hash_experimental";
  static final long DEFAULT_MIN_RING = 1024;
  /** The cap gRPC puts on ring sizes (its {@code ring_hash_cap}). */
  static final long MAX_RING = 4096;

  /**
   * An endpoint and its weight on the ring.
   *
   * @param address the endpoint
   * @param weight its weight, at least 1
   */
  record WeightedAddress(SocketAddress address, long weight) {}

  private final Helper helper;
  private final Map<SocketAddress, Endpoint> endpoints = new LinkedHashMap<>();
  private long[] ringHashes = new long[0];
  private Endpoint[] ringEndpoints = new Endpoint[0];
  private String hashHeader;
  private Iterator<Endpoint> connectionAttempts = List.<Endpoint>of().iterator();

  RingHashLoadBalancer(Helper helper) {
    this.helper = helper;
  }

  @Override
  public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
    long min = number(config, "minRingSize", DEFAULT_MIN_RING);
    long max = Math.min(number(config, "maxRingSize", MAX_RING), MAX_RING);
    Object header = config.get("requestHashHeader");
    hashHeader = header instanceof String s && !s.isEmpty() ? s.toLowerCase(java.util.Locale.ROOT)
        : null;
    if (addresses.isEmpty()) {
      handleResolutionError(Status.UNAVAILABLE.withDescription("ring_hash: no addresses"));
      return;
    }
    List<WeightedAddress> weighted = new ArrayList<>();
    for (SocketAddress a : addresses) {
      weighted.add(new WeightedAddress(a, 1));
    }
    update(weighted, Math.min(min, max), max);
  }

  private static long number(Map<String, ?> config, String key, long otherwise) {
    Object v = config.get(key);
    return v instanceof Number n && n.longValue() > 0 ? n.longValue() : otherwise;
  }

  /** New endpoints and weights: the ring is rebuilt, connections to the endpoints that stay kept. */
  void update(List<WeightedAddress> addresses, long minRingSize, long maxRingSize) {
    Map<SocketAddress, Long> weights = new LinkedHashMap<>();
    for (WeightedAddress w : addresses) {
      weights.merge(w.address(), Math.max(1, w.weight()), Long::sum);
    }
    endpoints.entrySet().removeIf(e -> {
      if (!weights.containsKey(e.getKey())) {
        e.getValue().subchannel.shutdown();
        return true;
      }
      return false;
    });
    for (SocketAddress a : weights.keySet()) {
      if (!endpoints.containsKey(a)) {
        Endpoint e = new Endpoint(helper.createSubchannel(a));
        endpoints.put(a, e);
        e.subchannel.start((state, failure) -> onStateChange(e, state));
      }
    }
    buildRing(weights, minRingSize, maxRingSize);
    connectionAttempts = List.copyOf(endpoints.values()).iterator();
    publish();
  }

  private void buildRing(Map<SocketAddress, Long> weights, long minRingSize, long maxRingSize) {
    long total = 0;
    long minWeight = Long.MAX_VALUE;
    for (long w : weights.values()) {
      total += w;
      minWeight = Math.min(minWeight, w);
    }
    double normalizedMin = (double) minWeight / total;
    // The least-weighted endpoint gets a whole number of entries; the ring stays within max.
    double scale = Math.min(Math.ceil(normalizedMin * minRingSize) / normalizedMin, maxRingSize);
    List<long[]> entries = new ArrayList<>();
    List<Endpoint> owners = new ArrayList<>();
    double current = 0;
    double target = 0;
    for (Map.Entry<SocketAddress, Long> w : weights.entrySet()) {
      target += scale * ((double) w.getValue() / total);
      String prefix = w.getKey().toString() + "_";
      for (long i = 0; current < target; i++, current++) {
        entries.add(new long[] {XxHash64.hash(prefix + i), owners.size()});
        owners.add(endpoints.get(w.getKey()));
      }
    }
    entries.sort((a, b) -> Long.compare(a[0], b[0]));
    ringHashes = new long[entries.size()];
    ringEndpoints = new Endpoint[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      ringHashes[i] = entries.get(i)[0];
      ringEndpoints[i] = owners.get((int) entries.get(i)[1]);
    }
  }

  private void onStateChange(Endpoint e, ConnectivityState state) {
    if (endpoints.get(e.subchannel.address()) != e) {
      return;
    }
    e.state = state;
    publish();
  }

  /** Aggregates as gRFC A42 says, and keeps one connection attempt going while nothing is READY. */
  private void publish() {
    int ready = 0;
    int failed = 0;
    int connecting = 0;
    int idle = 0;
    for (Endpoint e : endpoints.values()) {
      switch (e.state) {
        case READY -> ready++;
        case TRANSIENT_FAILURE -> failed++;
        case CONNECTING -> connecting++;
        default -> idle++;
      }
    }
    ConnectivityState state;
    boolean attempt = false;
    if (ready > 0) {
      state = ConnectivityState.READY;
    } else if (failed >= 2) {
      state = ConnectivityState.TRANSIENT_FAILURE;
      attempt = connecting == 0;
    } else if (connecting > 0) {
      state = ConnectivityState.CONNECTING;
    } else if (failed == 1 && endpoints.size() > 1) {
      state = ConnectivityState.CONNECTING;
      attempt = true;
    } else if (idle > 0) {
      state = ConnectivityState.IDLE;
    } else {
      state = ConnectivityState.TRANSIENT_FAILURE;
    }
    Map<Endpoint, ConnectivityState> states = new java.util.IdentityHashMap<>();
    endpoints.values().forEach(e -> states.put(e, e.state));
    helper.updateState(state, new RingPicker(ringHashes, ringEndpoints, states, hashHeader,
        helper));
    if (attempt && !endpoints.isEmpty()) {
      if (!connectionAttempts.hasNext()) {
        connectionAttempts = List.copyOf(endpoints.values()).iterator();
      }
      connectionAttempts.next().subchannel.requestConnection();
    }
  }

  @Override
  public void handleResolutionError(Status error) {
    if (endpoints.isEmpty()) {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
    }
  }

  @Override
  public void shutdown() {
    endpoints.values().forEach(e -> e.subchannel.shutdown());
    endpoints.clear();
  }

  private static final class Endpoint {
    final Subchannel subchannel;
    ConnectivityState state = ConnectivityState.IDLE;

    Endpoint(Subchannel subchannel) {
      this.subchannel = subchannel;
    }
  }

  /** Picks by a call's hash; under xDS the routing picker hands the route's hash in. */
  static final class RingPicker implements Picker {
    private final long[] hashes;
    private final Endpoint[] owners;
    private final Map<Endpoint, ConnectivityState> states;
    private final String hashHeader;
    private final Helper helper;

    RingPicker(long[] hashes, Endpoint[] owners, Map<Endpoint, ConnectivityState> states,
        String hashHeader, Helper helper) {
      this.hashes = hashes;
      this.owners = owners;
      this.states = states;
      this.hashHeader = hashHeader;
      this.helper = helper;
    }

    @Override
    public PickResult pick(PickArgs args) {
      return pick(hashOf(args.headers(), hashHeader));
    }

    /** The hash of {@code header}'s value, or a random one when the header is absent. */
    static long hashOf(Metadata headers, String header) {
      if (header != null && !header.endsWith("-bin")) {
        List<String> values = headers.getAll(header);
        if (!values.isEmpty()) {
          return XxHash64.hash(String.join(",", values));
        }
      }
      return ThreadLocalRandom.current().nextLong();
    }

    /** The first endpoint clockwise from {@code hash} that is READY (gRFC A42, A61). */
    PickResult pick(long hash) {
      if (hashes.length == 0) {
        return PickResult.withError(Status.UNAVAILABLE.withDescription("ring_hash: no endpoints"));
      }
      int start = Arrays.binarySearch(hashes, hash);
      if (start < 0) {
        start = -start - 1;
      }
      for (int i = 0; i < hashes.length; i++) {
        Endpoint e = owners[(start + i) % hashes.length];
        ConnectivityState s = states.get(e);
        if (s == ConnectivityState.READY) {
          return PickResult.withSubchannel(e.subchannel);
        }
        if (s == ConnectivityState.CONNECTING) {
          return PickResult.withNoResult();
        }
        if (s == ConnectivityState.IDLE) {
          helper.syncContext().execute(e.subchannel::requestConnection);
          return PickResult.withNoResult();
        }
      }
      return PickResult.withError(Status.UNAVAILABLE.withDescription(
          "ring_hash: no endpoint reachable"));
    }
  }

  /** The provider of {@code ring_hash_experimental}, for service config without xDS too. */
  public static final class Provider extends PolicyProvider {
    /** For {@link java.util.ServiceLoader}. */
    public Provider() {
      super(POLICY, RingHashLoadBalancer::new);
    }
  }
}
