package io.conduit.internal.transport;

import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Metadata;
import io.conduit.Status;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The server side of one RPC on one transport. The transport creates it and hands it to the
 * server ({@link ServerTransportListener#streamCreated}); the server's call drives it. Methods
 * may be called from any thread, one at a time; the stream keeps their order.
 */
public interface ServerStream {
  /** Where events go; set by the server before {@code streamCreated} returns. */
  void setListener(ServerStreamListener listener);

  /** Allows {@code numMessages} more request messages to be delivered. */
  void request(int numMessages);

  /** Sends the response headers (with the compressor chosen by then). */
  void writeHeaders(Metadata headers);

  /**
   * Serializes and sends one response message on the calling thread.
   *
   * @return its size as sent (compressed if it was), gRPC framing excluded
   */
  <T> int writeMessage(io.conduit.Marshaller<T> marshaller, T message);

  /** Ends the call with {@code status}; the listener hears {@code completed} once it is sent. */
  void close(Status status, Metadata trailers);

  /**
   * Ends the call with a status the server chose for it (a request that cannot be parsed, a
   * handler that threw); the listener hears {@code cancelled}. {@code badInput}: the client is to
   * blame, which counts against its abuse budgets.
   */
  void abort(Status status, Metadata trailers, boolean badInput);

  /** Resets the stream without a status (the server's deadline passed); {@code cancelled} follows. */
  void cancel(Status reason);

  boolean isReady();

  /** Compresses response messages with {@code compressor} (null: identity). Before the headers. */
  void setCompressor(Compressor compressor);

  void setMessageCompression(boolean enabled);

  /** What the client accepts ({@code grpc-accept-encoding}), or null. */
  CharSequence acceptEncoding();

  /** The request's {@code grpc-timeout} in nanoseconds, or -1. */
  long timeoutNanos();

  String authority();

  SocketAddress remoteAddress();

  /** The context calls on this transport start from (it carries the {@link io.conduit.Peer}). */
  Context transportContext();

  /** The transport's thread, for the call's timers. */
  ScheduledExecutorService scheduler();
}
