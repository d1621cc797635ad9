package io.conduit;

/**
 * Observes one server call: the server-side hook of metrics and tracing backends. A server built
 * with a {@link Factory} asks it for a tracer as soon as a call's request headers arrive, before
 * the method is looked up, so calls to methods the server lacks are seen too.
 *
 * <p>Events come on the transport's thread and the call's executor; an implementation keeps its
 * state thread-safe, must not block, and what it throws is ignored. {@link #callEnded} comes
 * exactly once.
 */
public interface ServerCallTracer {

  /** Makes the tracer of each call. */
  @FunctionalInterface
  interface Factory {
    /**
     * On the transport's thread; {@code null} leaves the call untraced.
     *
     * @param call the call's method, authority and peer
     * @return the call's tracer, or {@code null}
     */
    ServerCallTracer newCallTracer(CallInfo call);
  }

  /**
   * A call as it arrives: the method named by its path, whether the server has that method, and
   * the request headers (read them, do not change them).
   */
  record CallInfo(String fullMethodName, boolean registered, Metadata headers) {}

  /**
   * The context the call's handler runs in. A tracer may return a child with values of its own,
   * such as the span that calls the handler makes should continue.
   *
   * @param context the context the handler would run in
   * @return the context the handler runs in
   */
  default Context filterContext(Context context) {
    return context;
  }

  /**
   * The response headers are going out.
   *
   * @param headers the response headers
   */
  default void outboundHeaders(Metadata headers) {}

  /**
   * A request message arrived and was parsed (sizes as in {@link ClientCallTracer.Attempt}).
   *
   * @param seqNo the message's number on this call (or attempt), from 0
   * @param size the message's serialized size in bytes, uncompressed
   * @param wireSize its size on the wire, after compression (equal to {@code size} when
   *     uncompressed)
   */
  default void inboundMessage(int seqNo, long size, long wireSize) {}

  /**
   * A response message went to the transport.
   *
   * @param seqNo the message's number on this call (or attempt), from 0
   * @param size the message's serialized size in bytes, uncompressed
   * @param wireSize its size on the wire, after compression (equal to {@code size} when
   *     uncompressed)
   */
  default void outboundMessage(int seqNo, long size, long wireSize) {}

  /**
   * The call is over: its status was handed to the transport, or the stream was reset (then
   * {@code status} says why: CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE for a lost connection).
   *
   * @param status the call's status
   */
  default void callEnded(Status status) {}
}
