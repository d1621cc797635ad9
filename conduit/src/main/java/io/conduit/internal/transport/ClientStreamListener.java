package io.conduit.internal.transport;

import io.conduit.Metadata;
import io.conduit.Status;

/**
 * What a client stream reports to its call, on the transport's thread, in order. After
 * {@link #closed} nothing more comes.
 */
public interface ClientStreamListener {
  /** The response headers, already checked to be a gRPC response. */
  void headersRead(Metadata headers);

  /** A response message, one per credit granted with {@link ClientStream#request}. */
  void messageRead(InboundMessage message);

  /** {@link ClientStream#isReady()} may have turned true. */
  void onReady();

  /**
   * The stream is over. {@code refused}: the server's application never saw it (never sent,
   * REFUSED_STREAM, beyond a GOAWAY's last stream id), so it may be retried transparently.
   */
  void closed(Status status, Metadata trailers, boolean refused);
}
