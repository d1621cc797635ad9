package io.conduit.opentelemetry.internal;

import io.conduit.CallOptions;
import io.conduit.ChannelTracer;
import io.conduit.ClientCallTracer;
import io.conduit.Clock;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.opentelemetry.api.common.Attributes;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The metrics of one channel: gRFC A66's per-call and per-attempt metrics, A96's retry metrics
 * and A94's subchannel metrics, recorded as the runtime's tracer hook reports events.
 */
public final class MetricsChannelTracer implements ChannelTracer {
  private final Instruments instruments;
  private final Clock clock;
  private final boolean recordAllMethods;
  private final String target;
  private final Attributes targetOnly;
  private final MethodAttributes.Cache attributes;

  public MetricsChannelTracer(Instruments instruments, Clock clock, boolean recordAllMethods,
      String target) {
    this.instruments = instruments;
    this.clock = clock;
    this.recordAllMethods = recordAllMethods;
    this.target = target;
    this.targetOnly = Attributes.of(Instruments.TARGET, target);
    this.attributes = new MethodAttributes.Cache(
        name -> Attributes.of(Instruments.METHOD, name, Instruments.TARGET, target));
  }

  @Override
  public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
    if (!instruments.anyClientCallMetric()) {
      return null;
    }
    String name = MethodNames.metricName(method.fullMethodName(), method.isGenerated(), recordAllMethods);
    return new CallMetrics(attributes.get(name));
  }

  @Override
  public void connectionOpened(SocketAddress address) {
    if (instruments.subchannelSucceeded != null) {
      instruments.subchannelSucceeded.add(1, targetOnly);
    }
    if (instruments.subchannelOpenConnections != null) {
      instruments.subchannelOpenConnections.add(1, targetOnly);
    }
  }

  @Override
  public void connectionFailed(SocketAddress address, Status reason) {
    if (instruments.subchannelFailed != null) {
      instruments.subchannelFailed.add(1, targetOnly);
    }
  }

  @Override
  public void connectionClosed(SocketAddress address, String reason) {
    if (instruments.subchannelDisconnections != null) {
      instruments.subchannelDisconnections.add(1, instruments.disconnectErrorLabel
          ? targetOnly.toBuilder().put(Instruments.DISCONNECT, reason).build() : targetOnly);
    }
    if (instruments.subchannelOpenConnections != null) {
      instruments.subchannelOpenConnections.add(-1, targetOnly);
    }
  }

  private static final AtomicLongFieldUpdater<CallMetrics.AttemptMetrics> ATTEMPT_SENT =
      AtomicLongFieldUpdater.newUpdater(CallMetrics.AttemptMetrics.class, "sent");
  private static final AtomicLongFieldUpdater<CallMetrics.AttemptMetrics> ATTEMPT_RECEIVED =
      AtomicLongFieldUpdater.newUpdater(CallMetrics.AttemptMetrics.class, "received");

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  /** One call: its duration, and its attempts, retries and the time between attempts (A96). */
  private final class CallMetrics implements ClientCallTracer {
    private final MethodAttributes method;
    private final Attributes attributes;
    private final long start = clock.nanoTime();
    // Guarded by this.
    private int activeAttempts;
    private int attempts;
    private long idleSince;
    private long retryDelayNanos;
    private int retries;
    private int transparentRetries;
    private int hedges;

    CallMetrics(MethodAttributes method) {
      this.method = method;
      this.attributes = method.base();
    }

    @Override
    public Attempt newAttempt(AttemptInfo info) {
      long now = clock.nanoTime();
      synchronized (this) {
        if (info.transparentRetry()) {
          transparentRetries++;
        } else if (info.hedge()) {
          hedges++;
        } else if (info.previousAttempts() > 0) {
          retries++;
        }
        if (activeAttempts == 0 && attempts > 0) {
          retryDelayNanos += now - idleSince;
        }
        activeAttempts++;
        attempts++;
      }
      if (instruments.clientAttemptStarted != null) {
        instruments.clientAttemptStarted.add(1, attributes);
      }
      return new AttemptMetrics(now);
    }

    private synchronized void attemptOver(long now) {
      activeAttempts--;
      if (activeAttempts == 0) {
        idleSince = now;
      }
    }

    @Override
    public void callEnded(Status status) {
      long now = clock.nanoTime();
      if (instruments.clientCallDuration != null) {
        instruments.clientCallDuration.record(seconds(now - start), method.withStatus(status.code()));
      }
      int r;
      int t;
      int h;
      long delay;
      synchronized (this) {
        r = retries;
        t = transparentRetries;
        h = hedges;
        delay = retryDelayNanos;
      }
      // A96: a count of 0 is not reported. The delay is every call's (0 s for one that never
      // tried again), as A96 defines it per call and grpc-java records it.
      if (instruments.clientRetries != null && r > 0) {
        instruments.clientRetries.record(r, attributes);
      }
      if (instruments.clientTransparentRetries != null && t > 0) {
        instruments.clientTransparentRetries.record(t, attributes);
      }
      if (instruments.clientHedges != null && h > 0) {
        instruments.clientHedges.record(h, attributes);
      }
      if (instruments.clientRetryDelay != null) {
        instruments.clientRetryDelay.record(seconds(delay), attributes);
      }
    }

    /** One attempt: from its creation (the pick included) to its end. */
    private final class AttemptMetrics implements Attempt {
      private final long attemptStart;
      /** Counted on the caller's thread and the transport's: updated atomically. */
      private volatile long sent;
      private volatile long received;

      AttemptMetrics(long attemptStart) {
        this.attemptStart = attemptStart;
      }

      @Override
      public void outboundMessage(int seqNo, long size, long wireSize) {
        ATTEMPT_SENT.getAndAdd(this, wireSize);
      }

      @Override
      public void inboundMessage(int seqNo, long size, long wireSize) {
        ATTEMPT_RECEIVED.getAndAdd(this, wireSize);
      }

      @Override
      public void attemptEnded(Status status, Metadata trailers) {
        long now = clock.nanoTime();
        Attributes a = method.withStatus(status.code());
        if (instruments.clientAttemptDuration != null) {
          instruments.clientAttemptDuration.record(seconds(now - attemptStart), a);
        }
        if (instruments.clientAttemptSent != null) {
          instruments.clientAttemptSent.record(sent, a);
        }
        if (instruments.clientAttemptRcvd != null) {
          instruments.clientAttemptRcvd.record(received, a);
        }
        attemptOver(now);
      }
    }
  }
}
