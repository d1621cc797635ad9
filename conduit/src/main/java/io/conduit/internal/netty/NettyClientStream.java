package io.conduit.internal.netty;

import io.conduit.Compressor;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.Compressors;
import io.conduit.internal.GrpcTimeout;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientStreamListener;
import io.conduit.internal.transport.StreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.ReadOnlyHttp2Headers;
import io.netty.util.AsciiString;

/**
 * One HTTP/2 stream of a client call. The caller's thread serializes messages; everything else
 * runs on the connection's event loop, in the order the caller issued it, through the
 * connection's write queue. One object per attempt: a retried call gets a new stream.
 */
final class NettyClientStream extends OutboundMessages implements ClientStream, MessageDeframer.Listener {
  private final ClientConnectionHandler connection;
  private final StreamRequest request;
  private volatile boolean messageCompression = true;

  // Event loop state.
  private ClientStreamListener listener;
  private int streamId;
  private MessageDeframer deframer;
  /** The response encoding the server announced, or null. */
  private Compressor responseCompressor;
  private boolean closed;
  private boolean headersReceived;
  private boolean trailersReceived;
  private Status pendingStatus;
  private Metadata pendingTrailers;

  NettyClientStream(ClientConnectionHandler connection, StreamRequest request) {
    this.connection = connection;
    this.request = request;
  }

  // ---------------------------------------------------------------- caller side

  @Override
  public void start(ClientStreamListener listener) {
    this.listener = listener;
    connection.writeQueue().enqueue(() -> {
      if (!closed) {
        deframer = new MessageDeframer(ByteBufAllocator.DEFAULT, this, request.maxInboundMessageSize(), false);
        connection.newStream(this, requestHeaders(connection.isSecure()));
      }
    });
  }

  @Override
  public int writeMessage(Object message) {
    @SuppressWarnings("unchecked")
    io.conduit.Marshaller<Object> marshaller =
        (io.conduit.Marshaller<Object>) request.method().requestMarshaller();
    ByteBuf frame = MessageFramer.frame(ByteBufAllocator.DEFAULT, marshaller, message,
        request.maxOutboundMessageSize(), messageCompression ? request.compressor() : null);
    return send(connection.writeQueue(), frame) - MessageFramer.HEADER_LENGTH;
  }

  @Override
  boolean ended() {
    return closed;
  }

  @Override
  void writeFrame(ByteBuf frame, ChannelFutureListener onDone) {
    connection.stats.messageSent();
    connection.writeData(streamId, frame, false, onDone);
  }

  @Override
  void readyAgain() {
    listener.onReady();
  }

  @Override
  public void request(int numMessages) {
    connection.writeQueue().enqueue(() -> {
      if (!closed && deframer != null) {
        deframer.request(numMessages);
      }
    });
  }

  @Override
  public void halfClose() {
    connection.writeQueue().enqueue(() -> {
      if (!closed) {
        connection.writeData(streamId, Unpooled.EMPTY_BUFFER, true);
      }
    });
  }

  @Override
  public void cancel(Status status) {
    connection.writeQueue().enqueue(() -> cancelOnLoop(status));
  }

  @Override
  public boolean isReady() {
    return readyToSend();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    messageCompression = enabled;
  }

  /**
   * The request headers, in an immutable array-backed instance (much lighter than a map for the
   * dozen headers a call sends). {@code :path} and {@code :authority} come from a cache.
   */
  private Http2Headers requestHeaders(boolean secure) {
    Metadata md = request.headers();
    Compressor compressor = request.compressor();
    io.conduit.Deadline deadline = request.deadline();
    int extra = (compressor != null ? 2 : 0) + (deadline != null ? 2 : 0)
        + (md == null ? 0 : 2 * md.size());
    AsciiString[] other = new AsciiString[8 + extra];
    int i = 0;
    other[i++] = GrpcHeaders.CONTENT_TYPE;
    other[i++] = GrpcHeaders.APPLICATION_GRPC;
    other[i++] = GrpcHeaders.TE;
    other[i++] = GrpcHeaders.TRAILERS;
    other[i++] = GrpcHeaders.USER_AGENT;
    other[i++] = connection.userAgent();
    other[i++] = GrpcHeaders.GRPC_ACCEPT_ENCODING;
    other[i++] = GrpcHeaders.ACCEPT_ENCODING_VALUE;
    if (compressor != null) {
      other[i++] = GrpcHeaders.GRPC_ENCODING;
      other[i++] = AsciiString.of(compressor.name());
    }
    if (deadline != null) {
      // Computed when the stream opens, so time spent waiting for a connection counts.
      other[i++] = GrpcHeaders.GRPC_TIMEOUT;
      other[i++] = AsciiString.of(GrpcTimeout.encode(Math.max(1, deadline.remainingNanos())));
    }
    i = GrpcHeaders.addMetadata(other, i, md);
    if (i < other.length) {
      other = java.util.Arrays.copyOf(other, i);
    }
    return ReadOnlyHttp2Headers.clientHeaders(false, GrpcHeaders.POST,
        GrpcHeaders.cachedAscii(request.method().path()), secure ? GrpcHeaders.HTTPS : GrpcHeaders.HTTP,
        connection.authority(), other);
  }

  // ---------------------------------------------------------------- event loop side

  void streamCreated(int id) {
    this.streamId = id;
  }

  /**
   * The stream never reached the server's application (never sent, REFUSED_STREAM, or beyond a
   * GOAWAY's last stream id): the call may retry it transparently.
   */
  void refused(Status status) {
    closeOnLoop(status, new Metadata(), true);
  }

  private void cancelOnLoop(Status status) {
    if (closed) {
      return;
    }
    int id = streamId;
    // Close first: the reset closes the HTTP/2 stream, which must not report a status of its own.
    closeOnLoop(status, new Metadata(), false);
    if (id > 0) {
      connection.reset(id, Http2Error.CANCEL);
      connection.flush(connection.ctx());
    }
  }

  void inboundHeaders(Http2Headers headers, boolean endStream) {
    connection.assertEventLoop();
    if (closed) {
      return;
    }
    if (!headersReceived) {
      headersReceived = true;
      Status httpFailure = checkResponseHeaders(headers);
      if (httpFailure != null) {
        if (!endStream) {
          connection.reset(streamId, Http2Error.CANCEL);
        }
        closeOnLoop(httpFailure, GrpcHeaders.toMetadata(headers), false);
        return;
      }
      if (!endStream) {
        CharSequence encoding = headers.get(GrpcHeaders.GRPC_ENCODING);
        if (encoding != null && !"identity".contentEquals(encoding)) {
          Compressor c = Compressors.get(encoding.toString());
          if (c == null) {
            connection.reset(streamId, Http2Error.CANCEL);
            closeOnLoop(Status.INTERNAL.withDescription("server used unsupported message encoding '"
                + encoding + "'"), new Metadata(), false);
            return;
          }
          responseCompressor = c;
          deframer.allowCompressed();
        }
        listener.headersRead(GrpcHeaders.toMetadata(headers));
        return;
      }
      // Trailers-Only.
    } else if (!endStream) {
      connection.reset(streamId, Http2Error.PROTOCOL_ERROR);
      closeOnLoop(Status.INTERNAL.withDescription("second HEADERS frame without END_STREAM"),
          new Metadata(), false);
      return;
    }
    trailersReceived = true;
    Status status = GrpcHeaders.statusFromTrailers(headers);
    if (status == null) {
      status = Status.UNKNOWN.withDescription("missing grpc-status in the response trailers");
    }
    pendingStatus = status;
    pendingTrailers = GrpcHeaders.toMetadata(headers);
    if (!status.isOk()) {
      // A failed call need not wait for unread messages.
      closeOnLoop(status, pendingTrailers, false);
    } else {
      deframer.endOfStream();
    }
  }

  /** The failure the response headers stand for, or null when they are a proper gRPC response. */
  private static Status checkResponseHeaders(Http2Headers headers) {
    CharSequence statusValue = headers.status();
    int httpStatus;
    try {
      httpStatus = statusValue == null ? -1 : Integer.parseInt(statusValue.toString());
    } catch (NumberFormatException e) {
      httpStatus = -1;
    }
    if (httpStatus != 200) {
      Status s = httpStatus < 0
          ? Status.INTERNAL.withDescription("missing or malformed :status '" + statusValue + "'")
          : HttpStatusMapping.fromHttpStatus(httpStatus);
      Status grpc = GrpcHeaders.statusFromTrailers(headers);
      return grpc != null && grpc.description() != null ? s.augmentDescription(grpc.description()) : s;
    }
    CharSequence contentType = headers.get(GrpcHeaders.CONTENT_TYPE);
    if (!GrpcHeaders.isGrpcContentType(contentType)) {
      return Status.UNKNOWN.withDescription("invalid content-type '" + contentType + "' in response");
    }
    return null;
  }

  void inboundData(ByteBuf data, boolean endStream) {
    connection.assertEventLoop();
    if (closed) {
      data.release();
      return;
    }
    if (!headersReceived) {
      data.release();
      connection.reset(streamId, Http2Error.PROTOCOL_ERROR);
      closeOnLoop(Status.INTERNAL.withDescription("DATA frame before response headers"),
          new Metadata(), false);
      return;
    }
    deframer.add(data);
    if (endStream && !closed) {
      closeOnLoop(Status.INTERNAL.withDescription("server ended the stream without trailers"),
          new Metadata(), false);
    }
  }

  void inboundReset(long errorCode) {
    if (trailersReceived) {
      return;
    }
    Status status = HttpStatusMapping.fromRstStream(errorCode);
    if (errorCode == Http2Error.REFUSED_STREAM.code() && !headersReceived) {
      refused(status);
      return;
    }
    io.conduit.Deadline deadline = request.deadline();
    if (status.code() == Status.Code.CANCELLED && deadline != null && deadline.isExpired()) {
      // The server's copy of our deadline fired first: report it as what it is.
      status = Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded (stream reset by server)");
    }
    closeOnLoop(status, new Metadata(), false);
  }

  /** The HTTP/2 stream closed; a call still waiting for its status will not get it. */
  void streamClosed() {
    if (!trailersReceived) {
      closeOnLoop(Status.UNAVAILABLE.withDescription("stream closed before the response completed"),
          new Metadata(), false);
    }
  }

  /** The connection failed or closed. */
  void transportClosed(Status status) {
    closeOnLoop(status, new Metadata(), false);
  }

  @Override
  public void bytesConsumed(int bytes) {
    connection.consumeBytes(streamId, bytes);
  }

  @Override
  public void messageRead(ByteBuf payload, boolean compressed) {
    connection.stats.messageReceived();
    listener.messageRead(new NettyInboundMessage(payload, compressed ? responseCompressor : null,
        request.maxInboundMessageSize()));
  }

  @Override
  public void endOfStream() {
    closeOnLoop(pendingStatus, pendingTrailers, false);
  }

  @Override
  public void deframeFailed(Status status) {
    cancelOnLoop(status);
  }

  private void closeOnLoop(Status status, Metadata trailers, boolean refused) {
    connection.assertEventLoop();
    if (closed) {
      return;
    }
    closed = true;
    if (deframer != null) {
      deframer.close();
    }
    connection.remove(streamId);
    if (streamId > 0) {
      connection.stats.streamEnded(status.isOk());
      // The call is over: nothing more will be sent or read. If our side is still open (the
      // server finished before we half-closed, or answered with an HTTP error), close it, or
      // the stream would hold its slot and keep an idle connection from closing.
      connection.resetIfLocalOpen(streamId);
    }
    listener.closed(status, trailers, refused);
  }
}
