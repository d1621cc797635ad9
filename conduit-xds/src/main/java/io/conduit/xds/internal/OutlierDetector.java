package io.conduit.xds.internal;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntUnaryOperator;

/**
 * Outlier detection (gRFC A50): counts how the calls to each address end, and every interval
 * ejects the addresses whose success rate is far below the others' (success-rate ejection) or
 * whose failure percentage passes a threshold (failure-percentage ejection), for a time that
 * grows with each ejection. An ejected address's subchannels look TRANSIENT_FAILURE to the policy
 * above them, which so stops picking them; after its ejection time they show their real state
 * again.
 *
 * <p>Runs on the channel's synchronization context, except {@link #counter}, which pickers call
 * on any thread.
 */
final class OutlierDetector {
  /**
   * The detector's settings (A50's {@code outlier_detection} config).
   *
   * @param interval how often ejections are decided
   * @param baseEjectionTime an ejection lasts this, times the number of ejections in a row
   * @param maxEjectionTime ... but never longer than this (or {@code baseEjectionTime})
   * @param maxEjectionPercent at most this share of the addresses is ejected at once
   * @param successRate success-rate ejection, or {@code null} for none
   * @param failurePercentage failure-percentage ejection, or {@code null} for none
   */
  record Config(Duration interval, Duration baseEjectionTime, Duration maxEjectionTime,
      int maxEjectionPercent, SuccessRate successRate, FailurePercentage failurePercentage) {}

  /**
   * Success-rate ejection: an address whose success rate is below the mean by more than
   * {@code stdevFactor / 1000} standard deviations.
   *
   * @param stdevFactor the factor, in thousandths
   * @param enforcementPercentage the chance, in percent, that a candidate is ejected
   * @param minimumHosts how many addresses must have enough calls for the check to run
   * @param requestVolume how many calls in the interval make an address count
   */
  record SuccessRate(int stdevFactor, int enforcementPercentage, int minimumHosts,
      int requestVolume) {}

  /**
   * Failure-percentage ejection: an address whose calls failed more than {@code threshold} percent.
   *
   * @param threshold the failure percentage
   * @param enforcementPercentage the chance, in percent, that a candidate is ejected
   * @param minimumHosts how many addresses must have enough calls for the check to run
   * @param requestVolume how many calls in the interval make an address count
   */
  record FailurePercentage(int threshold, int enforcementPercentage, int minimumHosts,
      int requestVolume) {}

  private final LoadBalancer.Helper helper;
  private final IntUnaryOperator random;
  private final Map<SocketAddress, AddressState> addresses = new HashMap<>();
  private Config config;
  private ScheduledFuture<?> timer;
  /** Intervals run so far: the detector's clock, since it decides only when its timer runs. */
  private long intervals;

  OutlierDetector(LoadBalancer.Helper helper, IntUnaryOperator random) {
    this.helper = helper;
    this.random = random;
  }

  /** New settings, or {@code null} to turn detection off (every ejected address comes back). */
  void configure(Config next) {
    boolean intervalChanged = config == null || next == null
        || !config.interval().equals(next.interval());
    config = next;
    if (intervalChanged && timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (next == null) {
      addresses.values().forEach(AddressState::uneject);
      return;
    }
    if (timer == null) {
      long nanos = next.interval().toNanos();
      timer = helper.scheduler().scheduleWithFixedDelay(
          () -> helper.syncContext().execute(this::runInterval), nanos, nanos,
          TimeUnit.NANOSECONDS);
    }
  }

  void shutdown() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** A subchannel whose calls count toward its address's record. */
  Subchannel wrap(Subchannel subchannel) {
    AddressState state = addresses.computeIfAbsent(subchannel.address(), a -> new AddressState());
    EjectableSubchannel wrapped = new EjectableSubchannel(subchannel, state);
    state.subchannels.add(wrapped);
    return wrapped;
  }

  /**
   * The pick to give the channel for {@code picked}: the real subchannel, with a listener that
   * counts how its call ends before telling the pick's own listener. Any thread.
   */
  static LoadBalancer.PickResult counter(LoadBalancer.PickResult picked) {
    if (!(picked.subchannel() instanceof EjectableSubchannel e)) {
      return picked;
    }
    LoadBalancer.CallEndListener next = picked.callEndListener();
    AddressState state = e.state;
    return LoadBalancer.PickResult.withSubchannel(e.delegate, (status, trailers) -> {
      (status.code() == Status.Code.OK ? state.successes : state.failures).incrementAndGet();
      if (next != null) {
        next.callEnded(status, trailers);
      }
    });
  }

  /** One interval: swap the counts, eject the outliers, bring back those whose time is up. */
  void runInterval() {
    if (config == null) {
      return;
    }
    intervals++;
    long now = intervals * config.interval().toNanos();
    for (AddressState s : addresses.values()) {
      s.lastSuccesses = s.successes.getAndSet(0);
      s.lastFailures = s.failures.getAndSet(0);
    }
    if (config.successRate() != null) {
      successRateEjection(config.successRate(), now);
    }
    if (config.failurePercentage() != null) {
      failurePercentageEjection(config.failurePercentage(), now);
    }
    long base = config.baseEjectionTime().toNanos();
    long max = Math.max(base, config.maxEjectionTime().toNanos());
    for (AddressState s : addresses.values()) {
      if (!s.ejected && s.multiplier > 0) {
        s.multiplier--;
      } else if (s.ejected && now >= s.ejectedAt + Math.min(base * s.multiplier, max)) {
        s.uneject();
      }
    }
    // Addresses that left while ejected go once their ejection ends.
    addresses.values().removeIf(s -> s.subchannels.isEmpty() && !s.ejected);
  }

  private void successRateEjection(SuccessRate sr, long now) {
    List<AddressState> candidates = withVolume(sr.requestVolume());
    if (candidates.size() < sr.minimumHosts()) {
      return;
    }
    double mean = 0;
    for (AddressState s : candidates) {
      mean += s.successRate();
    }
    mean /= candidates.size();
    double variance = 0;
    for (AddressState s : candidates) {
      double d = s.successRate() - mean;
      variance += d * d;
    }
    double stdev = Math.sqrt(variance / candidates.size());
    double threshold = mean - stdev * (sr.stdevFactor() / 1000.0);
    for (AddressState s : candidates) {
      if (!mayEject()) {
        return;
      }
      if (s.successRate() < threshold && random.applyAsInt(100) < sr.enforcementPercentage()) {
        s.eject(now);
      }
    }
  }

  private void failurePercentageEjection(FailurePercentage fp, long now) {
    List<AddressState> candidates = withVolume(fp.requestVolume());
    if (candidates.size() < fp.minimumHosts()) {
      return;
    }
    for (AddressState s : candidates) {
      if (!mayEject()) {
        return;
      }
      if ((1 - s.successRate()) * 100 > fp.threshold()
          && random.applyAsInt(100) < fp.enforcementPercentage()) {
        s.eject(now);
      }
    }
  }

  private List<AddressState> withVolume(int volume) {
    List<AddressState> list = new ArrayList<>();
    for (AddressState s : addresses.values()) {
      if (!s.subchannels.isEmpty() && s.lastSuccesses + s.lastFailures >= volume) {
        list.add(s);
      }
    }
    return list;
  }

  /** Whether ejecting one more keeps the ejected share within {@code maxEjectionPercent}. */
  private boolean mayEject() {
    long live = addresses.values().stream().filter(s -> !s.subchannels.isEmpty()).count();
    long ejected = addresses.values().stream().filter(s -> s.ejected).count();
    return live > 0 && ejected * 100 < config.maxEjectionPercent() * live;
  }

  /** One address's record: this interval's counts, the last one's, and its ejection. */
  private static final class AddressState {
    final AtomicLong successes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final Set<EjectableSubchannel> subchannels = new LinkedHashSet<>();
    long lastSuccesses;
    long lastFailures;
    boolean ejected;
    long ejectedAt;
    int multiplier;

    double successRate() {
      return (double) lastSuccesses / (lastSuccesses + lastFailures);
    }

    void eject(long now) {
      ejected = true;
      ejectedAt = now;
      multiplier++;
      List.copyOf(subchannels).forEach(EjectableSubchannel::eject);
    }

    void uneject() {
      if (ejected) {
        ejected = false;
        List.copyOf(subchannels).forEach(EjectableSubchannel::uneject);
      }
    }
  }

  /** A subchannel that its address's ejection shows as TRANSIENT_FAILURE. */
  private final class EjectableSubchannel implements Subchannel {
    final Subchannel delegate;
    final AddressState state;
    StateListener listener;
    ConnectivityState real = ConnectivityState.IDLE;
    Status realFailure;

    EjectableSubchannel(Subchannel delegate, AddressState state) {
      this.delegate = delegate;
      this.state = state;
    }

    @Override
    public SocketAddress address() {
      return delegate.address();
    }

    @Override
    public void start(StateListener l) {
      listener = l;
      delegate.start((s, failure) -> {
        real = s;
        realFailure = failure;
        if (!state.ejected) {
          l.onStateChange(s, failure);
        }
      });
      if (state.ejected) {
        eject();
      }
    }

    void eject() {
      if (listener != null) {
        listener.onStateChange(ConnectivityState.TRANSIENT_FAILURE,
            Status.UNAVAILABLE.withDescription(address() + " ejected by outlier detection"));
      }
    }

    void uneject() {
      if (listener != null) {
        listener.onStateChange(real, realFailure);
      }
    }

    @Override
    public void requestConnection() {
      delegate.requestConnection();
    }

    @Override
    public void shutdown() {
      state.subchannels.remove(this);
      if (state.subchannels.isEmpty() && !state.ejected) {
        addresses.remove(delegate.address(), state);
      }
      delegate.shutdown();
    }

    @Override
    public ConnectivityState state() {
      return state.ejected ? ConnectivityState.TRANSIENT_FAILURE : delegate.state();
    }

    @Override
    public <Q, R> io.conduit.ClientCall<Q, R> newCall(io.conduit.MethodDescriptor<Q, R> method,
        io.conduit.CallOptions options) {
      return delegate.newCall(method, options);
    }
  }
}
