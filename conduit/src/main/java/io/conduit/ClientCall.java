package io.conduit;

/**
 * The client side of one RPC: the low-level API that stubs and interceptors build on.
 *
 * <p>Call {@link #start} once, then {@link #request} messages, {@link #sendMessage},
 * {@link #halfClose}; {@link #cancel} at any time. Methods may be called from any thread but not
 * concurrently. Listener callbacks for one call never run concurrently and never on an I/O
 * thread (unless the channel is built with a direct executor).
 */
public abstract class ClientCall<Q, R> {

  /** For implementations and forwarding wrappers. */
  protected ClientCall() {}

  /** Receives the events of a call; {@link #onClose} comes exactly once, last. */
  public abstract static class Listener<R> {
    /** For the code that listens to a call: stubs, interceptors. */
    protected Listener() {}

    /**
     * The response headers arrived (not called for a Trailers-Only response).
     *
     * @param headers the response headers
     */
    public void onHeaders(Metadata headers) {}

    /**
     * A response message arrived; one per {@link ClientCall#request} credit.
     *
     * @param message the response message
     */
    public void onMessage(R message) {}

    /**
     * The call finished, successfully or not.
     *
     * @param status the call's outcome
     * @param trailers the trailers the server sent (empty when none)
     */
    public void onClose(Status status, Metadata trailers) {}

    /** {@link ClientCall#isReady()} became true: the call can take more messages. */
    public void onReady() {}
  }

  /**
   * Starts the call, sending {@code headers} (custom metadata) to the server.
   *
   * @param listener receives the call's responses and outcome
   * @param headers the request metadata
   */
  public abstract void start(Listener<R> listener, Metadata headers);

  /**
   * Asks for up to {@code numMessages} more response messages.
   *
   * @param numMessages how many more messages to deliver, at least 1
   */
  public abstract void request(int numMessages);

  /**
   * Cancels the call; the listener sees CANCELLED unless it has completed already.
   *
   * @param message why the call is cancelled, for the status description; may be {@code null}
   * @param cause the cause, for the status; may be {@code null}
   */
  public abstract void cancel(String message, Throwable cause);

  /** No more request messages will be sent. */
  public abstract void halfClose();

  /**
   * Sends a request message. Never blocks; check {@link #isReady()} to avoid buffering.
   *
   * @param message the request message
   */
  public abstract void sendMessage(Q message);

  /**
   * {@return whether a message sent now would go out without buffering beyond the transport's
   * limit}
   */
  public boolean isReady() {
    return true;
  }

  /**
   * Turns compression of the next messages on or off (default on when the call has an encoding,
   * see {@link CallOptions#withCompression}).
   *
   * @param enabled whether to compress the next messages
   */
  public void setMessageCompression(boolean enabled) {}
}
