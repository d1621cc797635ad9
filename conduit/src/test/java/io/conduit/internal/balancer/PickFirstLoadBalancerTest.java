package io.conduit.internal.balancer;

import static io.conduit.ConnectivityState.CONNECTING;
import static io.conduit.ConnectivityState.IDLE;
import static io.conduit.ConnectivityState.READY;
import static io.conduit.ConnectivityState.TRANSIENT_FAILURE;
import static io.conduit.internal.balancer.FakeHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Status;
import io.conduit.balancer.LoadBalancer.PickResult;
import java.net.SocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** pick_first against fake subchannels: the order it tries, what it publishes. */
class PickFirstLoadBalancerTest {
  final FakeHelper helper = new FakeHelper();
  final PickFirstLoadBalancer lb = new PickFirstLoadBalancer(helper);

  @Test
  void connectsInOrderAndUsesTheFirstThatWorks() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), Map.of());
    assertThat(helper.state()).isEqualTo(CONNECTING);
    assertThat(helper.pick()).isEqualTo(PickResult.withNoResult());
    // One address at a time.
    assertThat(helper.created).hasSize(1);
    FakeHelper.FakeSubchannel first = helper.subchannel(addr(1));
    assertThat(first.connectRequests).isEqualTo(1);
    first.set(CONNECTING);
    first.set(TRANSIENT_FAILURE);
    assertThat(helper.state()).as("still trying the others").isEqualTo(CONNECTING);
    FakeHelper.FakeSubchannel second = helper.subchannel(addr(2));
    assertThat(second.connectRequests).isEqualTo(1);
    second.set(CONNECTING);
    second.set(READY);
    assertThat(helper.state()).isEqualTo(READY);
    assertThat(helper.pick().subchannel()).isSameAs(second);
    assertThat(first.shutdown).as("the failed one is no longer needed").isTrue();
    assertThat(helper.created).hasSize(2);
  }

  @Test
  void everyAddressFailedMeansTransientFailureWithTheCause() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    helper.subchannel(addr(1)).set(TRANSIENT_FAILURE);
    helper.subchannel(addr(2)).set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    Status error = helper.pick().error();
    assertThat(error.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.description()).contains("127.0.0.2");
    // The subchannels retry on their own; when one makes it, the channel is READY.
    helper.subchannel(addr(1)).set(CONNECTING);
    assertThat(helper.state()).as("sticky TRANSIENT_FAILURE").isEqualTo(TRANSIENT_FAILURE);
    helper.subchannel(addr(1)).set(READY);
    assertThat(helper.state()).isEqualTo(READY);
    assertThat(helper.pick().subchannel()).isSameAs(helper.subchannel(addr(1)));
  }

  @Test
  void lostConnectionGoesIdleAndTheNextPickReconnects() {
    lb.acceptResolvedAddresses(List.of(addr(1)), Map.of());
    FakeHelper.FakeSubchannel sc = helper.subchannel(addr(1));
    sc.set(READY);
    sc.set(IDLE);
    assertThat(helper.state()).isEqualTo(IDLE);
    assertThat(helper.pick()).isEqualTo(PickResult.withNoResult());
    helper.drain();
    assertThat(sc.connectRequests).isEqualTo(2);
    sc.set(CONNECTING);
    assertThat(helper.state()).as("the channel shows the new attempt").isEqualTo(CONNECTING);
    sc.set(READY);
    assertThat(helper.state()).isEqualTo(READY);
  }

  /**
   * addr(1) connects, the connection goes away, a call asks for a new one and that attempt fails:
   * the balancer now waits for the resolver's answer.
   */
  private FakeHelper.FakeSubchannel connectedThenLostThenReconnectFailed() {
    lb.acceptResolvedAddresses(List.of(addr(1)), Map.of());
    FakeHelper.FakeSubchannel sc = helper.subchannel(addr(1));
    sc.set(READY);
    sc.set(IDLE);
    lb.requestConnection();
    sc.set(CONNECTING);
    sc.set(TRANSIENT_FAILURE);
    return sc;
  }

  /** A lost connection asks the resolver again; the server may have moved. */
  @Test
  void afterALostConnectionAFailedReconnectWaitsForTheResolversAnswer() {
    FakeHelper.FakeSubchannel old = connectedThenLostThenReconnectFailed();
    assertThat(helper.state()).as("calls wait for the resolver").isEqualTo(CONNECTING);
    // The server moved: its new address connects and the waiting calls go there.
    lb.acceptResolvedAddresses(List.of(addr(2)), Map.of());
    assertThat(old.shutdown).isTrue();
    helper.subchannel(addr(2)).set(READY);
    assertThat(helper.pick().subchannel().address()).isEqualTo(addr(2));
  }

  @Test
  void theResolverGivingTheSameAddressesReportsTheHeldFailure() {
    FakeHelper.FakeSubchannel sc = connectedThenLostThenReconnectFailed();
    assertThat(helper.state()).isEqualTo(CONNECTING);
    lb.acceptResolvedAddresses(List.of(addr(1)), Map.of());
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    assertThat(helper.pick().error().description()).contains("no backend reachable");
    assertThat(sc.connectRequests).as("the subchannel goes on with its own backoff").isEqualTo(2);
  }

  @Test
  void withoutAnAnswerTheNextFailedAttemptIsReported() {
    FakeHelper.FakeSubchannel sc = connectedThenLostThenReconnectFailed();
    assertThat(helper.state()).isEqualTo(CONNECTING);
    // The resolver is silent (its minimum refresh interval): the attempt after the backoff.
    sc.set(CONNECTING);
    sc.set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
  }

  @Test
  void aResolutionErrorReportsTheHeldFailure() {
    FakeHelper.FakeSubchannel sc = connectedThenLostThenReconnectFailed();
    lb.handleResolutionError(Status.UNAVAILABLE.withDescription("no dns"));
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    assertThat(helper.pick().error().description()).contains("no backend reachable");
  }

  @Test
  void theSameAddressesAgainChangeNothing() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    helper.subchannel(addr(1)).set(TRANSIENT_FAILURE);
    helper.subchannel(addr(2)).set(TRANSIENT_FAILURE);
    int published = helper.states.size();
    lb.acceptResolvedAddresses(List.of(addr(2), addr(1)), Map.of());
    assertThat(helper.states).as("still TRANSIENT_FAILURE, no new attempt").hasSize(published);
    assertThat(helper.subchannel(addr(1)).connectRequests).isEqualTo(1);
  }

  @Test
  void requestConnectionWhileIdleConnects() {
    lb.acceptResolvedAddresses(List.of(addr(1)), Map.of());
    FakeHelper.FakeSubchannel sc = helper.subchannel(addr(1));
    sc.set(READY);
    sc.set(IDLE);
    lb.requestConnection();
    assertThat(sc.connectRequests).isEqualTo(2);
  }

  @Test
  void addressUpdateKeepsTheSelectedBackendWhileListed() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    FakeHelper.FakeSubchannel sc = helper.subchannel(addr(1));
    sc.set(READY);
    int published = helper.states.size();
    lb.acceptResolvedAddresses(List.of(addr(3), addr(1)), Map.of());
    assertThat(sc.shutdown).isFalse();
    assertThat(helper.states).as("nothing changes").hasSize(published);
    assertThat(helper.pick().subchannel()).isSameAs(sc);
    // Gone from the list: shut down, and the new list is tried from the top.
    lb.acceptResolvedAddresses(List.of(addr(3)), Map.of());
    assertThat(sc.shutdown).isTrue();
    assertThat(helper.state()).isEqualTo(CONNECTING);
    helper.subchannel(addr(3)).set(READY);
    assertThat(helper.pick().subchannel().address()).isEqualTo(addr(3));
  }

  @Test
  void emptyListAndResolutionErrors() {
    lb.handleResolutionError(Status.UNAVAILABLE.withDescription("no dns"));
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    assertThat(helper.pick().error().description()).isEqualTo("no dns");
    lb.acceptResolvedAddresses(List.of(), Map.of());
    assertThat(helper.pick().error().description()).contains("no addresses");
    lb.acceptResolvedAddresses(List.of(addr(1)), Map.of());
    helper.subchannel(addr(1)).set(READY);
    // A resolver error with a working backend changes nothing.
    lb.handleResolutionError(Status.UNAVAILABLE.withDescription("no dns"));
    assertThat(helper.state()).isEqualTo(READY);
  }

  @Test
  void shuffleAddressList() {
    Set<SocketAddress> firsts = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      FakeHelper h = new FakeHelper();
      new PickFirstLoadBalancer(h).acceptResolvedAddresses(
          List.of(addr(1), addr(2), addr(3), addr(4)), Map.of("shuffleAddressList", true));
      firsts.add(h.created.get(0).address);
    }
    assertThat(firsts).hasSizeGreaterThan(1);
  }

  @Test
  void shutdownClosesEverySubchannel() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2)), Map.of());
    helper.subchannel(addr(1)).set(TRANSIENT_FAILURE);
    lb.shutdown();
    assertThat(helper.created).allSatisfy(sc -> assertThat(sc.shutdown).isTrue());
  }
}
