package io.conduit.xds.internal;

import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import io.conduit.internal.MethodConfig;
import io.conduit.internal.balancer.LeastRequestLoadBalancer;
import io.conduit.internal.balancer.PickFirstLoadBalancer;
import io.conduit.internal.balancer.RoundRobinLoadBalancer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * {@code outlier_detection_experimental} (gRFC A50) through service config, without xDS: an
 * {@link OutlierDetector} around a child policy ({@code childPolicy}: {@code round_robin},
 * {@code pick_first}, {@code least_request_experimental}, {@code weighted_round_robin} or
 * {@code ring_hash_experimental}), with A50's JSON settings ({@code interval},
 * {@code baseEjectionTime}, {@code maxEjectionTime}, {@code maxEjectionPercent},
 * {@code successRateEjection}, {@code failurePercentageEjection}).
 */
public final class OutlierDetectionLoadBalancer extends LoadBalancer {
  static final String POLICY = "outlier_detection_experimental";
  private static final Map<String, Function<Helper, LoadBalancer>> CHILDREN = Map.of(
      "round_robin", RoundRobinLoadBalancer::new,
      "pick_first", PickFirstLoadBalancer::new,
      "least_request_experimental", LeastRequestLoadBalancer::new,
      WeightedRoundRobinLoadBalancer.POLICY, WeightedRoundRobinLoadBalancer::new,
      RingHashLoadBalancer.POLICY, RingHashLoadBalancer::new);

  private final Helper helper;
  private final OutlierDetector detector;
  private LoadBalancer child;
  private String childName;

  OutlierDetectionLoadBalancer(Helper helper) {
    this.helper = helper;
    this.detector = new OutlierDetector(helper, n -> ThreadLocalRandom.current().nextInt(n));
  }

  @Override
  public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
    OutlierDetector.Config settings;
    Map.Entry<String, Map<String, ?>> childPolicy;
    try {
      settings = settings(config);
      childPolicy = childPolicy(config.get("childPolicy"));
    } catch (IllegalArgumentException e) {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(
          Status.UNAVAILABLE.withDescription(POLICY + ": " + e.getMessage())));
      return;
    }
    detector.configure(settings);
    if (!childPolicy.getKey().equals(childName)) {
      if (child != null) {
        child.shutdown();
      }
      childName = childPolicy.getKey();
      child = CHILDREN.get(childName).apply(new ChildHelper());
    }
    child.acceptResolvedAddresses(addresses, childPolicy.getValue());
  }

  static OutlierDetector.Config settings(Map<String, ?> config) {
    Duration interval = orElse(MethodConfig.optDuration(config, "interval"), Duration.ofSeconds(10));
    Duration base = orElse(MethodConfig.optDuration(config, "baseEjectionTime"),
        Duration.ofSeconds(30));
    Duration max = orElse(MethodConfig.optDuration(config, "maxEjectionTime"),
        Duration.ofSeconds(300));
    int maxPercent = percent(config, "maxEjectionPercent", 10);
    OutlierDetector.SuccessRate successRate = null;
    if (config.get("successRateEjection") instanceof Map<?, ?> sr) {
      successRate = new OutlierDetector.SuccessRate(number(sr, "stdevFactor", 1900),
          percent(sr, "enforcementPercentage", 100), number(sr, "minimumHosts", 5),
          number(sr, "requestVolume", 100));
    }
    OutlierDetector.FailurePercentage failure = null;
    if (config.get("failurePercentageEjection") instanceof Map<?, ?> fp) {
      failure = new OutlierDetector.FailurePercentage(percent(fp, "threshold", 85),
          percent(fp, "enforcementPercentage", 100), number(fp, "minimumHosts", 5),
          number(fp, "requestVolume", 50));
    }
    return new OutlierDetector.Config(interval, base, max, maxPercent, successRate, failure);
  }

  /** The first child policy of the list this module has. */
  @SuppressWarnings("unchecked")
  private static Map.Entry<String, Map<String, ?>> childPolicy(Object list) {
    if (list instanceof List<?> policies) {
      for (Object p : policies) {
        if (p instanceof Map<?, ?> m && m.size() == 1) {
          Map.Entry<?, ?> e = m.entrySet().iterator().next();
          if (CHILDREN.containsKey(e.getKey())) {
            Object cfg = e.getValue();
            return Map.entry((String) e.getKey(),
                cfg instanceof Map<?, ?> c ? (Map<String, ?>) c : Map.of());
          }
        }
      }
    }
    throw new IllegalArgumentException("childPolicy must list one of " + CHILDREN.keySet()
        + "; it is " + list);
  }

  private static int number(Map<?, ?> m, String key, int otherwise) {
    Object v = m.get(key);
    if (v == null) {
      return otherwise;
    }
    if (!(v instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException(key + " must be a whole number of at least 0: " + v);
    }
    return n.intValue();
  }

  private static int percent(Map<?, ?> m, String key, int otherwise) {
    int p = number(m, key, otherwise);
    if (p > 100) {
      throw new IllegalArgumentException(key + " must be at most 100: " + p);
    }
    return p;
  }

  private static Duration orElse(Duration d, Duration otherwise) {
    return d != null ? d : otherwise;
  }

  @Override
  public void handleResolutionError(Status error) {
    if (child != null) {
      child.handleResolutionError(error);
    } else {
      helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
    }
  }

  @Override
  public void requestConnection() {
    if (child != null) {
      child.requestConnection();
    }
  }

  @Override
  public void shutdown() {
    detector.shutdown();
    if (child != null) {
      child.shutdown();
    }
  }

  /** The child's helper: its subchannels are ejectable, its picks counted. */
  private final class ChildHelper extends ForwardingHelper {
    ChildHelper() {
      super(helper);
    }

    @Override
    public Subchannel createSubchannel(SocketAddress address) {
      return detector.wrap(helper.createSubchannel(address));
    }

    @Override
    public void updateState(ConnectivityState state, Picker picker) {
      helper.updateState(state, args -> OutlierDetector.counter(picker.pick(args)));
    }
  }

  /** The provider of {@code outlier_detection_experimental}. */
  public static final class Provider extends PolicyProvider {
    /** For {@link java.util.ServiceLoader}. */
    public Provider() {
      super(POLICY, OutlierDetectionLoadBalancer::new);
    }
  }
}
