package io.conduit.xds.orca;

import io.conduit.xds.internal.proto.OrcaLoadReport;
import java.util.Map;

/** The ORCA load report a recorder builds; shared by the server and the call recorders. */
final class LoadReport {
  private final OrcaLoadReport.Builder report = OrcaLoadReport.newBuilder();

  synchronized void cpu(double v) {
    report.setCpuUtilization(nonNegative(v, "CPU utilization"));
  }

  synchronized void memory(double v) {
    report.setMemUtilization(fraction(v, "memory utilization"));
  }

  synchronized void application(double v) {
    report.setApplicationUtilization(nonNegative(v, "application utilization"));
  }

  synchronized void qps(double v) {
    report.setRpsFractional(nonNegative(v, "queries per second"));
  }

  synchronized void eps(double v) {
    report.setEps(nonNegative(v, "errors per second"));
  }

  synchronized void utilization(String name, double v) {
    report.putUtilization(name, fraction(v, "utilization " + name));
  }

  synchronized void requestCost(String name, double v) {
    report.putRequestCost(name, v);
  }

  synchronized void namedMetric(String name, double v) {
    report.putNamedMetrics(name, v);
  }

  /** This report over {@code base}: fields set here win, maps are merged. */
  synchronized OrcaLoadReport over(OrcaLoadReport base) {
    OrcaLoadReport.Builder merged = base.toBuilder();
    OrcaLoadReport mine = report.build();
    if (mine.getCpuUtilization() > 0) {
      merged.setCpuUtilization(mine.getCpuUtilization());
    }
    if (mine.getMemUtilization() > 0) {
      merged.setMemUtilization(mine.getMemUtilization());
    }
    if (mine.getApplicationUtilization() > 0) {
      merged.setApplicationUtilization(mine.getApplicationUtilization());
    }
    if (mine.getRpsFractional() > 0) {
      merged.setRpsFractional(mine.getRpsFractional());
    }
    if (mine.getEps() > 0) {
      merged.setEps(mine.getEps());
    }
    putAll(mine.getUtilizationMap(), merged::putUtilization);
    putAll(mine.getRequestCostMap(), merged::putRequestCost);
    putAll(mine.getNamedMetricsMap(), merged::putNamedMetrics);
    return merged.build();
  }

  synchronized OrcaLoadReport snapshot() {
    return report.build();
  }

  private static void putAll(Map<String, Double> from,
      java.util.function.BiConsumer<String, Double> to) {
    from.forEach(to);
  }

  private static double nonNegative(double v, String what) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(what + " must be a finite number of at least 0: " + v);
    }
    return v;
  }

  private static double fraction(double v, String what) {
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(what + " must be from 0 to 1: " + v);
    }
    return v;
  }
}
