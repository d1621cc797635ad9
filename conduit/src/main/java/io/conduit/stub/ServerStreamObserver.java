package io.conduit.stub;

import io.conduit.Metadata;

/**
 * The response side of a server call, as a {@link StreamObserver} with the call's controls.
 *
 * <p>{@link #onNext} on a cancelled call throws {@link io.conduit.StatusException} with
 * CANCELLED, so a producing loop stops when the client goes away.
 */
public interface ServerStreamObserver<T> extends StreamObserver<T> {
  /** {@return whether the client cancelled, the deadline passed or the connection broke} */
  boolean isCancelled();

  /**
   * Runs {@code handler} when the call is cancelled.
   *
   * @param handler what to run on cancellation
   */
  void setOnCancelHandler(Runnable handler);

  /**
   * {@return whether a message sent now would go out without buffering beyond the transport's
   * limit}
   */
  boolean isReady();

  /**
   * Runs {@code handler} each time {@link #isReady()} becomes true.
   *
   * @param handler what to run when the call becomes ready
   */
  void setOnReadyHandler(Runnable handler);

  /**
   * Sends response headers now, before the first message.
   *
   * @param headers the response headers
   */
  void sendHeaders(Metadata headers);

  /**
   * Finishes the call successfully with these trailers.
   *
   * @param trailers the trailers
   */
  void onCompleted(Metadata trailers);

  /**
   * Compresses responses with {@code encoding} if the client accepts it; before the first message.
   *
   * @param encoding the encoding's name, such as {@code gzip}
   */
  void setCompression(String encoding);

  /**
   * Turns compression of the next messages on or off.
   *
   * @param enabled whether to compress the next messages
   */
  void setMessageCompression(boolean enabled);

  /**
   * Stops the automatic request of one inbound message after each one delivered, so a client-
   * or bidi-streaming handler paces its input with {@link #request(int)}. Call it inside the
   * service method, before returning the request observer; with auto-request off the handler
   * receives nothing until it asks. No effect on unary and server-streaming methods.
   */
  void disableAutoRequest();

  /**
   * Asks for {@code count} more request messages; for handlers that {@link #disableAutoRequest()}.
   *
   * @param count how many more messages to deliver, at least 1
   */
  void request(int count);
}
