package io.conduit.xds.orca;

/**
 * The load this server reports to the clients that balance by it (ORCA, gRFC A51): utilization,
 * queries and errors per second. Set the values as they change (from a sampler, say); every call
 * through {@link OrcaReporting#interceptor} carries them in its trailers, under what the call's own
 * {@link CallMetricRecorder} set. Clients with {@code weighted_round_robin} (gRFC A58) send each
 * backend calls in proportion to {@code qps / utilization}. Thread-safe.
 */
public final class ServerMetricRecorder {
  final LoadReport report = new LoadReport();

  private ServerMetricRecorder() {}

  /** {@return a recorder with nothing set} */
  public static ServerMetricRecorder create() {
    return new ServerMetricRecorder();
  }

  /**
   * The CPU utilization, usually 0 to 1 (may pass 1 where the process may use more than its
   * share).
   *
   * @param utilization the utilization, at least 0
   * @return this recorder
   */
  public ServerMetricRecorder setCpuUtilization(double utilization) {
    report.cpu(utilization);
    return this;
  }

  /**
   * The memory utilization.
   *
   * @param utilization from 0 to 1
   * @return this recorder
   */
  public ServerMetricRecorder setMemoryUtilization(double utilization) {
    report.memory(utilization);
    return this;
  }

  /**
   * The application's own utilization measure; balancers prefer it to the CPU's when set.
   *
   * @param utilization at least 0
   * @return this recorder
   */
  public ServerMetricRecorder setApplicationUtilization(double utilization) {
    report.application(utilization);
    return this;
  }

  /**
   * The queries per second this server serves.
   *
   * @param qps at least 0
   * @return this recorder
   */
  public ServerMetricRecorder setQps(double qps) {
    report.qps(qps);
    return this;
  }

  /**
   * The errors per second this server answers.
   *
   * @param eps at least 0
   * @return this recorder
   */
  public ServerMetricRecorder setEps(double eps) {
    report.eps(eps);
    return this;
  }

  /**
   * A named utilization (the report's {@code utilization} map).
   *
   * @param name the resource
   * @param utilization from 0 to 1
   * @return this recorder
   */
  public ServerMetricRecorder setUtilization(String name, double utilization) {
    report.utilization(name, utilization);
    return this;
  }

  /**
   * A named metric (the report's {@code named_metrics} map).
   *
   * @param name the metric
   * @param value its value
   * @return this recorder
   */
  public ServerMetricRecorder setNamedMetric(String name, double value) {
    report.namedMetric(name, value);
    return this;
  }
}
