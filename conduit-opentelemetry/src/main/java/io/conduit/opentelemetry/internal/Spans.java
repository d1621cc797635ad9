package io.conduit.opentelemetry.internal;

import io.conduit.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/** What gRFC A72 puts on spans: message events and the status. */
final class Spans {
  static final AttributeKey<Long> SEQUENCE = AttributeKey.longKey("sequence-number");
  static final AttributeKey<Long> SIZE = AttributeKey.longKey("message-size");
  static final AttributeKey<Long> SIZE_COMPRESSED = AttributeKey.longKey("message-size-compressed");
  static final AttributeKey<Long> PREVIOUS_ATTEMPTS = AttributeKey.longKey("previous-rpc-attempts");
  static final AttributeKey<Boolean> TRANSPARENT_RETRY = AttributeKey.booleanKey("transparent-retry");

  private Spans() {}

  /** An "Outbound message" or "Inbound message" event; a compressed size when it differs. */
  static void message(Span span, String event, int seqNo, long size, long wireSize) {
    AttributesBuilder a = Attributes.builder().put(SEQUENCE, (long) seqNo).put(SIZE, size);
    if (wireSize != size) {
      a.put(SIZE_COMPRESSED, wireSize);
    }
    span.addEvent(event, a.build());
  }

  /**
   * OK stays OK; any other code is an error described by the code and the message, as grpc-java
   * writes it ({@code NOT_FOUND: no such thing}), so that both read alike in one trace.
   */
  static void end(Span span, Status status) {
    if (status.isOk()) {
      span.setStatus(StatusCode.OK);
    } else {
      String d = status.description();
      span.setStatus(StatusCode.ERROR, d == null ? status.code().name() : status.code().name() + ": " + d);
    }
    span.end();
  }
}
