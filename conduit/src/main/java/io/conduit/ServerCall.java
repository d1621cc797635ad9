package io.conduit;

import java.net.SocketAddress;

/**
 * The server side of one RPC: the low-level API that generated services and interceptors build
 * on. Methods may be called from any thread but not concurrently.
 */
public abstract class ServerCall<Q, R> {

  /** For implementations and forwarding wrappers. */
  protected ServerCall() {}

  /**
   * Receives the events of a call. Callbacks for one call never run concurrently; they run on the
   * server's handler executor, never on an I/O thread (unless the server uses a direct executor).
   */
  public abstract static class Listener<Q> {
    /** For the code that listens to a call: stubs, interceptors. */
    protected Listener() {}

    /**
     * A request message arrived; one per {@link ServerCall#request} credit.
     *
     * @param message the request message
     */
    public void onMessage(Q message) {}

    /** The client will send no more messages. */
    public void onHalfClose() {}

    /** The call was cancelled by the client, by its deadline or by a broken connection. */
    public void onCancel() {}

    /** The call completed normally (its status was sent). */
    public void onComplete() {}

    /** {@link ServerCall#isReady()} became true. */
    public void onReady() {}
  }

  /**
   * Asks for up to {@code numMessages} more request messages.
   *
   * @param numMessages how many more messages to deliver, at least 1
   */
  public abstract void request(int numMessages);

  /**
   * Sends the response headers; optional, sent with the first message otherwise.
   *
   * @param headers the response headers
   */
  public abstract void sendHeaders(Metadata headers);

  /**
   * Sends a response message.
   *
   * @param message the response message
   */
  public abstract void sendMessage(R message);

  /**
   * Finishes the call with {@code status} and {@code trailers}.
   *
   * @param status the call's outcome
   * @param trailers the trailers to send
   */
  public abstract void close(Status status, Metadata trailers);

  /** {@return whether the client cancelled (or the deadline passed, or the connection broke)} */
  public abstract boolean isCancelled();

  /**
   * {@return whether a response message can be sent without buffering; see {@link
   * Listener#onReady()}}
   */
  public boolean isReady() {
    return true;
  }

  /** {@return the method this call is for} */
  public abstract MethodDescriptor<Q, R> method();

  /** {@return the {@code :authority} the client sent, or {@code null}} */
  public abstract String authority();

  /** {@return the client's address} */
  public abstract SocketAddress remoteAddress();

  /** {@return the deadline the client set ({@code grpc-timeout}), or {@code null}} */
  public abstract Deadline deadline();

  /**
   * Compresses responses with {@code encoding} ({@code gzip}, {@code deflate}, a registered
   * {@link Compressor}, or {@code identity}); call before the headers are sent. If the client
   * does not accept that encoding, responses go uncompressed.
   *
   * @param encoding the encoding's name
   */
  public void setCompression(String encoding) {}

  /**
   * Turns compression of the next messages on or off (default on, once an encoding is set).
   *
   * @param enabled whether to compress the next messages
   */
  public void setMessageCompression(boolean enabled) {}

  /**
   * During {@link Listener#onMessage}: whether that message arrived compressed.
   *
   * @return whether the message being delivered arrived compressed
   */
  public boolean isMessageCompressed() {
    return false;
  }
}
