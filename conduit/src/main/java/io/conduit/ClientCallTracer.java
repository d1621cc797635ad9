package io.conduit;

/**
 * Observes one client call and its attempts (made by {@link ChannelTracer#newCallTracer}). A call
 * has one attempt, or several: each retry or hedge of gRFC A6, and each transparent retry of a
 * stream the server never saw. Every attempt gets its own {@link Attempt}, made before its
 * backend is picked.
 *
 * <p>Events come on the threads where they happen: the caller's (start, sent messages), the
 * call's executor (received messages) and the transport's (headers, the end of an attempt). An
 * implementation keeps its state thread-safe; it must not block and what it throws is ignored.
 */
public interface ClientCallTracer {

  /** What an attempt is. */
  record AttemptInfo(int previousAttempts, boolean transparentRetry, boolean hedge) {
    /** The first attempt of a call. */
    public static final AttemptInfo FIRST = new AttemptInfo(0, false, false);
  }

  /**
   * A new attempt begins, before its pick. {@code previousAttempts} counts the attempts before
   * it, transparent retries not included (the value of {@code grpc-previous-rpc-attempts}).
   *
   * @param info the attempt's number and whether it is a transparent retry
   * @return the attempt's tracer
   */
  Attempt newAttempt(AttemptInfo info);

  /**
   * The call had to wait for the name resolver's first result, which has now come.
   *
   * @param nanos how long the call waited, in nanoseconds
   */
  default void nameResolutionDelayed(long nanos) {}

  /**
   * The call is over, just before the application hears {@code status}.
   *
   * @param status the status the application is about to see
   */
  default void callEnded(Status status) {}

  /** Observes one attempt: one stream on one connection. */
  interface Attempt {
    /**
     * The attempt has a connection and its stream is about to open. {@code headers} are the
     * request headers that will go out: a tracer may add to them (trace propagation).
     * {@code pickDelayed}: the attempt had to wait for the balancer to place it.
     *
     * @param headers the request headers, which the tracer may add to
     * @param pickDelayed whether the attempt waited for a connection (the picker had none at first)
     */
    default void streamStarted(Metadata headers, boolean pickDelayed) {}

    /**
     * A request message went to the transport. {@code seqNo} counts from 0 on each attempt;
     * {@code size} is its serialized size, {@code wireSize} what it takes after compression
     * (equal when it is not compressed), gRPC framing excluded.
     *
     * @param seqNo the message's number on this call (or attempt), from 0
     * @param size the message's serialized size in bytes, uncompressed
     * @param wireSize its size on the wire, after compression (equal to {@code size} when
     *     uncompressed)
     */
    default void outboundMessage(int seqNo, long size, long wireSize) {}

    /**
     * The response headers arrived.
     *
     * @param headers the response headers
     */
    default void inboundHeaders(Metadata headers) {}

    /**
     * A response message arrived and was parsed. {@code size} is its decompressed size,
     * {@code wireSize} the size it came in (equal when it was not compressed).
     *
     * @param seqNo the message's number on this call (or attempt), from 0
     * @param size the message's serialized size in bytes, uncompressed
     * @param wireSize its size on the wire, after compression (equal to {@code size} when
     *     uncompressed)
     */
    default void inboundMessage(int seqNo, long size, long wireSize) {}

    /**
     * The attempt is over ({@code trailers} may be empty).
     *
     * @param status the attempt's status
     * @param trailers the attempt's trailers
     */
    default void attemptEnded(Status status, Metadata trailers) {}
  }
}
