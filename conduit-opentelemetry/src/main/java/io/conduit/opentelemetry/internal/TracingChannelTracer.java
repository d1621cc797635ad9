package io.conduit.opentelemetry.internal;

import io.conduit.CallOptions;
import io.conduit.ChannelTracer;
import io.conduit.ClientCallTracer;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * gRFC A72 on the client: a {@code Sent.<service>.<method>} span per call, child of the caller's
 * current span, and an {@code Attempt.<service>.<method>} span per attempt under it, whose
 * context goes to the server in the request headers.
 */
public final class TracingChannelTracer implements ChannelTracer {
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public TracingChannelTracer(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  @Override
  public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
    Context parent = Context.current();
    Span call = tracer.spanBuilder(MethodNames.spanName("Sent", method.fullMethodName()))
        .setParent(parent).setSpanKind(SpanKind.INTERNAL).startSpan();
    return new CallSpan(parent.with(call), call, method.fullMethodName());
  }

  private final class CallSpan implements ClientCallTracer {
    private final Context context;
    private final Span span;
    private final String fullMethodName;

    CallSpan(Context context, Span span, String fullMethodName) {
      this.context = context;
      this.span = span;
      this.fullMethodName = fullMethodName;
    }

    @Override
    public Attempt newAttempt(AttemptInfo info) {
      Span attempt = tracer.spanBuilder(MethodNames.spanName("Attempt", fullMethodName))
          .setParent(context).setSpanKind(SpanKind.CLIENT)
          .setAttribute(Spans.PREVIOUS_ATTEMPTS, (long) info.previousAttempts())
          .setAttribute(Spans.TRANSPARENT_RETRY, info.transparentRetry())
          .startSpan();
      return new AttemptSpan(context.with(attempt), attempt);
    }

    @Override
    public void nameResolutionDelayed(long nanos) {
      span.addEvent("Delayed name resolution complete");
    }

    @Override
    public void callEnded(Status status) {
      Spans.end(span, status);
    }
  }

  private final class AttemptSpan implements ClientCallTracer.Attempt {
    private final Context context;
    private final Span span;

    AttemptSpan(Context context, Span span) {
      this.context = context;
      this.span = span;
    }

    @Override
    public void streamStarted(Metadata headers, boolean pickDelayed) {
      if (pickDelayed) {
        span.addEvent("Delayed LB pick complete");
      }
      propagator.inject(context, headers, MetadataCarrier.INSTANCE);
    }

    @Override
    public void outboundMessage(int seqNo, long size, long wireSize) {
      Spans.message(span, "Outbound message", seqNo, size, wireSize);
    }

    @Override
    public void inboundMessage(int seqNo, long size, long wireSize) {
      Spans.message(span, "Inbound message", seqNo, size, wireSize);
    }

    @Override
    public void attemptEnded(Status status, Metadata trailers) {
      Spans.end(span, status);
    }
  }
}
