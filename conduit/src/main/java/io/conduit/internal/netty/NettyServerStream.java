package io.conduit.internal.netty;

import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.transport.ServerStream;
import io.conduit.internal.transport.ServerStreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One HTTP/2 stream of a server call. The caller's thread serializes response messages;
 * everything else runs on the connection's event loop, in order, through its write queue.
 */
final class NettyServerStream extends OutboundMessages implements ServerStream, MessageDeframer.Listener {
  private final ServerConnectionHandler connection;
  private final int streamId;
  private final String authority;
  private final long timeoutNanos;
  private final int maxInboundMessageSize;
  /** The request's encoding, or null for identity. */
  private final Compressor requestCompressor;
  private final CharSequence acceptEncoding;
  private final MessageDeframer deframer;
  private volatile Compressor responseCompressor;
  private volatile boolean messageCompression = true;
  private ServerStreamListener listener;

  // Event loop state.
  private boolean completed;
  private boolean headersSent;

  NettyServerStream(ServerConnectionHandler connection, int streamId, String authority,
      long timeoutNanos, int maxInboundMessageSize, Compressor requestCompressor,
      CharSequence acceptEncoding) {
    this.connection = connection;
    this.streamId = streamId;
    this.authority = authority;
    this.timeoutNanos = timeoutNanos;
    this.maxInboundMessageSize = maxInboundMessageSize;
    this.requestCompressor = requestCompressor;
    this.acceptEncoding = acceptEncoding;
    this.deframer = new MessageDeframer(connection.ctx().alloc(), this, maxInboundMessageSize, true);
    if (requestCompressor != null) {
      deframer.allowCompressed();
    }
  }

  // ---------------------------------------------------------------- event loop side

  void inboundData(ByteBuf data) {
    connection.assertEventLoop();
    deframer.add(data);
  }

  void inboundEnd() {
    deframer.endOfStream();
  }

  @Override
  public void bytesConsumed(int bytes) {
    connection.consumeBytes(streamId, bytes);
  }

  @Override
  public void messageRead(ByteBuf payload, boolean compressed) {
    if (listener == null) {
      payload.release();
      return;
    }
    connection.stats.messageReceived();
    listener.messageRead(new NettyInboundMessage(payload, compressed ? requestCompressor : null,
        maxInboundMessageSize));
  }

  @Override
  public void endOfStream() {
    if (listener != null) {
      listener.halfClosed();
    }
  }

  @Override
  public void deframeFailed(Status status) {
    abortOnLoop(status, new Metadata(), true);
  }

  /** The stream ended without a status from the application: reset, closed connection. */
  void transportCancelled(Status reason) {
    connection.assertEventLoop();
    if (completed) {
      return;
    }
    completed = true;
    cleanUp(false);
    if (listener != null) {
      listener.cancelled(reason);
    }
  }

  private void cleanUp(boolean ok) {
    connection.stats.streamEnded(ok);
    deframer.close();
    connection.detach(streamId);
  }

  private void abortOnLoop(Status status, Metadata trailers, boolean badInput) {
    if (completed) {
      return;
    }
    writeStatus(status, trailers, !headersSent, badInput);
    completed = true;
    cleanUp(false);
    if (listener != null) {
      listener.cancelled(status);
    }
  }

  private void writeStatus(Status status, Metadata trailers, boolean trailersOnly, boolean badInput) {
    connection.assertEventLoop();
    Http2Headers h;
    if (!trailersOnly && status.code() == Status.Code.OK && status.description() == null
        && (trailers == null || trailers.isEmpty())) {
      h = GrpcHeaders.OK_TRAILERS;
    } else {
      h = new DefaultHttp2Headers(false);
      if (trailersOnly) {
        h.status(GrpcHeaders.STATUS_OK).set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
      }
      GrpcHeaders.addStatus(h, status);
      GrpcHeaders.addMetadata(h, trailers);
    }
    headersSent = true;
    // A client still sending is told to stop once the trailers are out (not before: a reset
    // would drop them if they wait behind flow-controlled data).
    connection.writeHeaders(streamId, h, true, connection.isRemoteOpen(streamId)
        ? f -> connection.resetIfRemoteOpen(streamId, badInput) : null);
  }

  // ---------------------------------------------------------------- server call side

  @Override
  public void setListener(ServerStreamListener listener) {
    this.listener = listener;
  }

  @Override
  public void request(int numMessages) {
    connection.writeQueue().enqueue(() -> {
      if (!completed) {
        deframer.request(numMessages);
      }
    });
  }

  @Override
  public void writeHeaders(Metadata headers) {
    Compressor c = responseCompressor;
    Http2Headers h;
    if (c == null && (headers == null || headers.isEmpty())) {
      h = GrpcHeaders.RESPONSE_HEADERS;
    } else {
      h = new DefaultHttp2Headers(false)
          .status(GrpcHeaders.STATUS_OK)
          .set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC)
          .set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
      if (c != null) {
        h.set(GrpcHeaders.GRPC_ENCODING, c.name());
      }
      GrpcHeaders.addMetadata(h, headers);
    }
    connection.writeQueue().enqueue(() -> {
      if (!completed) {
        headersSent = true;
        connection.writeHeaders(streamId, h, false, null);
      }
    });
  }

  @Override
  public <T> int writeMessage(io.conduit.Marshaller<T> marshaller, T message) {
    ByteBuf frame = MessageFramer.frame(connection.ctx().alloc(), marshaller, message, -1,
        messageCompression ? responseCompressor : null);
    return send(connection.writeQueue(), frame) - MessageFramer.HEADER_LENGTH;
  }

  @Override
  boolean ended() {
    return completed;
  }

  @Override
  void writeFrame(ByteBuf frame, ChannelFutureListener onDone) {
    connection.stats.messageSent();
    connection.writeData(streamId, frame, onDone);
  }

  @Override
  void readyAgain() {
    if (listener != null) {
      listener.onReady();
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    connection.writeQueue().enqueue(() -> {
      if (completed) {
        return;
      }
      completed = true;
      writeStatus(status, trailers, !headersSent, false);
      cleanUp(status.isOk());
      if (listener != null) {
        listener.completed();
      }
    });
  }

  @Override
  public void abort(Status status, Metadata trailers, boolean badInput) {
    connection.writeQueue().enqueue(() -> abortOnLoop(status, trailers, badInput));
  }

  @Override
  public void cancel(Status reason) {
    connection.writeQueue().enqueue(() -> {
      if (completed) {
        return;
      }
      transportCancelled(reason);
      connection.reset(streamId, Http2Error.CANCEL);
      connection.flush(connection.ctx());
    });
  }

  @Override
  public boolean isReady() {
    return readyToSend();
  }

  @Override
  public void setCompressor(Compressor compressor) {
    responseCompressor = compressor;
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    messageCompression = enabled;
  }

  @Override
  public CharSequence acceptEncoding() {
    return acceptEncoding;
  }

  @Override
  public long timeoutNanos() {
    return timeoutNanos;
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public SocketAddress remoteAddress() {
    return EventLoops.fromNetty(connection.ctx().channel().remoteAddress());
  }

  @Override
  public Context transportContext() {
    return TlsSupport.callContext(connection.ctx().channel());
  }

  @Override
  public ScheduledExecutorService scheduler() {
    return connection.ctx().executor();
  }
}
