package io.conduit.xds.orca;

import io.conduit.Context;

/**
 * The load one call reports in its trailers (ORCA, gRFC A51), set by its handler:
 * {@code CallMetricRecorder.current().recordRequestCost("db_queries", 3)}. What it sets wins over
 * the server's {@link ServerMetricRecorder} for this call. Outside a call that
 * {@link OrcaReporting#interceptor} serves, {@link #current()} is a recorder nobody reads.
 * Thread-safe.
 */
public final class CallMetricRecorder {
  static final Context.Key<CallMetricRecorder> KEY = Context.Key.of("conduit-orca-call");
  final LoadReport report = new LoadReport();

  CallMetricRecorder() {}

  /** {@return the current call's recorder} */
  public static CallMetricRecorder current() {
    CallMetricRecorder r = Context.current().get(KEY);
    return r != null ? r : new CallMetricRecorder();
  }

  /**
   * This call's CPU utilization.
   *
   * @param utilization at least 0
   * @return this recorder
   */
  public CallMetricRecorder recordCpuUtilization(double utilization) {
    report.cpu(utilization);
    return this;
  }

  /**
   * This call's memory utilization.
   *
   * @param utilization from 0 to 1
   * @return this recorder
   */
  public CallMetricRecorder recordMemoryUtilization(double utilization) {
    report.memory(utilization);
    return this;
  }

  /**
   * This call's application utilization.
   *
   * @param utilization at least 0
   * @return this recorder
   */
  public CallMetricRecorder recordApplicationUtilization(double utilization) {
    report.application(utilization);
    return this;
  }

  /**
   * A cost of this call (the report's {@code request_cost} map).
   *
   * @param name what it cost
   * @param value how much
   * @return this recorder
   */
  public CallMetricRecorder recordRequestCost(String name, double value) {
    report.requestCost(name, value);
    return this;
  }

  /**
   * A named utilization for this call.
   *
   * @param name the resource
   * @param utilization from 0 to 1
   * @return this recorder
   */
  public CallMetricRecorder recordUtilization(String name, double utilization) {
    report.utilization(name, utilization);
    return this;
  }

  /**
   * A named metric for this call.
   *
   * @param name the metric
   * @param value its value
   * @return this recorder
   */
  public CallMetricRecorder recordNamedMetric(String name, double value) {
    report.namedMetric(name, value);
    return this;
  }
}
