package io.conduit.internal;

import io.conduit.Context;
import io.conduit.Metadata;
import io.conduit.ServerCallTracer;
import io.conduit.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One server call's tracers as one: every event goes to each, what a tracer throws stops there,
 * and {@link #callEnded} passes once however the call ends (the handler's close on its thread
 * and a reset on the transport's may race).
 */
final class ServerTracers implements ServerCallTracer {
  private final ServerCallTracer[] tracers;
  private final AtomicBoolean ended = new AtomicBoolean();

  private ServerTracers(ServerCallTracer[] tracers) {
    this.tracers = tracers;
  }

  /** The tracers of a call that is arriving, or null when no factory traces it. */
  static ServerTracers of(List<ServerCallTracer.Factory> factories, CallInfo call) {
    if (factories.isEmpty()) {
      return null;
    }
    List<ServerCallTracer> made = new ArrayList<>(factories.size());
    for (ServerCallTracer.Factory f : factories) {
      try {
        ServerCallTracer t = f.newCallTracer(call);
        if (t != null) {
          made.add(t);
        }
      } catch (RuntimeException e) {
        ChannelTracers.thrown(e);
      }
    }
    return made.isEmpty() ? null : new ServerTracers(made.toArray(new ServerCallTracer[0]));
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
    ChannelTracers.each(tracers, t -> t.outboundHeaders(headers));
  }

  @Override
  public void inboundMessage(int seqNo, long size, long wireSize) {
    ChannelTracers.each(tracers, t -> t.inboundMessage(seqNo, size, wireSize));
  }

  @Override
  public void outboundMessage(int seqNo, long size, long wireSize) {
    ChannelTracers.each(tracers, t -> t.outboundMessage(seqNo, size, wireSize));
  }

  @Override
  public void callEnded(Status status) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    ChannelTracers.each(tracers, t -> t.callEnded(status));
  }
}
