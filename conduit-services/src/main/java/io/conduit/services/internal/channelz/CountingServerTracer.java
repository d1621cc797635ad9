package io.conduit.services.internal.channelz;

import io.conduit.ServerCallTracer;
import io.conduit.Status;

/**
 * Counts a server's calls through the runtime's stats hook: a call starts when its headers
 * arrive (calls to methods the server lacks included) and ends with the status it got.
 */
final class CountingServerTracer implements ServerCallTracer.Factory {
  private final CallCounter counter;

  CountingServerTracer(CallCounter counter) {
    this.counter = counter;
  }

  @Override
  public ServerCallTracer newCallTracer(ServerCallTracer.CallInfo call) {
    counter.callStarted();
    return new ServerCallTracer() {
      @Override
      public void callEnded(Status status) {
        counter.callEnded(status.isOk());
      }
    };
  }
}
