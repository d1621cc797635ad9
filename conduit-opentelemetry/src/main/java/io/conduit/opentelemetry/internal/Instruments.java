package io.conduit.opentelemetry.internal;

import static io.conduit.opentelemetry.internal.MetricNames.*;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;
import java.util.Set;

/**
 * The instruments of the enabled metrics, with the kinds, units and bucket advice gRFC A66, A94
 * and A96 give; a disabled metric's instrument is null and is never recorded.
 */
public final class Instruments {
  public static final AttributeKey<String> METHOD = AttributeKey.stringKey("grpc.method");
  public static final AttributeKey<String> TARGET = AttributeKey.stringKey("grpc.target");
  public static final AttributeKey<String> STATUS = AttributeKey.stringKey("grpc.status");
  public static final AttributeKey<String> DISCONNECT = AttributeKey.stringKey(DISCONNECT_ERROR);

  final LongCounter clientAttemptStarted;
  final DoubleHistogram clientAttemptDuration;
  final LongHistogram clientAttemptSent;
  final LongHistogram clientAttemptRcvd;
  final DoubleHistogram clientCallDuration;
  final LongHistogram clientRetries;
  final LongHistogram clientTransparentRetries;
  final LongHistogram clientHedges;
  final DoubleHistogram clientRetryDelay;
  final LongCounter serverCallStarted;
  final DoubleHistogram serverCallDuration;
  final LongHistogram serverCallSent;
  final LongHistogram serverCallRcvd;
  final LongCounter subchannelSucceeded;
  final LongCounter subchannelFailed;
  final LongCounter subchannelDisconnections;
  final LongUpDownCounter subchannelOpenConnections;
  final boolean disconnectErrorLabel;

  public Instruments(Meter meter, Set<String> enabled, Set<String> optionalLabels) {
    clientAttemptStarted = enabled.contains(CLIENT_ATTEMPT_STARTED) ? meter.counterBuilder(CLIENT_ATTEMPT_STARTED)
        .setUnit("{attempt}").setDescription("Number of client call attempts started.").build() : null;
    clientAttemptDuration = latency(meter, enabled, CLIENT_ATTEMPT_DURATION,
        "Time taken to complete a client call attempt.");
    clientAttemptSent = size(meter, enabled, CLIENT_ATTEMPT_SENT,
        "Compressed message bytes sent per client call attempt.");
    clientAttemptRcvd = size(meter, enabled, CLIENT_ATTEMPT_RCVD,
        "Compressed message bytes received per client call attempt.");
    clientCallDuration = latency(meter, enabled, CLIENT_CALL_DURATION,
        "Time taken by the gRPC library to complete a client call.");
    clientRetries = counts(meter, enabled, CLIENT_CALL_RETRIES, "{retry}", RETRY_BUCKETS,
        "Number of retries during the client call. If there were no retries, 0 is not reported.");
    clientTransparentRetries = counts(meter, enabled, CLIENT_CALL_TRANSPARENT_RETRIES,
        "{transparent_retry}", TRANSPARENT_RETRY_BUCKETS, "Number of transparent retries during "
            + "the client call. If there were no transparent retries, 0 is not reported.");
    clientHedges = counts(meter, enabled, CLIENT_CALL_HEDGES, "{hedge}", RETRY_BUCKETS,
        "Number of hedges during the client call. If there were no hedges, 0 is not reported.");
    clientRetryDelay = latency(meter, enabled, CLIENT_CALL_RETRY_DELAY,
        "Total time of delay while there is no active attempt during the client call.");
    serverCallStarted = enabled.contains(SERVER_CALL_STARTED) ? meter.counterBuilder(SERVER_CALL_STARTED)
        .setUnit("{call}").setDescription("Number of server calls started.").build() : null;
    serverCallDuration = latency(meter, enabled, SERVER_CALL_DURATION,
        "Time taken to complete a call from the server transport's perspective.");
    serverCallSent = size(meter, enabled, SERVER_CALL_SENT, "Compressed message bytes sent per server call.");
    serverCallRcvd = size(meter, enabled, SERVER_CALL_RCVD, "Compressed message bytes received per server call.");
    subchannelSucceeded = counter(meter, enabled, SUBCHANNEL_SUCCEEDED, "{attempt}",
        "Number of successful connection attempts.");
    subchannelFailed = counter(meter, enabled, SUBCHANNEL_FAILED, "{attempt}",
        "Number of failed connection attempts.");
    subchannelDisconnections = counter(meter, enabled, SUBCHANNEL_DISCONNECTIONS, "{disconnection}",
        "Number of times the selected subchannel becomes disconnected.");
    subchannelOpenConnections = enabled.contains(SUBCHANNEL_OPEN_CONNECTIONS)
        ? meter.upDownCounterBuilder(SUBCHANNEL_OPEN_CONNECTIONS).setUnit("{connection}")
            .setDescription("Number of open connections.").build()
        : null;
    disconnectErrorLabel = optionalLabels.contains(DISCONNECT_ERROR);
  }

  private static LongCounter counter(Meter meter, Set<String> enabled, String name, String unit,
      String description) {
    return enabled.contains(name)
        ? meter.counterBuilder(name).setUnit(unit).setDescription(description).build() : null;
  }

  private static DoubleHistogram latency(Meter meter, Set<String> enabled, String name, String description) {
    return enabled.contains(name) ? meter.histogramBuilder(name).setUnit("s").setDescription(description)
        .setExplicitBucketBoundariesAdvice(LATENCY_BUCKETS).build() : null;
  }

  private static LongHistogram size(Meter meter, Set<String> enabled, String name, String description) {
    return counts(meter, enabled, name, "By", SIZE_BUCKETS, description);
  }

  private static LongHistogram counts(Meter meter, Set<String> enabled, String name, String unit,
      List<Long> buckets, String description) {
    return enabled.contains(name) ? meter.histogramBuilder(name).ofLongs().setUnit(unit)
        .setDescription(description).setExplicitBucketBoundariesAdvice(buckets).build() : null;
  }

  /** Whether any client-side per-call metric is on (else calls need no metrics tracer at all). */
  boolean anyClientCallMetric() {
    return clientAttemptStarted != null || clientAttemptDuration != null || clientAttemptSent != null
        || clientAttemptRcvd != null || clientCallDuration != null || clientRetries != null
        || clientTransparentRetries != null || clientHedges != null || clientRetryDelay != null;
  }

  boolean anyServerMetric() {
    return serverCallStarted != null || serverCallDuration != null || serverCallSent != null
        || serverCallRcvd != null;
  }
}
