package io.conduit.examples;

import io.conduit.opentelemetry.ConduitOpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

/**
 * What the example servers observe themselves with: the OpenTelemetry SDK, its Prometheus
 * endpoint ({@code http://host:PORT/metrics}) for metrics and a log line per span, and
 * {@link ConduitOpenTelemetry} to feed both from Conduit's calls.
 */
public final class Observability implements AutoCloseable {
  private final OpenTelemetrySdk sdk;
  private final ConduitOpenTelemetry conduit;
  private final int metricsPort;

  private Observability(OpenTelemetrySdk sdk, ConduitOpenTelemetry conduit, int metricsPort) {
    this.sdk = sdk;
    this.conduit = conduit;
    this.metricsPort = metricsPort;
  }

  /** Metrics for Prometheus on {@code host:metricsPort} (0: a free port), spans to the log. */
  public static Observability start(String host, int metricsPort) {
    return start(host, metricsPort, ConduitOpenTelemetry::builder);
  }

  /** The same, with the module configured by {@code module} (tests use a fake clock). */
  public static Observability start(String host, int metricsPort,
      java.util.function.Function<OpenTelemetrySdk, ConduitOpenTelemetry.Builder> module) {
    if (metricsPort == 0) {
      // The exporter does not say which port it bound: take a free one first.
      metricsPort = freePort(host);
    }
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder()
            .registerMetricReader(PrometheusHttpServer.builder().setHost(host).setPort(metricsPort).build())
            .build())
        .setTracerProvider(SdkTracerProvider.builder()
            // Batched: exporting never runs on a call's thread.
            .addSpanProcessor(BatchSpanProcessor.builder(LoggingSpanExporter.create()).build())
            .build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    return new Observability(sdk, module.apply(sdk).build(), metricsPort);
  }

  private static int freePort(String host) {
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return probe.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Configures channels and servers to record into this. */
  public ConduitOpenTelemetry conduit() {
    return conduit;
  }

  public int metricsPort() {
    return metricsPort;
  }

  @Override
  public void close() {
    sdk.close();
  }
}
