package io.conduit;

import java.util.List;

/**
 * Wraps server calls: to check credentials, log, measure, add headers... Calls
 * {@code next.startCall(call, headers)} (perhaps with a {@link ForwardingServerCall}) to go on, or
 * closes the call to stop it.
 */
@FunctionalInterface
public interface ServerInterceptor {
  /**
   * Serves {@code call}, usually by wrapping it and passing it on to {@code next}.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param call the call being served
   * @param headers the request headers
   * @param next the rest of the chain, ending at the service method
   * @return the listener for the call's events
   */
  <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next);

  /**
   * {@code handler} wrapped by {@code interceptors}; the first interceptor sees each call first.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param handler the handler to wrap
   * @param interceptors the interceptors, outermost first
   * @return the wrapped handler
   */
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
