package io.conduit.benchmarks;

import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.opentelemetry.ConduitOpenTelemetry;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * {@code --opentelemetry=metrics|all} of the benchmark server and client: what the call path costs
 * with the OpenTelemetry module on, set up as a production service would have it. {@code metrics}
 * records gRFC A66's metrics into the SDK behind a Prometheus endpoint (on an ephemeral loopback
 * port, scraped by nobody); {@code all} also traces every call (always sampled, batched, exported
 * to nowhere). Without the flag nothing is registered, which is the figure the others compare to.
 */
final class BenchmarkTelemetry {
  private final ConduitOpenTelemetry module;

  private BenchmarkTelemetry(ConduitOpenTelemetry module) {
    this.module = module;
  }

  /** The setting of {@code --opentelemetry}, or null when it is absent or {@code none}. */
  static BenchmarkTelemetry fromFlags(Flags flags) {
    String mode = flags.string("opentelemetry", "none");
    switch (mode) {
      case "none":
        return null;
      case "metrics":
      case "all":
        break;
      default:
        throw new IllegalArgumentException("--opentelemetry must be none, metrics or all: " + mode);
    }
    boolean tracing = mode.equals("all");
    var sdk = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder()
            .registerMetricReader(PrometheusHttpServer.builder().setHost("127.0.0.1").setPort(0).build())
            .build());
    if (tracing) {
      sdk.setTracerProvider(SdkTracerProvider.builder()
          .addSpanProcessor(BatchSpanProcessor.builder(new DiscardingExporter()).build())
          .build());
    }
    return new BenchmarkTelemetry(ConduitOpenTelemetry.builder(sdk.build()).tracing(tracing).build());
  }

  Server.Builder configure(Server.Builder builder) {
    return module.configured(builder);
  }

  Channel.Builder configure(Channel.Builder builder) {
    return module.configured(builder);
  }

  /** Spans are made, batched and handed over; the hand-over itself is not what is measured. */
  private static final class DiscardingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
