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
