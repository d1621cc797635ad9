package io.conduit.services.internal.channelz;

import io.conduit.ServerCallTracer;
import io.conduit.Status;
import io.conduit.internal.channelz.ChannelzHooks;

/**
 * Counts a server's calls through the runtime's stats hook: a call starts when its headers
 * arrive (calls to methods the server lacks included) and ends with the status it got. Learns
 * the server's connections when the server is built.
 */
final class CountingServerTracer implements ServerCallTracer.Factory, ChannelzHooks.ServerHook {
  private final ChannelzRegistry.ServerEntry entry;
  private final CallCounter counter;
  /** Every call's tracer: it keeps no state of the call, so one serves all and costs none. */
  private final ServerCallTracer ending;

  CountingServerTracer(ChannelzRegistry.ServerEntry entry) {
    this.entry = entry;
    this.counter = entry.calls;
    CallCounter c = counter;
    this.ending = new ServerCallTracer() {
      @Override
      public void callEnded(Status status) {
        c.callEnded(status.isOk());
      }
    };
  }

  @Override
  public void serverCreated(ChannelzHooks.ServerView server) {
    entry.view = server;
  }

  @Override
  public ServerCallTracer newCallTracer(ServerCallTracer.CallInfo call) {
    counter.callStarted();
    return ending;
  }
}
