package io.conduit.internal.balancer;

import static io.conduit.ConnectivityState.CONNECTING;
import static io.conduit.ConnectivityState.IDLE;
import static io.conduit.ConnectivityState.READY;
import static io.conduit.ConnectivityState.TRANSIENT_FAILURE;
import static io.conduit.internal.balancer.FakeHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Status;
import io.conduit.balancer.LoadBalancer.PickResult;
import io.conduit.balancer.Subchannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** round_robin against fake subchannels. */
class RoundRobinLoadBalancerTest {
  final FakeHelper helper = new FakeHelper();
  final RoundRobinLoadBalancer lb = new RoundRobinLoadBalancer(helper);

  @Test
  void connectsEveryAddressAndRotatesOverTheReadyOnes() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), Map.of());
    assertThat(helper.created).hasSize(3).allSatisfy(sc -> assertThat(sc.connectRequests).isEqualTo(1));
    assertThat(helper.state()).isEqualTo(CONNECTING);
    assertThat(helper.pick()).isEqualTo(PickResult.withNoResult());
    helper.subchannel(addr(2)).set(READY);
    assertThat(helper.state()).isEqualTo(READY);
    assertThat(helper.pick().subchannel()).isSameAs(helper.subchannel(addr(2)));
    helper.subchannel(addr(1)).set(READY);
    helper.subchannel(addr(3)).set(READY);
    List<Subchannel> picks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      picks.add(helper.pick().subchannel());
    }
    // Each in turn.
    assertThat(picks.subList(0, 3)).containsExactlyInAnyOrderElementsOf(helper.created);
    assertThat(picks.subList(3, 6)).isEqualTo(picks.subList(0, 3));
  }

  @Test
  void failedBackendLeavesTheRotationAndRejoins() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    FakeHelper.FakeSubchannel one = helper.subchannel(addr(1));
    FakeHelper.FakeSubchannel two = helper.subchannel(addr(2));
    one.set(READY);
    two.set(READY);
    two.set(IDLE);
    assertThat(two.connectRequests).as("reconnects at once").isEqualTo(2);
    for (int i = 0; i < 4; i++) {
      assertThat(helper.pick().subchannel()).isSameAs(one);
    }
    two.set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(READY);
    two.set(READY);
    assertThat(List.of(helper.pick().subchannel(), helper.pick().subchannel()))
        .containsExactlyInAnyOrder(one, two);
  }

  @Test
  void allFailedIsStickyTransientFailure() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    helper.subchannel(addr(1)).set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(CONNECTING);
    helper.subchannel(addr(2)).set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    Status error = helper.pick().error();
    assertThat(error.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.description()).contains("refused");
    helper.subchannel(addr(1)).set(CONNECTING);
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    helper.subchannel(addr(1)).set(READY);
    assertThat(helper.state()).isEqualTo(READY);
  }

  @Test
  void addressUpdateKeepsUnchangedAndShutsDownRemoved() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    FakeHelper.FakeSubchannel one = helper.subchannel(addr(1));
    FakeHelper.FakeSubchannel two = helper.subchannel(addr(2));
    one.set(READY);
    two.set(READY);
    lb.acceptResolvedAddresses(List.of(addr(2), addr(3)), Map.of());
    assertThat(one.shutdown).isTrue();
    assertThat(two.shutdown).isFalse();
    assertThat(helper.subchannel(addr(2))).isSameAs(two);
    assertThat(helper.created).hasSize(3);
    for (int i = 0; i < 4; i++) {
      assertThat(helper.pick().subchannel()).isSameAs(two);
    }
    // Late news from the removed one is ignored.
    one.listener.onStateChange(READY, null);
    for (int i = 0; i < 4; i++) {
      assertThat(helper.pick().subchannel()).isSameAs(two);
    }
  }

  @Test
  void emptyListFailsAndResolutionErrorsKeepWorkingBackends() {
    lb.acceptResolvedAddresses(List.of(), Map.of());
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    lb.acceptResolvedAddresses(List.of(addr(1)), Map.of());
    helper.subchannel(addr(1)).set(READY);
    lb.handleResolutionError(Status.UNAVAILABLE.withDescription("dns down"));
    assertThat(helper.state()).isEqualTo(READY);
  }

  @Test
  void shutdownClosesEverySubchannel() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    lb.shutdown();
    assertThat(helper.created).allSatisfy(sc -> assertThat(sc.shutdown).isTrue());
  }
}
