package io.conduit.internal.transport;

/**
 * The client side of one RPC on one transport (an HTTP/2 stream on Netty). Methods may be called
 * from any thread, one at a time; the stream keeps their order.
 */
public interface ClientStream {
  /** Opens the stream (the request headers go out); events go to {@code listener}. */
  void start(ClientStreamListener listener);

  /**
   * Serializes and sends one request message on the calling thread.
   *
   * @return its size as sent (compressed if it was), gRPC framing excluded
   * @throws io.conduit.StatusException when it cannot be serialized or exceeds the outbound limit
   */
  int writeMessage(Object message);

  /** Allows {@code numMessages} more response messages to be delivered. */
  void request(int numMessages);

  /** No more request messages. */
  void halfClose();

  /** Ends the stream; the listener is told {@code status} unless it has closed already. */
  void cancel(io.conduit.Status status);

  /** Whether a message written now would be sent without queueing much. */
  boolean isReady();

  /** Whether request messages may be compressed (the encoding was chosen at creation). */
  void setMessageCompression(boolean enabled);
}
