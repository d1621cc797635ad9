package io.conduit.internal;

import io.conduit.Context;
import io.conduit.Metadata;
import io.conduit.ServerCallTracer;
import io.conduit.Status;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One server call's tracers as one: every event goes to each, what a tracer throws stops there,
 * and {@link #callEnded} passes once however the call ends (the handler's close on its thread
 * and a reset on the transport's may race).
 *
 * <p>On the call path of every traced call, so it allocates nothing per event: plain loops, not
 * lambdas that capture the event's arguments, and a field updater rather than an atomic object.
 */
final class ServerTracers implements ServerCallTracer {
  private static final AtomicIntegerFieldUpdater<ServerTracers> ENDED =
      AtomicIntegerFieldUpdater.newUpdater(ServerTracers.class, "ended");

  private final ServerCallTracer[] tracers;
  private volatile int ended;

  private ServerTracers(ServerCallTracer[] tracers) {
    this.tracers = tracers;
  }

  /** The tracers of a call that is arriving, or null when no factory traces it. */
  static ServerTracers of(List<ServerCallTracer.Factory> factories, CallInfo call) {
    int size = factories.size();
    if (size == 0) {
      return null;
    }
    ServerCallTracer[] made = new ServerCallTracer[size];
    int n = 0;
    for (int i = 0; i < size; i++) {
      try {
        ServerCallTracer t = factories.get(i).newCallTracer(call);
        if (t != null) {
          made[n++] = t;
        }
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
    return n == 0 ? null : new ServerTracers(n == size ? made : Arrays.copyOf(made, n));
  }

  @Override
  public Context filterContext(Context context) {
    Context c = context;
    for (ServerCallTracer t : tracers) {
      try {
        Context filtered = t.filterContext(c);
        if (filtered != null) {
          c = filtered;
        }
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
    return c;
  }

  @Override
  public void outboundHeaders(Metadata headers) {
    for (ServerCallTracer t : tracers) {
      try {
        t.outboundHeaders(headers);
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
  }

  @Override
  public void inboundMessage(int seqNo, long size, long wireSize) {
    for (ServerCallTracer t : tracers) {
      try {
        t.inboundMessage(seqNo, size, wireSize);
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
  }

  @Override
  public void outboundMessage(int seqNo, long size, long wireSize) {
    for (ServerCallTracer t : tracers) {
      try {
        t.outboundMessage(seqNo, size, wireSize);
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
  }

  @Override
  public void callEnded(Status status) {
    if (!ENDED.compareAndSet(this, 0, 1)) {
      return;
    }
    for (ServerCallTracer t : tracers) {
      try {
        t.callEnded(status);
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
  }
}
