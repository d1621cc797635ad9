package io.conduit.opentelemetry.internal;

import io.conduit.Clock;
import io.conduit.ServerCallTracer;
import io.conduit.Status;
import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.atomic.AtomicLong;

/** gRFC A66's server metrics: calls started, their duration and their message bytes. */
public final class MetricsServerTracer implements ServerCallTracer.Factory {
  private final Instruments instruments;
  private final Clock clock;
  private final boolean recordAllMethods;

  public MetricsServerTracer(Instruments instruments, Clock clock, boolean recordAllMethods) {
    this.instruments = instruments;
    this.clock = clock;
    this.recordAllMethods = recordAllMethods;
  }

  @Override
  public ServerCallTracer newCallTracer(ServerCallTracer.CallInfo call) {
    if (!instruments.anyServerMetric()) {
      return null;
    }
    Attributes attributes = Attributes.of(Instruments.METHOD,
        MethodNames.metricName(call.fullMethodName(), call.registered(), recordAllMethods));
    if (instruments.serverCallStarted != null) {
      instruments.serverCallStarted.add(1, attributes);
    }
    return new CallMetrics(attributes, clock.nanoTime());
  }

  private final class CallMetrics implements ServerCallTracer {
    private final Attributes attributes;
    private final long start;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();

    CallMetrics(Attributes attributes, long start) {
      this.attributes = attributes;
      this.start = start;
    }

    @Override
    public void inboundMessage(int seqNo, long size, long wireSize) {
      received.addAndGet(wireSize);
    }

    @Override
    public void outboundMessage(int seqNo, long size, long wireSize) {
      sent.addAndGet(wireSize);
    }

    @Override
    public void callEnded(Status status) {
      Attributes a = attributes.toBuilder().put(Instruments.STATUS, status.code().name()).build();
      if (instruments.serverCallDuration != null) {
        instruments.serverCallDuration.record((clock.nanoTime() - start) / 1e9, a);
      }
      if (instruments.serverCallSent != null) {
        instruments.serverCallSent.record(sent.get(), a);
      }
      if (instruments.serverCallRcvd != null) {
        instruments.serverCallRcvd.record(received.get(), a);
      }
    }
  }
}
