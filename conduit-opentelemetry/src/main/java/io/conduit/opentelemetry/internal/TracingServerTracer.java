package io.conduit.opentelemetry.internal;

import io.conduit.ServerCallTracer;
import io.conduit.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * gRFC A72 on the server: a {@code Recv.<service>.<method>} span per call, child of the span the
 * client propagated (a new trace when it sent none, or one that cannot be read). The span's
 * context rides in the call's context, for {@link ServerContextInterceptor} to make current
 * while the handler runs.
 */
public final class TracingServerTracer implements ServerCallTracer.Factory {
  /** The OpenTelemetry context of the call, in the Conduit context its handler runs in. */
  public static final io.conduit.Context.Key<Context> OTEL_CONTEXT =
      io.conduit.Context.Key.of("opentelemetry-context");

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public TracingServerTracer(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public ServerCallTracer newCallTracer(ServerCallTracer.CallInfo call) {
    Context parent = propagator.extract(Context.root(), call.headers(), MetadataCarrier.INSTANCE);
    Span span = tracer.spanBuilder(MethodNames.spanName("Recv", call.fullMethodName()))
        .setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
    return new CallSpan(parent.with(span), span);
  }

  private static final class CallSpan implements ServerCallTracer {
    private final Context context;
    private final Span span;

    CallSpan(Context context, Span span) {
      this.context = context;
      this.span = span;
    }

    @Override
    public io.conduit.Context filterContext(io.conduit.Context conduitContext) {
      return conduitContext.withValue(OTEL_CONTEXT, context);
    }

    @Override
    public void inboundMessage(int seqNo, long size, long wireSize) {
      Spans.message(span, "Inbound message", seqNo, size, wireSize);
    }

    @Override
    public void outboundMessage(int seqNo, long size, long wireSize) {
      Spans.message(span, "Outbound message", seqNo, size, wireSize);
    }

    @Override
    public void callEnded(Status status) {
      Spans.end(span, status);
    }
  }
}
