package io.conduit.internal;

import io.conduit.CallOptions;
import io.conduit.ChannelTracer;
import io.conduit.ClientCallTracer;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The tracers of one channel as one: each event goes to every tracer, and what a tracer throws
 * is logged and stops there. A channel without tracers has none of this ({@link #of} is null).
 */
final class ChannelTracers {
  private static final System.Logger LOG = System.getLogger(ChannelTracers.class.getName());

  private final ChannelTracer[] tracers;

  private ChannelTracers(ChannelTracer[] tracers) {
    this.tracers = tracers;
  }

  /** The channel's tracers, or null when it has none. */
  static ChannelTracers of(List<ChannelTracer.Factory> factories, String target) {
    List<ChannelTracer> made = new ArrayList<>();
    for (ChannelTracer.Factory f : factories) {
      ChannelTracer t = f.newChannelTracer(target);
      if (t != null) {
        made.add(t);
      }
    }
    return made.isEmpty() ? null : new ChannelTracers(made.toArray(new ChannelTracer[0]));
  }

  /** The tracer of a new call, or null when no tracer wants it. */
  ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
    ClientCallTracer[] made = new ClientCallTracer[tracers.length];
    int n = 0;
    for (ChannelTracer t : tracers) {
      try {
        ClientCallTracer c = t.newCallTracer(method, options);
        if (c != null) {
          made[n++] = c;
        }
      } catch (RuntimeException e) {
        thrown(e);
      }
    }
    return n == 0 ? null
        : new CallTracers(n == made.length ? made : java.util.Arrays.copyOf(made, n));
  }

  void connectionOpened(SocketAddress address) {
    each(tracers, t -> t.connectionOpened(address));
  }

  void connectionFailed(SocketAddress address, Status reason) {
    each(tracers, t -> t.connectionFailed(address, reason));
  }

  void connectionClosed(SocketAddress address, String reason) {
    each(tracers, t -> t.connectionClosed(address, reason));
  }

  static void thrown(RuntimeException e) {
    LOG.log(Level.WARNING, "a tracer threw; the call goes on", e);
  }

  /** Tells each tracer (null ones skipped); what one throws is logged and the others still hear. */
  static <T> void each(T[] tracers, Consumer<T> event) {
    for (T t : tracers) {
      if (t != null) {
        try {
          event.accept(t);
        } catch (RuntimeException e) {
          thrown(e);
        }
      }
    }
  }

  /** One call's tracers as one. */
  private static final class CallTracers implements ClientCallTracer {
    private final ClientCallTracer[] calls;

    CallTracers(ClientCallTracer[] calls) {
      this.calls = calls;
    }

    @Override
    public Attempt newAttempt(AttemptInfo info) {
      Attempt[] attempts = new Attempt[calls.length];
      for (int i = 0; i < calls.length; i++) {
        try {
          attempts[i] = calls[i].newAttempt(info);
        } catch (RuntimeException e) {
          // This tracer does not see the attempt; the others do.
          thrown(e);
        }
      }
      return new AttemptTracers(attempts);
    }

    @Override
    public void nameResolutionDelayed(long nanos) {
      for (ClientCallTracer c : calls) {
        try {
          c.nameResolutionDelayed(nanos);
        } catch (RuntimeException e) {
          thrown(e);
        }
      }
    }

    @Override
    public void callEnded(Status status) {
      for (ClientCallTracer c : calls) {
        try {
          c.callEnded(status);
        } catch (RuntimeException e) {
          thrown(e);
        }
      }
    }
  }

  /**
   * One attempt's tracers as one; a tracer that made no attempt tracer (null) is skipped. Plain
   * loops, not {@link #each} with lambdas that capture each event's arguments: these run for
   * every message of every traced call, and allocate nothing.
   */
  private static final class AttemptTracers implements ClientCallTracer.Attempt {
    private final ClientCallTracer.Attempt[] attempts;

    AttemptTracers(ClientCallTracer.Attempt[] attempts) {
      this.attempts = attempts;
    }

    @Override
    public void streamStarted(io.conduit.Metadata headers, boolean pickDelayed) {
      for (ClientCallTracer.Attempt a : attempts) {
        if (a != null) {
          try {
            a.streamStarted(headers, pickDelayed);
          } catch (RuntimeException e) {
            thrown(e);
          }
        }
      }
    }

    @Override
    public void outboundMessage(int seqNo, long size, long wireSize) {
      for (ClientCallTracer.Attempt a : attempts) {
        if (a != null) {
          try {
            a.outboundMessage(seqNo, size, wireSize);
          } catch (RuntimeException e) {
            thrown(e);
          }
        }
      }
    }

    @Override
    public void inboundHeaders(io.conduit.Metadata headers) {
      for (ClientCallTracer.Attempt a : attempts) {
        if (a != null) {
          try {
            a.inboundHeaders(headers);
          } catch (RuntimeException e) {
            thrown(e);
          }
        }
      }
    }

    @Override
    public void inboundMessage(int seqNo, long size, long wireSize) {
      for (ClientCallTracer.Attempt a : attempts) {
        if (a != null) {
          try {
            a.inboundMessage(seqNo, size, wireSize);
          } catch (RuntimeException e) {
            thrown(e);
          }
        }
      }
    }

    @Override
    public void attemptEnded(Status status, io.conduit.Metadata trailers) {
      for (ClientCallTracer.Attempt a : attempts) {
        if (a != null) {
          try {
            a.attemptEnded(status, trailers);
          } catch (RuntimeException e) {
            thrown(e);
          }
        }
      }
    }
  }
}
