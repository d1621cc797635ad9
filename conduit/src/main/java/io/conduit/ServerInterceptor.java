package io.conduit;

import java.util.List;

/**
 * Wraps server calls: to check credentials, log, measure, add headers... Calls
 * {@code next.startCall(call, headers)} (perhaps with a {@link ForwardingServerCall}) to go on, or
 * closes the call to stop it.
 */
@FunctionalInterface
public interface ServerInterceptor {
  /** Serves {@code call}, usually by wrapping it and passing it on to {@code next}. */
  <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next);

  /** {@code handler} wrapped by {@code interceptors}; the first interceptor sees each call first. */
  static <Q, R> ServerCallHandler<Q, R> intercept(
      ServerCallHandler<Q, R> handler, List<? extends ServerInterceptor> interceptors) {
    ServerCallHandler<Q, R> result = handler;
    for (int i = interceptors.size() - 1; i >= 0; i--) {
      ServerInterceptor interceptor = interceptors.get(i);
      ServerCallHandler<Q, R> next = result;
      result = (call, headers) -> interceptor.interceptCall(call, headers, next);
    }
    return result;
  }
}
