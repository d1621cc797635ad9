package io.conduit.xds.internal;

import static io.conduit.xds.internal.RecordingHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RingHashLoadBalancerTest {
  private final RecordingHelper helper = new RecordingHelper();
  private final RingHashLoadBalancer balancer = new RingHashLoadBalancer(helper);
  private static final Map<String, ?> CONFIG = Map.of("requestHashHeader", "x-user");

  private LoadBalancer.PickResult pick(String user) {
    return helper.picker.pick(new LoadBalancer.PickArgs(null, io.conduit.CallOptions.DEFAULT,
        new Metadata().add("x-user", user)));
  }

  private void allReady() {
    for (RecordingHelper.TestSubchannel sc : List.copyOf(helper.created)) {
      if (!sc.shutdown) {
        sc.set(ConnectivityState.READY);
      }
    }
  }

  @Test
  void connectsLazilyWhereThePickLands() {
    balancer.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), CONFIG);
    assertThat(helper.state).isEqualTo(ConnectivityState.IDLE);
    assertThat(helper.created).allSatisfy(sc -> assertThat(sc.connectRequests).isZero());
    assertThat(pick("alice").subchannel()).isNull();
    helper.drain();
    assertThat(helper.created).filteredOn(sc -> sc.connectRequests > 0).hasSize(1);
  }

  @Test
  void aKeyStaysOnItsEndpointAndOnlyTheLeaversKeysMove() {
    balancer.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), CONFIG);
    allReady();
    Map<String, Subchannel> before = new HashMap<>();
    for (int k = 0; k < 300; k++) {
      Subchannel sc = pick("user-" + k).subchannel();
      assertThat(pick("user-" + k).subchannel()).isSameAs(sc);
      before.put("user-" + k, sc);
    }
    assertThat(before.values().stream().distinct().count()).isEqualTo(3);
    // An endpoint that fails gives its keys to the next ones on the ring; the rest stay.
    RecordingHelper.TestSubchannel failed = helper.subchannel(addr(2));
    failed.set(ConnectivityState.TRANSIENT_FAILURE);
    before.forEach((key, sc) -> {
      Subchannel now = pick(key).subchannel();
      if (sc == failed) {
        assertThat(now).isNotNull().isNotSameAs(failed);
      } else {
        assertThat(now).as(key).isSameAs(sc);
      }
    });
  }

  @Test
  void weightsSetTheShares() {
    balancer.update(List.of(new RingHashLoadBalancer.WeightedAddress(addr(1), 3),
        new RingHashLoadBalancer.WeightedAddress(addr(2), 1)), 1024, 4096);
    allReady();
    int heavy = 0;
    for (int k = 0; k < 2000; k++) {
      if (pick("k" + k).subchannel().address().equals(addr(1))) {
        heavy++;
      }
    }
    assertThat(heavy).isBetween(1350, 1650);
  }
}
