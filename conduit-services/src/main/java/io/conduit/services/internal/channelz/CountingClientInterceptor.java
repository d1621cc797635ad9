package io.conduit.services.internal.channelz;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.ForwardingClientCall;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.ClientInterceptor;
import io.conduit.Status;

/** Counts a channel's calls: started when the application starts them, ended with their status. */
final class CountingClientInterceptor implements ClientInterceptor {
  private final CallCounter counter;

  CountingClientInterceptor(CallCounter counter) {
    this.counter = counter;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
      CallFactory next) {
    return new ForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        counter.callStarted();
        super.start(new Listener<>() {
          @Override
          public void onHeaders(Metadata h) {
            listener.onHeaders(h);
          }

          @Override
          public void onMessage(R message) {
            listener.onMessage(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            counter.callEnded(status.isOk());
            listener.onClose(status, trailers);
          }

          @Override
          public void onReady() {
            listener.onReady();
          }
        }, headers);
      }
    };
  }
}
