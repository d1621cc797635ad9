package io.conduit.stub;

/**
 * The request side of an async client- or bidi-streaming call, with flow control and
 * cancellation. A sender that respects {@link #isReady()} and resumes from the on-ready handler
 * never buffers more than the transport's window, however slow the server is.
 */
public interface ClientStreamObserver<T> extends StreamObserver<T>, CallHandle {
  /**
   * Whether a message sent now would go out without buffering beyond the transport's limit.
   * Sending while not ready is allowed but queues the message in memory.
   *
   * @return whether a message would be sent at once
   */
  boolean isReady();

  /**
   * Runs {@code handler} each time {@link #isReady()} becomes true, on the call's callback
   * thread; set it before sending the first message so no transition is missed.
   *
   * @param handler what to run when the call becomes ready
   */
  void setOnReadyHandler(Runnable handler);
}
