package io.conduit.services.internal.channelz;

import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.Status;

/** Counts a server's calls: started as the handler gets them, ended as the server closes them. */
final class CountingServerInterceptor implements ServerInterceptor {
  private final CallCounter counter;

  CountingServerInterceptor(CallCounter counter) {
    this.counter = counter;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    counter.callStarted();
    return next.startCall(new ForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        counter.callEnded(status.isOk());
        super.close(status, trailers);
      }
    }, headers);
  }
}
