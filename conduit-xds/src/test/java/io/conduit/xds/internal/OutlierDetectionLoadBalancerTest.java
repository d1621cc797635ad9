package io.conduit.xds.internal;

import static io.conduit.xds.internal.RecordingHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.internal.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutlierDetectionLoadBalancerTest {
  private final RecordingHelper helper = new RecordingHelper();
  private final OutlierDetectionLoadBalancer balancer = new OutlierDetectionLoadBalancer(helper);

  private static final Map<String, Object> CONFIG = Json.parseObject("""
      {"interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 50,
       "failurePercentageEjection": {"threshold": 50, "minimumHosts": 3, "requestVolume": 5},
       "childPolicy": [{"no_such_policy": {}}, {"round_robin": {}}]}""");

  private LoadBalancer.PickResult pick() {
    return helper.picker.pick(new LoadBalancer.PickArgs(null, CallOptions.DEFAULT,
        new Metadata()));
  }

  @Test
  void roundRobinStopsPickingTheBackendThatFails() {
    balancer.acceptResolvedAddresses(List.of(addr(1), addr(2), addr(3)), CONFIG);
    helper.created.forEach(sc -> sc.set(ConnectivityState.READY));
    assertThat(helper.state).isEqualTo(ConnectivityState.READY);
    for (int i = 0; i < 30; i++) {
      LoadBalancer.PickResult pick = pick();
      boolean bad = pick.subchannel().address().equals(addr(3));
      pick.callEndListener().callEnded(bad ? Status.UNAVAILABLE : Status.OK, new Metadata());
    }
    assertThat(helper.timers).hasSize(1);
    helper.timers.get(0).run();
    helper.drain();
    for (int i = 0; i < 30; i++) {
      assertThat(pick().subchannel().address()).isNotEqualTo(addr(3));
    }
  }

  @Test
  void aBadConfigFailsCallsSayingWhy() {
    balancer.acceptResolvedAddresses(List.of(addr(1)),
        Json.parseObject("{\"childPolicy\": [{\"no_such_policy\": {}}]}"));
    assertThat(helper.state).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(pick().error().description()).contains("childPolicy must list one of");
  }
}
