package io.conduit;

/** Starts the server side of a call: given the call and its headers, returns its listener. */
@FunctionalInterface
public interface ServerCallHandler<Q, R> {
  /**
   * Starts serving {@code call}, whose request headers are {@code headers}, and returns its
   * listener.
   *
   * @param call the call
   * @param headers the request headers
   * @return the listener that receives the call's events
   */
  ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata headers);
}
