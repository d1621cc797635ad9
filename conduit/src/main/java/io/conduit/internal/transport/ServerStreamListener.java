package io.conduit.internal.transport;

/** What a server stream reports to its call, on the transport's thread, in order. */
public interface ServerStreamListener {
  /** A request message, one per credit granted with {@link ServerStream#request}. */
  void messageRead(InboundMessage message);

  /** The client will send no more messages. */
  void halfClosed();

  /** {@link ServerStream#isReady()} may have turned true. */
  void onReady();

  /** The call ended without the application's status: reset, lost connection, deadline, abort. */
  void cancelled(io.conduit.Status reason);

  /** The application's status has been sent. */
  void completed();
}
