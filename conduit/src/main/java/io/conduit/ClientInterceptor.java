package io.conduit;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Wraps client calls: to add headers, log, measure, authenticate... Usually returns a
 * {@link ForwardingClientCall} around {@code next.newCall(method, options)}.
 */
@FunctionalInterface
public interface ClientInterceptor {
  /**
   * {@return the call to use for {@code method}, usually one that wraps {@code next.newCall}}
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method being called
   * @param options the call's options
   * @param next the rest of the chain, ending at the channel
   */
  <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, CallFactory next);

  /**
   * An interceptor that adds {@code headers} to every call's request headers, e.g. an API key:
   * {@code GreeterRpc.newBlockingClient(channel).withInterceptors(ClientInterceptor.attachHeaders(md))}.
   *
   * @param headers the headers to add; copied
   * @return the interceptor
   */
  static ClientInterceptor attachHeaders(Metadata headers) {
    Metadata extra = new Metadata(headers);
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, CallFactory next) {
        return new ForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata requestHeaders) {
            requestHeaders.merge(extra);
            super.start(listener, requestHeaders);
          }
        };
      }
    };
  }

  /**
   * An interceptor that stores each call's response headers and trailers, for successful and
   * failed calls alike (grpc-java's {@code MetadataUtils.newCaptureMetadataInterceptor}):
   * {@code client.withInterceptors(ClientInterceptor.captureMetadata(headers, trailers))}. Both
   * references are cleared when a call starts, so after a call they hold that call's metadata
   * ({@code headers} stays {@code null} when the server sent none, e.g. a trailers-only error).
   * Share one pair of references only among calls made one after another.
   *
   * @param headers receives the response headers; may be {@code null} to skip them
   * @param trailers receives the trailers; may be {@code null} to skip them
   * @return the interceptor; use a new one per call, as it keeps the last call's metadata
   */
  static ClientInterceptor captureMetadata(
      AtomicReference<Metadata> headers, AtomicReference<Metadata> trailers) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, CallFactory next) {
        return new ForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata requestHeaders) {
            // Cleared first, so a reused client never shows the previous call's metadata.
            if (headers != null) {
              headers.set(null);
            }
            if (trailers != null) {
              trailers.set(null);
            }
            super.start(new ForwardingClientCall.ForwardingListener<>(listener) {
              @Override
              public void onHeaders(Metadata responseHeaders) {
                if (headers != null) {
                  headers.set(responseHeaders);
                }
                super.onHeaders(responseHeaders);
              }

              @Override
              public void onClose(Status status, Metadata responseTrailers) {
                // Set before the listener hears of the close, so a blocking caller that returns
                // (or catches the failure) already sees them.
                if (trailers != null) {
                  trailers.set(responseTrailers);
                }
                super.onClose(status, responseTrailers);
              }
            }, requestHeaders);
          }
        };
      }
    };
  }

  /**
   * {@code factory} wrapped by {@code interceptors}; the first interceptor sees each call first.
   *
   * @param factory the channel (or any call factory) to wrap
   * @param interceptors the interceptors, outermost first
   * @return the wrapped factory
   */
  static CallFactory intercept(CallFactory factory, List<? extends ClientInterceptor> interceptors) {
    CallFactory result = factory;
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      ClientInterceptor interceptor = interceptors.get(i);
      CallFactory next = result;
      result = new CallFactory() {
        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
          return interceptor.interceptCall(method, options, next);
        }
      };
    }
    return result;
  }
}
