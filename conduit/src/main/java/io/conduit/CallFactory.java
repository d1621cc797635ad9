package io.conduit;

/**
 * Creates client calls. {@link Channel} is one; interceptors wrap one in another. Stubs take a
 * {@code CallFactory}, so an intercepted channel works wherever a channel does.
 */
@FunctionalInterface
public interface CallFactory {
  /**
   * Creates a call of {@code method} with {@code options}; nothing is sent until it starts.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method to call
   * @param options the call's options: deadline, compression, credentials...
   * @return a new call, not started
   */
  <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options);
}
