package io.conduit.internal.balancer;

import static io.conduit.ConnectivityState.READY;
import static io.conduit.ConnectivityState.TRANSIENT_FAILURE;
import static io.conduit.internal.balancer.FakeHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer.PickResult;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** least_request_experimental against fake subchannels, with the random draws fixed. */
class LeastRequestLoadBalancerTest {
  final FakeHelper helper = new FakeHelper();
  /** The indexes (into the READY list, in address order) the picker draws next. */
  final Deque<Integer> draws = new ArrayDeque<>();
  final LeastRequestLoadBalancer lb = new LeastRequestLoadBalancer(helper, bound -> {
    int i = draws.removeFirst();
    assertThat(i).isLessThan(bound);
    return i;
  });

  private void threeReady() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), Map.of());
    helper.created.forEach(sc -> sc.set(READY));
  }

  private PickResult pick(int... drawn) {
    for (int d : drawn) {
      draws.addLast(d);
    }
    PickResult r = helper.pick();
    assertThat(draws).as("every draw used").isEmpty();
    return r;
  }

  private static void end(PickResult r) {
    r.callEndListener().callEnded(Status.OK, new Metadata());
  }

  @Test
  void ofTheTwoDrawnTakesTheOneWithFewerCallsInFlight() {
    threeReady();
    PickResult first = pick(0, 1);
    // A tie goes to the first drawn.
    assertThat(first.subchannel()).isSameAs(helper.subchannel(addr(1)));
    // 1 has a call in flight, 2 none.
    assertThat(pick(0, 1).subchannel()).isSameAs(helper.subchannel(addr(2)));
    assertThat(pick(1, 0).subchannel()).as("both have one now: the first drawn")
        .isSameAs(helper.subchannel(addr(2)));
    assertThat(pick(1, 2).subchannel()).isSameAs(helper.subchannel(addr(3)));
  }

  @Test
  void aCallThatEndsNoLongerCounts() {
    threeReady();
    PickResult onOne = pick(0, 0);
    assertThat(pick(0, 1).subchannel()).isSameAs(helper.subchannel(addr(2)));
    end(onOne);
    assertThat(pick(1, 0).subchannel()).as("1 is back to none, 2 has one")
        .isSameAs(helper.subchannel(addr(1)));
  }

  @Test
  void callsInFlightKeepCountingAcrossPickerUpdates() {
    threeReady();
    PickResult onOne = pick(0, 0);
    // A state change publishes a new picker; the call placed by the old one still counts.
    helper.subchannel(addr(3)).set(TRANSIENT_FAILURE);
    assertThat(pick(0, 1).subchannel()).isSameAs(helper.subchannel(addr(2)));
    end(onOne);
    end(pick(0, 1));
    assertThat(pick(1, 0).subchannel()).as("1 has none in flight, 2 still has one")
        .isSameAs(helper.subchannel(addr(1)));
  }

  @Test
  void choiceCountComesFromTheConfigWithinTwoToTen() {
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)),
        Map.of("choiceCount", 3.0));
    helper.created.forEach(sc -> sc.set(READY));
    pick(0, 0, 0);
    pick(0, 0, 0);
    assertThat(pick(0, 0, 2).subchannel()).as("the third draw sees 3 empty")
        .isSameAs(helper.subchannel(addr(3)));
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), Map.of("choiceCount", 1.0));
    assertThat(lb.choiceCount()).isEqualTo(2);
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), Map.of("choiceCount", 50.0));
    assertThat(lb.choiceCount()).isEqualTo(10);
    lb.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), Map.of());
    assertThat(lb.choiceCount()).isEqualTo(2);
  }
}
