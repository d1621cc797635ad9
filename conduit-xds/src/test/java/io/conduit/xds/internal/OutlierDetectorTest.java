package io.conduit.xds.internal;

import static io.conduit.xds.internal.RecordingHelper.addr;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.ConnectivityState;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private final RecordingHelper helper = new RecordingHelper();
  private final OutlierDetector detector = new OutlierDetector(helper, n -> 0);
  private final List<Subchannel> wrapped = new ArrayList<>();
  private final Map<Subchannel, ConnectivityState> seen = new HashMap<>();

  private static OutlierDetector.Config failurePercentage(int maxEjectionPercent) {
    return new OutlierDetector.Config(Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(300), maxEjectionPercent, null,
        new OutlierDetector.FailurePercentage(50, 100, 3, 5));
  }

  private void start(int count) {
    for (int i = 1; i <= count; i++) {
      Subchannel sc = detector.wrap(helper.createSubchannel(addr(i)));
      wrapped.add(sc);
      sc.start((state, failure) -> seen.put(sc, state));
      helper.created.get(i - 1).set(ConnectivityState.READY);
    }
  }

  /** {@code n} calls through {@code sc} that end with {@code code}. */
  private static void calls(Subchannel sc, int n, Status.Code code) {
    for (int i = 0; i < n; i++) {
      LoadBalancer.PickResult pick =
          OutlierDetector.counter(LoadBalancer.PickResult.withSubchannel(sc));
      assertThat(pick.subchannel()).isNotSameAs(sc);
      pick.callEndListener().callEnded(Status.fromCodeValue(code.value()), new Metadata());
    }
  }

  @Test
  void ejectsTheFailingAddressAndBringsItBackAfterItsTime() {
    detector.configure(failurePercentage(50));
    start(4);
    for (int i = 0; i < 3; i++) {
      calls(wrapped.get(i), 10, Status.Code.OK);
    }
    calls(wrapped.get(3), 10, Status.Code.UNAVAILABLE);
    detector.runInterval();
    assertThat(seen.get(wrapped.get(3))).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(wrapped.get(3).state()).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(seen.get(wrapped.get(0))).isEqualTo(ConnectivityState.READY);
    // 30 s of ejection: two more intervals keep it out, the third brings it back.
    detector.runInterval();
    detector.runInterval();
    assertThat(seen.get(wrapped.get(3))).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    detector.runInterval();
    assertThat(seen.get(wrapped.get(3))).isEqualTo(ConnectivityState.READY);
  }

  @Test
  void ejectsNoMoreThanTheMaxPercentAndNothingWithoutVolume() {
    detector.configure(failurePercentage(25));
    start(4);
    calls(wrapped.get(0), 10, Status.Code.OK);
    calls(wrapped.get(1), 10, Status.Code.OK);
    calls(wrapped.get(2), 10, Status.Code.INTERNAL);
    calls(wrapped.get(3), 10, Status.Code.INTERNAL);
    detector.runInterval();
    assertThat(wrapped).filteredOn(sc -> sc.state() == ConnectivityState.TRANSIENT_FAILURE)
        .hasSize(1);

    OutlierDetector fresh = new OutlierDetector(helper, n -> 0);
    fresh.configure(failurePercentage(50));
    List<Subchannel> few = new ArrayList<>();
    for (int i = 5; i <= 8; i++) {
      Subchannel sc = fresh.wrap(helper.createSubchannel(addr(i)));
      sc.start((state, failure) -> { });
      few.add(sc);
    }
    // Four calls each: below the request volume of five, so nobody counts.
    few.forEach(sc -> calls(sc, 4, Status.Code.UNAVAILABLE));
    fresh.runInterval();
    assertThat(few).allSatisfy(sc ->
        assertThat(sc.state()).isNotEqualTo(ConnectivityState.TRANSIENT_FAILURE));
  }

  @Test
  void successRateEjectsTheOutlierBelowTheMean() {
    detector.configure(new OutlierDetector.Config(Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(300), 50, new OutlierDetector.SuccessRate(1000, 100, 3, 10), null));
    start(5);
    for (int i = 0; i < 4; i++) {
      calls(wrapped.get(i), 100, Status.Code.OK);
    }
    calls(wrapped.get(4), 50, Status.Code.OK);
    calls(wrapped.get(4), 50, Status.Code.UNAVAILABLE);
    detector.runInterval();
    assertThat(wrapped.get(4).state()).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(wrapped.subList(0, 4)).allSatisfy(sc ->
        assertThat(sc.state()).isEqualTo(ConnectivityState.READY));
  }
}
