package io.conduit.internal.transport;

import io.conduit.Marshaller;

/**
 * One received message, not yet parsed: the transport hands it over on its own thread and the
 * call parses it on the application's executor, so parsing and decompression stay off I/O
 * threads. Exactly one of {@link #parse} or {@link #discard} must be called.
 */
public interface InboundMessage {
  /**
   * Parses the message (decompressing it first if needed) and releases what it held. What the
   * marshaller throws passes through; the call turns it into a status.
   *
   * @throws io.conduit.StatusException RESOURCE_EXHAUSTED for a message that inflates past the
   *     inbound limit, INTERNAL for one that cannot be decompressed
   */
  <T> T parse(Marshaller<T> marshaller);

  /** Releases the message unread (the call ended meanwhile). */
  void discard();

  /** Whether it arrived compressed. */
  boolean compressed();

  /** The bytes it arrived in (compressed if it came compressed), gRPC framing excluded. */
  int wireSize();

  /** Its decompressed size once {@link #parse} has run; {@link #wireSize} before. */
  int size();
}
