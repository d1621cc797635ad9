package io.conduit.opentelemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Propagates the span context in the {@code grpc-trace-bin} header, the binary format of
 * OpenCensus that gRPC peers without W3C trace context use (gRFC A72). Add it to the
 * application's propagators beside W3C's when such peers call or are called:
 *
 * <pre>{@code
 * ContextPropagators.create(TextMapPropagator.composite(
 *     W3CTraceContextPropagator.getInstance(), GrpcTraceBinPropagator.getInstance()))
 * }</pre>
 *
 * <p>A header that cannot be read leaves the context as it was (a new trace starts).
 */
public final class GrpcTraceBinPropagator implements TextMapPropagator {
  /** The header's name. */
  public static final String HEADER = "grpc-trace-bin";
  private static final GrpcTraceBinPropagator INSTANCE = new GrpcTraceBinPropagator();
  private static final int LENGTH = 29;

  private GrpcTraceBinPropagator() {}

  /** {@return the propagator; it holds no state} */
  public static GrpcTraceBinPropagator getInstance() {
    return INSTANCE;
  }

  @Override
  public Collection<String> fields() {
    return List.of(HEADER);
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    SpanContext span = Span.fromContext(context).getSpanContext();
    if (!span.isValid() || setter == null) {
      return;
    }
    byte[] b = new byte[LENGTH];
    // version 0; field 0: trace id; field 1: span id; field 2: trace options.
    b[1] = 0;
    System.arraycopy(span.getTraceIdBytes(), 0, b, 2, 16);
    b[18] = 1;
    System.arraycopy(span.getSpanIdBytes(), 0, b, 19, 8);
    b[27] = 2;
    b[28] = span.getTraceFlags().asByte();
    setter.set(carrier, HEADER, Base64.getEncoder().encodeToString(b));
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    if (getter == null) {
      return context;
    }
    String value = getter.get(carrier, HEADER);
    if (value == null) {
      return context;
    }
    SpanContext span = parse(value);
    return span == null ? context : context.with(Span.wrap(span));
  }

  /** The span context in a header value, or null when it is malformed. */
  static SpanContext parse(String base64) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (b.length < LENGTH || b[0] != 0 || b[1] != 0 || b[18] != 1 || b[27] != 2) {
      return null;
    }
    String traceId = TraceId.fromBytes(java.util.Arrays.copyOfRange(b, 2, 18));
    String spanId = SpanId.fromBytes(java.util.Arrays.copyOfRange(b, 19, 27));
    SpanContext span = SpanContext.createFromRemoteParent(traceId, spanId,
        TraceFlags.fromByte((byte) (b[28] & 1)), TraceState.getDefault());
    return span.isValid() ? span : null;
  }

  @Override
  public String toString() {
    return "GrpcTraceBinPropagator";
  }
}
