package io.conduit.services.internal.channelz;

import io.conduit.CallOptions;
import io.conduit.ChannelTracer;
import io.conduit.ClientCallTracer;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.internal.channelz.ChannelzHooks;

/**
 * Counts a channel's calls through the runtime's stats hook (a call, not its attempts: a retried
 * call counts once), and learns the channel's target and subchannels when the channel is built.
 */
final class CountingChannelTracer implements ChannelTracer.Factory, ChannelzHooks.ChannelHook {
  private static final ClientCallTracer.Attempt ATTEMPT = new ClientCallTracer.Attempt() {};

  private final ChannelzRegistry.ChannelEntry entry;

  CountingChannelTracer(ChannelzRegistry.ChannelEntry entry) {
    this.entry = entry;
  }

  @Override
  public void channelCreated(ChannelzHooks.ChannelView channel) {
    entry.view = channel;
  }

  @Override
  public ChannelTracer newChannelTracer(String target) {
    entry.target = target;
    CallCounter counter = entry.calls;
    // Keeps no state of the call: one tracer serves every call and costs none.
    ClientCallTracer call = new ClientCallTracer() {
      @Override
      public Attempt newAttempt(AttemptInfo info) {
        return ATTEMPT;
      }

      @Override
      public void callEnded(Status status) {
        counter.callEnded(status.isOk());
      }
    };
    return new ChannelTracer() {
      @Override
      public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
        counter.callStarted();
        return call;
      }
    };
  }
}
