package io.conduit.xds.internal;

import static io.conduit.xds.internal.RecordingHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterBalancerTest {
  private final RecordingHelper helper = new RecordingHelper();
  private int changes;
  private final ClusterBalancer balancer = new ClusterBalancer("c1", helper, () -> changes++);

  private static ClusterResource cluster(long maxRequests) {
    return new ClusterResource("c1", "c1", "round_robin", maxRequests, 1024, 4096, null, Map.of());
  }

  private static EndpointResource.Locality locality(String name, int... hosts) {
    List<InetSocketAddress> addresses = new java.util.ArrayList<>();
    for (int h : hosts) {
      addresses.add((InetSocketAddress) addr(h));
    }
    return new EndpointResource.Locality(name, 1, addresses);
  }

  private LoadBalancer.PickResult pick() {
    return balancer.picker().pick(new LoadBalancer.PickArgs(null, CallOptions.DEFAULT,
        new Metadata()), null);
  }

  @Test
  void aConnectingPriorityHoldsCallsAndAFailedOneHandsOver() {
    balancer.update(cluster(1024), new EndpointResource("c1",
        List.of(List.of(locality("p0", 1)), List.of(locality("p1", 2))), List.of()));
    // Priority 0 is connecting: calls wait for it, priority 1 is not used yet.
    helper.subchannel(addr(2)).set(ConnectivityState.READY);
    assertThat(pick().subchannel()).isNull();
    assertThat(pick().error()).isNull();
    helper.subchannel(addr(1)).set(ConnectivityState.READY);
    assertThat(pick().subchannel().address()).isEqualTo(addr(1));
    // Priority 0 fails: priority 1 takes the calls at once, and gives them back when it returns.
    helper.subchannel(addr(1)).set(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(pick().subchannel().address()).isEqualTo(addr(2));
    helper.subchannel(addr(1)).set(ConnectivityState.READY);
    assertThat(pick().subchannel().address()).isEqualTo(addr(1));
    assertThat(changes).isPositive();
  }

  @Test
  void aPriorityStillConnectingAfterItsTimeoutHandsOver() {
    balancer.update(cluster(1024), new EndpointResource("c1",
        List.of(List.of(locality("p0", 1)), List.of(locality("p1", 2))), List.of()));
    helper.subchannel(addr(2)).set(ConnectivityState.READY);
    assertThat(pick().subchannel()).isNull();
    // The failover timer (10 s) fires while priority 0 still connects.
    assertThat(helper.timers).isNotEmpty();
    helper.timers.forEach(Runnable::run);
    helper.drain();
    assertThat(pick().subchannel().address()).isEqualTo(addr(2));
  }

  @Test
  void circuitBreakingCountsCallsUntilTheyEnd() {
    balancer.update(cluster(1), new EndpointResource("c1",
        List.of(List.of(locality("z", 1))), List.of()));
    helper.subchannel(addr(1)).set(ConnectivityState.READY);
    LoadBalancer.PickResult first = pick();
    assertThat(first.subchannel()).isNotNull();
    LoadBalancer.PickResult second = pick();
    assertThat(second.drop()).isTrue();
    assertThat(second.error().code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(second.error().description()).contains("circuit breaker").contains("max_requests");
    first.callEndListener().callEnded(Status.OK, new Metadata());
    assertThat(pick().subchannel()).isNotNull();
  }

  @Test
  void dropsFailCallsNamingTheCategory() {
    balancer.update(cluster(1024), new EndpointResource("c1",
        List.of(List.of(locality("z", 1))), List.of(new EndpointResource.Drop("lb", 1_000_000))));
    helper.subchannel(addr(1)).set(ConnectivityState.READY);
    LoadBalancer.PickResult dropped = pick();
    assertThat(dropped.drop()).isTrue();
    assertThat(dropped.error().description()).contains("category lb");
  }

  @Test
  void localityWeightsSetTheShares() {
    balancer.update(cluster(100_000), new EndpointResource("c1", List.of(List.of(
        new EndpointResource.Locality("heavy", 3, List.of((InetSocketAddress) addr(1))),
        new EndpointResource.Locality("light", 1, List.of((InetSocketAddress) addr(2))))),
        List.of()));
    helper.subchannel(addr(1)).set(ConnectivityState.READY);
    helper.subchannel(addr(2)).set(ConnectivityState.READY);
    int heavy = 0;
    for (int i = 0; i < 4000; i++) {
      LoadBalancer.PickResult p = pick();
      if (p.subchannel().address().equals(addr(1))) {
        heavy++;
      }
      p.callEndListener().callEnded(Status.OK, new Metadata());
    }
    assertThat(heavy).isBetween(2800, 3200);
  }
}
