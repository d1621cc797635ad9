package io.conduit.opentelemetry.internal;

import io.conduit.Clock;
import io.conduit.ServerCallTracer;
import io.conduit.Status;
import io.opentelemetry.api.common.Attributes;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/** gRFC A66's server metrics: calls started, their duration and their message bytes. */
public final class MetricsServerTracer implements ServerCallTracer.Factory {
  private final Instruments instruments;
  private final Clock clock;
  private final boolean recordAllMethods;
  private final MethodAttributes.Cache attributes =
      new MethodAttributes.Cache(name -> Attributes.of(Instruments.METHOD, name));

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
    MethodAttributes method = attributes.get(
        MethodNames.metricName(call.fullMethodName(), call.registered(), recordAllMethods));
    if (instruments.serverCallStarted != null) {
      instruments.serverCallStarted.add(1, method.base());
    }
    return new CallMetrics(method, clock.nanoTime());
  }

  private static final AtomicLongFieldUpdater<CallMetrics> SENT =
      AtomicLongFieldUpdater.newUpdater(CallMetrics.class, "sent");
  private static final AtomicLongFieldUpdater<CallMetrics> RECEIVED =
      AtomicLongFieldUpdater.newUpdater(CallMetrics.class, "received");

  private final class CallMetrics implements ServerCallTracer {
    private final MethodAttributes method;
    private final long start;
    /** Messages are counted on the transport's thread and the handler's: updated atomically. */
    private volatile long sent;
    private volatile long received;

    CallMetrics(MethodAttributes method, long start) {
      this.method = method;
      this.start = start;
    }

    @Override
    public void inboundMessage(int seqNo, long size, long wireSize) {
      RECEIVED.getAndAdd(this, wireSize);
    }

    @Override
    public void outboundMessage(int seqNo, long size, long wireSize) {
      SENT.getAndAdd(this, wireSize);
    }

    @Override
    public void callEnded(Status status) {
      Attributes a = method.withStatus(status.code());
      if (instruments.serverCallDuration != null) {
        instruments.serverCallDuration.record((clock.nanoTime() - start) / 1e9, a);
      }
      if (instruments.serverCallSent != null) {
        instruments.serverCallSent.record(sent, a);
      }
      if (instruments.serverCallRcvd != null) {
        instruments.serverCallRcvd.record(received, a);
      }
    }
  }
}
