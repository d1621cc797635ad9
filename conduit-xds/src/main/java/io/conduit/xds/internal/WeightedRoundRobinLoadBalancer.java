package io.conduit.xds.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.conduit.Clock;
import io.conduit.Metadata;
import io.conduit.balancer.Subchannel;
import io.conduit.internal.MethodConfig;
import io.conduit.internal.balancer.ReadySetLoadBalancer;
import io.conduit.xds.internal.proto.OrcaLoadReport;
import io.conduit.xds.internal.proto.OrcaLoadReportRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code weighted_round_robin} (gRFC A58): round robin over the READY backends, each weighted by
 * what it reports in its calls' ORCA trailers ({@code endpoint-load-metrics-bin}, gRFC A51):
 * {@code qps / (utilization + eps / qps * errorUtilizationPenalty)}, utilization being the
 * application's when reported, else the CPU's. A backend's weight counts only after
 * {@code blackoutPeriod} of reports and until {@code weightExpirationPeriod} without one; a
 * backend without a weight gets the mean of the others'. Weights are taken every
 * {@code weightUpdatePeriod}.
 *
 * <p>With {@code enableOobLoadReport} the weights come instead from a stream per READY backend
 * ({@code OpenRcaService.StreamCoreMetrics}, a report every {@code oobReportingPeriod}); the
 * calls' trailers are then not read.
 */
public final class WeightedRoundRobinLoadBalancer extends ReadySetLoadBalancer {
  static final String POLICY = "weighted_round_robin";
  /** gRFC A58: weights are not taken more often than this. */
  private static final Duration MIN_UPDATE_PERIOD = Duration.ofMillis(100);

  private final Helper helper;
  private final Clock clock;
  private final Map<Subchannel, EndpointWeight> weights = new ConcurrentHashMap<>();
  private volatile Settings settings = new Settings(Duration.ofSeconds(10),
      Duration.ofMinutes(3), Duration.ofSeconds(1), 1.0, false, Duration.ofSeconds(10));
  private ScheduledFuture<?> timer;
  private Duration timerPeriod;

  /** The policy's config (gRFC A58's field names). */
  private record Settings(Duration blackout, Duration expiration, Duration updatePeriod,
      double errorPenalty, boolean oob, Duration oobPeriod) {}

  /** The out-of-band report streams, one per READY backend, while {@code oob} is on. */
  private final Map<Subchannel, io.conduit.ClientCall<?, ?>> oobStreams = new java.util.HashMap<>();

  WeightedRoundRobinLoadBalancer(Helper helper) {
    super(helper);
    this.helper = helper;
    this.clock = helper.clock();
  }

  @Override
  protected void configure(Map<String, ?> config) {
    Duration blackout = MethodConfig.optDuration(config, "blackoutPeriod");
    Duration expiration = MethodConfig.optDuration(config, "weightExpirationPeriod");
    Duration update = MethodConfig.optDuration(config, "weightUpdatePeriod");
    Object penalty = config.get("errorUtilizationPenalty");
    Duration oobPeriod = MethodConfig.optDuration(config, "oobReportingPeriod");
    Settings s = new Settings(blackout != null ? blackout : Duration.ofSeconds(10),
        expiration != null ? expiration : Duration.ofMinutes(3),
        update == null ? Duration.ofSeconds(1)
            : update.compareTo(MIN_UPDATE_PERIOD) < 0 ? MIN_UPDATE_PERIOD : update,
        penalty instanceof Number n && n.doubleValue() >= 0 ? n.doubleValue() : 1.0,
        Boolean.TRUE.equals(config.get("enableOobLoadReport")),
        oobPeriod != null ? oobPeriod : Duration.ofSeconds(10));
    boolean restartOob = s.oob() != settings.oob() || !s.oobPeriod().equals(settings.oobPeriod());
    settings = s;
    if (restartOob) {
      // Streams start again with the new period as backends are READY (or stop for good).
      List.copyOf(oobStreams.keySet()).forEach(this::stopOob);
    }
    if (timer == null || !s.updatePeriod().equals(timerPeriod)) {
      if (timer != null) {
        timer.cancel(false);
      }
      long nanos = s.updatePeriod().toNanos();
      timerPeriod = s.updatePeriod();
      timer = helper.scheduler().scheduleWithFixedDelay(
          () -> helper.syncContext().execute(this::republish), nanos, nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  protected void removed(Subchannel sc) {
    stopOob(sc);
    weights.remove(sc);
  }

  @Override
  protected void stateChanged(Subchannel sc, io.conduit.ConnectivityState state) {
    if (state == io.conduit.ConnectivityState.READY && settings.oob()) {
      startOob(sc);
    } else if (state != io.conduit.ConnectivityState.READY) {
      stopOob(sc);
    }
  }

  /** Opens {@code sc}'s report stream; each report sets its weight. Synchronization context. */
  private void startOob(Subchannel sc) {
    if (oobStreams.containsKey(sc)) {
      return;
    }
    EndpointWeight recorder = weights.computeIfAbsent(sc, k -> new EndpointWeight());
    io.conduit.ClientCall<OrcaLoadReportRequest, OrcaLoadReport> call = sc.newCall(
        io.conduit.xds.internal.proto.OpenRcaServiceRpc.STREAM_CORE_METRICS,
        io.conduit.CallOptions.DEFAULT);
    oobStreams.put(sc, call);
    call.start(new io.conduit.ClientCall.Listener<>() {
      @Override
      public void onMessage(OrcaLoadReport report) {
        recorder.report(report, clock.nanoTime(), settings);
        call.request(1);
      }

      @Override
      public void onClose(io.conduit.Status status, Metadata trailers) {
        // Opened again when the backend is READY again (a new connection).
        oobStreams.remove(sc, call);
      }
    }, new Metadata());
    call.request(1);
    Duration p = settings.oobPeriod();
    call.sendMessage(OrcaLoadReportRequest.newBuilder()
        .setReportInterval(com.google.protobuf.Duration.newBuilder()
            .setSeconds(p.getSeconds()).setNanos(p.getNano()))
        .build());
    call.halfClose();
  }

  private void stopOob(Subchannel sc) {
    io.conduit.ClientCall<?, ?> call = oobStreams.remove(sc);
    if (call != null) {
      call.cancel("the backend is no longer used for load reports", null);
    }
  }

  @Override
  public void shutdown() {
    List.copyOf(oobStreams.keySet()).forEach(this::stopOob);
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    super.shutdown();
  }

  @Override
  protected Picker readyPicker(List<Subchannel> ready) {
    long now = clock.nanoTime();
    Settings s = settings;
    double[] w = new double[ready.size()];
    double sum = 0;
    int known = 0;
    for (int i = 0; i < w.length; i++) {
      w[i] = weights.computeIfAbsent(ready.get(i), k -> new EndpointWeight()).current(now, s);
      if (w[i] > 0) {
        sum += w[i];
        known++;
      }
    }
    double mean = known == 0 ? 1 : sum / known;
    for (int i = 0; i < w.length; i++) {
      if (w[i] <= 0) {
        w[i] = mean;
      }
    }
    int[] schedule = schedule(w);
    List<Subchannel> subchannels = List.copyOf(ready);
    List<EndpointWeight> recorders = new ArrayList<>();
    for (Subchannel sc : subchannels) {
      recorders.add(weights.get(sc));
    }
    AtomicLong next = new AtomicLong();
    return args -> {
      int i = schedule[(int) Math.floorMod(next.getAndIncrement(), (long) schedule.length)];
      EndpointWeight recorder = recorders.get(i);
      if (s.oob()) {
        return PickResult.withSubchannel(subchannels.get(i));
      }
      return PickResult.withSubchannel(subchannels.get(i),
          (status, trailers) -> recorder.report(trailers, clock.nanoTime(), settings));
    };
  }

  /**
   * A smooth weighted round-robin order over the backends (each weight scaled to 1..100 of the
   * largest), so that a heavy backend's turns are spread through the cycle, not bunched.
   */
  static int[] schedule(double[] weights) {
    double max = 0;
    for (double w : weights) {
      max = Math.max(max, w);
    }
    int[] scaled = new int[weights.length];
    int total = 0;
    for (int i = 0; i < weights.length; i++) {
      scaled[i] = (int) Math.max(1, Math.round(weights[i] / max * 100));
      total += scaled[i];
    }
    int[] order = new int[total];
    int[] current = new int[weights.length];
    for (int n = 0; n < total; n++) {
      int best = 0;
      for (int i = 0; i < weights.length; i++) {
        current[i] += scaled[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      order[n] = best;
    }
    return order;
  }

  /** One backend's weight, from the load reports in its calls' trailers. Thread-safe. */
  private static final class EndpointWeight {
    private double weight;
    private long lastUpdated;
    /** Whether reports come (none yet, or none since the last expiry: false). */
    private boolean reporting;
    /** When reports began to come; the blackout runs from here. */
    private long nonEmptySince;

    void report(Metadata trailers, long now, Settings s) {
      byte[] bytes = trailers.getBinary("endpoint-load-metrics-bin");
      if (bytes == null) {
        return;
      }
      try {
        report(OrcaLoadReport.parseFrom(bytes), now, s);
      } catch (InvalidProtocolBufferException e) {
        // Not a load report: nothing to learn from it.
      }
    }

    synchronized void report(OrcaLoadReport r, long now, Settings s) {
      double utilization = r.getApplicationUtilization() > 0 ? r.getApplicationUtilization()
          : r.getCpuUtilization();
      double qps = r.getRpsFractional();
      if (utilization <= 0 || qps <= 0) {
        return;
      }
      weight = qps / (utilization + r.getEps() / qps * s.errorPenalty());
      if (!reporting) {
        reporting = true;
        nonEmptySince = now;
      }
      lastUpdated = now;
    }

    /** The weight to use now, or 0 while in blackout, expired, or never reported. */
    synchronized double current(long now, Settings s) {
      if (!reporting) {
        return 0;
      }
      if (now - lastUpdated >= s.expiration().toNanos()) {
        reporting = false;
        return 0;
      }
      return now - nonEmptySince < s.blackout().toNanos() ? 0 : weight;
    }
  }

  /** The provider of {@code weighted_round_robin}, for service config without xDS too. */
  public static final class Provider extends PolicyProvider {
    /** For {@link java.util.ServiceLoader}. */
    public Provider() {
      super(POLICY, WeightedRoundRobinLoadBalancer::new);
    }
  }
}
