package io.conduit;

import java.util.List;

/**
 * Wraps client calls: to add headers, log, measure, authenticate... Usually returns a
 * {@link ForwardingClientCall} around {@code next.newCall(method, options)}.
 */
@FunctionalInterface
public interface ClientInterceptor {
  <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, CallFactory next);

  /**
   * An interceptor that adds {@code headers} to every call's request headers, e.g. an API key:
   * {@code GreeterRpc.newBlockingClient(channel).withInterceptors(ClientInterceptor.attachHeaders(md))}.
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
   * {@code factory} wrapped by {@code interceptors}; the first interceptor sees each call first.
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
