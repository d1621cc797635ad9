package io.conduit.xds.internal;

import static io.conduit.xds.internal.RecordingHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.xds.internal.proto.OrcaLoadReport;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinLoadBalancerTest {
  private final RecordingHelper helper = new RecordingHelper();
  private final WeightedRoundRobinLoadBalancer balancer =
      new WeightedRoundRobinLoadBalancer(helper);

  @Test
  void theScheduleSpreadsTurnsByWeight() {
    int[] order = WeightedRoundRobinLoadBalancer.schedule(new double[] {400, 100, 100});
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i : order) {
      counts.merge(i, 1, Integer::sum);
    }
    assertThat(counts).containsEntry(0, 100).containsEntry(1, 25).containsEntry(2, 25);
    // Smooth: the heavy backend never takes more than four turns in a row.
    int run = 0;
    int longest = 0;
    for (int i : order) {
      run = i == 0 ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assertThat(longest).isLessThanOrEqualTo(4);
  }

  private static Metadata report(double utilization, double qps) {
    return new Metadata().addBinary("endpoint-load-metrics-bin", OrcaLoadReport.newBuilder()
        .setApplicationUtilization(utilization).setRpsFractional(qps).build().toByteArray());
  }

  private Map<SocketAddress, Integer> picks(int n, Map<SocketAddress, Metadata> trailers) {
    Map<SocketAddress, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      LoadBalancer.PickResult pick = helper.picker.pick(
          new LoadBalancer.PickArgs(null, CallOptions.DEFAULT, new Metadata()));
      SocketAddress a = pick.subchannel().address();
      counts.merge(a, 1, Integer::sum);
      pick.callEndListener().callEnded(Status.OK, trailers.get(a));
    }
    return counts;
  }

  @Test
  void weightsFollowTheReportsAfterTheBlackout() {
    balancer.acceptResolvedAddresses(List.of(addr(1), addr(2)),
        Map.of("blackoutPeriod", "0s", "weightUpdatePeriod", "0.1s"));
    helper.created.forEach(sc -> sc.set(ConnectivityState.READY));
    Map<SocketAddress, Metadata> trailers = Map.of(addr(1), report(0.2, 100),
        addr(2), report(0.8, 100));
    // No reports yet: plain round robin.
    assertThat(picks(100, trailers)).containsEntry(addr(1), 50).containsEntry(addr(2), 50);
    helper.timers.get(0).run();
    helper.drain();
    Map<SocketAddress, Integer> weighted = picks(1000, trailers);
    assertThat(weighted.get(addr(1))).isEqualTo(800);
    assertThat(weighted.get(addr(2))).isEqualTo(200);
  }
}
