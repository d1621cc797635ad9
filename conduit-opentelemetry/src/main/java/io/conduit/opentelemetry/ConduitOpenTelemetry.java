package io.conduit.opentelemetry;

import io.conduit.Channel;
import io.conduit.Clock;
import io.conduit.Configurator;
import io.conduit.Configurators;
import io.conduit.Server;
import io.conduit.opentelemetry.internal.Instruments;
import io.conduit.opentelemetry.internal.MetricNames;
import io.conduit.opentelemetry.internal.MetricsChannelTracer;
import io.conduit.opentelemetry.internal.MetricsServerTracer;
import io.conduit.opentelemetry.internal.ServerContextInterceptor;
import io.conduit.opentelemetry.internal.TracingChannelTracer;
import io.conduit.opentelemetry.internal.TracingServerTracer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * OpenTelemetry for Conduit: the metrics of gRFC A66 (and, when enabled, those of A94 and A96)
 * and the spans of gRFC A72, recorded through the application's {@link OpenTelemetry}.
 *
 * <pre>{@code
 * ConduitOpenTelemetry telemetry = ConduitOpenTelemetry.builder(openTelemetry).build();
 * Server server = telemetry.configure(Server.builder()).port(50051).service(greeter).build();
 * Channel channel = telemetry.configure(Channel.builder("dns:///greeter:50051")).build();
 * // or, for every channel and server built from now on:
 * telemetry.registerGlobal();
 * }</pre>
 *
 * <p>Spans propagate with the application's propagators ({@code traceparent} with W3C's; add
 * {@link GrpcTraceBinPropagator} for peers that use {@code grpc-trace-bin}). Recording happens
 * on the call's threads and takes no lock of the call; export is the SDK's, on its own threads.
 */
public final class ConduitOpenTelemetry implements Configurator {
  private final Instruments instruments;
  private final Clock clock;
  private final boolean recordAllMethods;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean tracing;

  private ConduitOpenTelemetry(Builder b) {
    Set<String> enabled = new HashSet<>(b.disableDefaults ? Set.of() : MetricNames.DEFAULT);
    enabled.addAll(b.enabled);
    enabled.removeAll(b.disabled);
    this.instruments = new Instruments(b.openTelemetry.getMeterProvider().meterBuilder(SCOPE)
        .setInstrumentationVersion(VERSION).build(), enabled, b.optionalLabels);
    this.clock = b.clock;
    this.recordAllMethods = b.recordAllMethods;
    this.tracing = b.tracing;
    this.tracer = b.openTelemetry.getTracerProvider().tracerBuilder(SCOPE)
        .setInstrumentationVersion(VERSION).build();
    this.propagator = b.openTelemetry.getPropagators().getTextMapPropagator();
  }

  /** The instrumentation scope of the metrics and spans. */
  public static final String SCOPE = "io.conduit";
  private static final String VERSION = "0.1.0";

  /**
   * A builder recording through {@code openTelemetry}.
   *
   * @param openTelemetry the SDK (or API) instance that meters and spans are created from
   * @return a builder with the defaults
   */
  public static Builder builder(OpenTelemetry openTelemetry) {
    return new Builder(openTelemetry);
  }

  /**
   * Metrics and tracing with the defaults.
   *
   * @param openTelemetry the SDK (or API) instance that meters and spans are created from
   * @return the configured instance
   */
  public static ConduitOpenTelemetry create(OpenTelemetry openTelemetry) {
    return builder(openTelemetry).build();
  }

  /** Adds this module's tracers to {@code builder}. */
  @Override
  public void configure(Channel.Builder builder) {
    builder.tracer(target -> new MetricsChannelTracer(instruments, clock, recordAllMethods, target));
    if (tracing) {
      builder.tracer(target -> new TracingChannelTracer(tracer, propagator));
    }
  }

  /** Adds this module's tracers (and the interceptor that runs handlers in their span) to {@code builder}. */
  @Override
  public void configure(Server.Builder builder) {
    builder.tracer(new MetricsServerTracer(instruments, clock, recordAllMethods));
    if (tracing) {
      builder.tracer(new TracingServerTracer(tracer, propagator));
      builder.intercept(ServerContextInterceptor.INSTANCE);
    }
  }

  /**
   * Configures {@code builder} and returns it, for chaining.
   *
   * @param builder the channel builder to configure
   * @return {@code builder}
   */
  public Channel.Builder configured(Channel.Builder builder) {
    configure(builder);
    return builder;
  }

  /**
   * Configures {@code builder} and returns it, for chaining.
   *
   * @param builder the server builder to configure
   * @return {@code builder}
   */
  public Server.Builder configured(Server.Builder builder) {
    configure(builder);
    return builder;
  }

  /**
   * Applies this to every channel and server built from now on; close to stop.
   *
   * @return the registration; closing it stops applying this to new builders
   */
  public Configurators.Registration registerGlobal() {
    return Configurators.registerGlobal(this);
  }

  /** Configures a {@link ConduitOpenTelemetry}. */
  public static final class Builder {
    private final OpenTelemetry openTelemetry;
    private final Set<String> enabled = new LinkedHashSet<>();
    private final Set<String> disabled = new LinkedHashSet<>();
    private final Set<String> optionalLabels = new LinkedHashSet<>();
    private boolean disableDefaults;
    private boolean recordAllMethods;
    private boolean tracing = true;
    private Clock clock = Clock.SYSTEM;

    private Builder(OpenTelemetry openTelemetry) {
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
    }

    /**
     * Turns metrics on by name, such as the experimental ones of gRFC A94
     * ({@code grpc.subchannel.*}) and A96 ({@code grpc.client.call.retries} and its kin).
     *
     * @param names the metric names, e.g. {@code grpc.subchannel.open_connections}
     * @return this builder
     * @throws IllegalArgumentException for a name this module does not record
     */
    public Builder enableMetrics(String... names) {
      for (String n : names) {
        enabled.add(check(n));
        disabled.remove(n);
      }
      return this;
    }

    /**
     * Turns metrics off by name.
     *
     * @param names the metric names, e.g. {@code grpc.client.attempt.duration}
     * @return this builder
     */
    public Builder disableMetrics(String... names) {
      for (String n : names) {
        disabled.add(check(n));
        enabled.remove(n);
      }
      return this;
    }

    /**
     * Whether the metrics gRFC A66 and A78 turn on by default are recorded (default true); with
     * {@code false} only the {@link #enableMetrics} names are.
     *
     * @param enabled whether the default metrics are recorded
     * @return this builder
     */
    public Builder defaultMetrics(boolean enabled) {
      disableDefaults = !enabled;
      return this;
    }

    /**
     * Adds optional labels where the metric has them ({@code grpc.disconnect_error} on
     * {@code grpc.subchannel.disconnections}).
     *
     * @param label the label's name, e.g. {@code grpc.disconnect_error}
     * @return this builder
     */
    public Builder addOptionalLabel(String label) {
      if (!MetricNames.OPTIONAL_LABELS.contains(label)) {
        throw new IllegalArgumentException("unknown optional label '" + label + "'; known: "
            + MetricNames.OPTIONAL_LABELS);
      }
      optionalLabels.add(label);
      return this;
    }

    /**
     * Records the names of every method in {@code grpc.method}, not only generated client
     * methods and methods the server has; by default the others are {@code "other"}, so that
     * arbitrary names from peers cannot grow a metric without bound (gRFC A66).
     *
     * @param enabled whether every method name is recorded as it is
     * @return this builder
     */
    public Builder recordAllMethodNames(boolean enabled) {
      this.recordAllMethods = enabled;
      return this;
    }

    /**
     * Whether to record spans (default true); metrics are recorded either way.
     *
     * @param enabled whether spans are recorded
     * @return this builder
     */
    public Builder tracing(boolean enabled) {
      this.tracing = enabled;
      return this;
    }

    /**
     * The clock durations are measured on (default {@link Clock#SYSTEM}); for tests.
     *
     * @param clock the clock that durations are measured on
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** {@return the configured instance} */
    public ConduitOpenTelemetry build() {
      return new ConduitOpenTelemetry(this);
    }

    private static String check(String name) {
      if (!MetricNames.DEFAULT.contains(name) && !MetricNames.EXPERIMENTAL.contains(name)) {
        List<String> known = new java.util.ArrayList<>(MetricNames.DEFAULT);
        known.addAll(MetricNames.EXPERIMENTAL);
        java.util.Collections.sort(known);
        throw new IllegalArgumentException("unknown metric '" + name + "'; known: " + known);
      }
      return name;
    }
  }
}
