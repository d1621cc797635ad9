package io.conduit.internal.transport;

import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.internal.Compressors;
import io.conduit.internal.SerializingExecutor;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call on a server connection. Frames arrive on the event loop; the application's listener
 * runs on the call's serializing executor; the application's writes go through the connection's
 * write queue.
 */
final class NettyServerCall<Q, R> extends ServerCall<Q, R> implements MessageDeframer.Listener {
  private static final System.Logger LOG = System.getLogger(NettyServerCall.class.getName());

  /** Bytes a call may have queued for sending before {@link #isReady()} turns false. */
  static final int ON_READY_THRESHOLD = 32 * 1024;

  private final ServerConnectionHandler connection;
  private final int streamId;
  private final MethodDescriptor<Q, R> method;
  private final ServerCallHandler<Q, R> handler;
  private final String authority;
  private final Deadline deadline;
  private final Executor callExecutor;
  private final Context.CancellableContext context;
  private final MessageDeframer deframer;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final int maxInboundMessageSize;
  /** The request's encoding, or null for identity. */
  private final Compressor requestCompressor;
  /** What the client said it accepts ({@code grpc-accept-encoding}), or null. */
  private final CharSequence acceptEncoding;
  private volatile Compressor responseCompressor;
  private volatile boolean messageCompression = true;
  /** Whether the message being delivered to onMessage came compressed (call-executor thread). */
  private boolean currentMessageCompressed;

  // Event loop state.
  private boolean completed;
  private boolean headersSentOnLoop;
  private ScheduledFuture<?> deadlineTimer;

  // Listener-executor state.
  private Listener<Q> listener;
  private volatile boolean failed;

  // Application state.
  private volatile boolean cancelled;
  private boolean headersSent;
  private boolean closeCalled;

  private NettyServerCall(ServerConnectionHandler connection, int streamId,
      MethodDescriptor<Q, R> method, ServerCallHandler<Q, R> handler, String authority,
      long timeoutNanos, Executor executor, int maxInboundMessageSize, Compressor requestCompressor,
      CharSequence acceptEncoding) {
    this.connection = connection;
    this.maxInboundMessageSize = maxInboundMessageSize;
    this.requestCompressor = requestCompressor;
    this.acceptEncoding = acceptEncoding;
    this.streamId = streamId;
    this.method = method;
    this.handler = handler;
    this.authority = authority;
    this.deadline = timeoutNanos < 0 ? null : Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS,
        connection.clock());
    this.callExecutor = executor == null ? Runnable::run : new SerializingExecutor(executor);
    this.context = deadline == null
        ? TlsSupport.callContext(connection.ctx().channel()).withCancellation()
        : TlsSupport.callContext(connection.ctx().channel()).withDeadline(deadline);
    this.deframer = new MessageDeframer(connection.ctx().alloc(), this, maxInboundMessageSize);
    if (requestCompressor != null) {
      deframer.allowCompressed();
    }
  }

  static <Q, R> NettyServerCall<Q, R> create(ServerConnectionHandler connection, int streamId,
      ServiceDefinition.Method<Q, R> method, String authority, long timeoutNanos, Executor executor,
      int maxInboundMessageSize, Compressor requestCompressor, CharSequence acceptEncoding) {
    return new NettyServerCall<>(connection, streamId, method.descriptor(), method.handler(),
        authority, timeoutNanos, executor, maxInboundMessageSize, requestCompressor, acceptEncoding);
  }

  // ---------------------------------------------------------------- event loop side

  void start(Metadata headers) {
    if (deadline != null) {
      deadlineTimer = connection.clock().schedule(connection.ctx().executor(),
          () -> transportCancelled(Status.DEADLINE_EXCEEDED.withDescription(
              "deadline exceeded on the server"), true),
          Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
    }
    callExecutor.execute(() -> context.run(() -> {
      try {
        listener = handler.startCall(this, headers);
        if (listener == null) {
          throw new NullPointerException("startCall returned a null listener for " + method);
        }
      } catch (Throwable t) {
        listener = new Listener<>() {};
        failFromApplication(t);
      }
    }));
  }

  void inboundData(ByteBuf data) {
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
    callExecutor.execute(() -> {
      Q message;
      ByteBuf inflated = null;
      try {
        if (failed) {
          return;
        }
        if (compressed) {
          inflated = MessageFramer.decompress(connection.ctx().alloc(), requestCompressor, payload,
              maxInboundMessageSize);
        }
        message = MessageFramer.parse(method.requestMarshaller(), inflated != null ? inflated : payload);
      } catch (Throwable t) {
        Status status = t instanceof StatusException se ? se.status()
            : Status.INTERNAL.withDescription("failed to parse the request message: " + t).withCause(t);
        failed = true;
        closeInternally(status, true);
        return;
      } finally {
        payload.release();
        if (inflated != null) {
          inflated.release();
        }
      }
      // Inline, not re-queued: a half-close queued meanwhile must come after this message.
      currentMessageCompressed = compressed;
      invoke(l -> l.onMessage(message));
      currentMessageCompressed = false;
    });
  }

  @Override
  public void endOfStream() {
    deliver(Listener::onHalfClose);
  }

  @Override
  public void deframeFailed(Status status) {
    closeInternally(status, true);
  }

  /** The call ended without a status from the application: reset, closed connection, deadline. */
  void transportCancelled(Status reason, boolean sendReset) {
    if (completed) {
      return;
    }
    completed = true;
    cancelled = true;
    cleanUp();
    if (sendReset) {
      connection.reset(streamId, Http2Error.CANCEL);
      connection.flush(connection.ctx());
    }
    // The context first: an onCancel handler must already see it cancelled.
    context.cancel(reason.asException());
    callExecutor.execute(() -> {
      failed = true;
      if (listener != null) {
        context.run(() -> {
          try {
            listener.onCancel();
          } catch (Throwable t) {
            LOG.log(Level.WARNING, "onCancel threw for " + method.fullMethodName(), t);
          }
        });
      }
    });
  }

  private void cleanUp() {
    deframer.close();
    connection.detach(streamId);
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
    }
  }

  /**
   * Ends the call with a status the transport chose, as if the application had. {@code
   * badInput}: the client sent something the call cannot take (too large, malformed), and a reset
   * this makes necessary counts against its reset budget.
   */
  private void closeInternally(Status status, boolean badInput) {
    connection.writeQueue().enqueue(() -> {
      if (completed) {
        return;
      }
      writeStatus(status, new Metadata(), !headersSentOnLoop, badInput);
      completed = true;
      cancelled = true;
      cleanUp();
      context.cancel(status.asException());
      callExecutor.execute(() -> {
        failed = true;
        if (listener != null) {
          context.run(listener::onCancel);
        }
      });
    });
  }

  private void writeStatus(Status status, Metadata trailers, boolean trailersOnly, boolean badInput) {
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
    headersSentOnLoop = true;
    // A client still sending is told to stop once the trailers are out (not before: a reset
    // would drop them if they wait behind flow-controlled data).
    connection.writeHeaders(streamId, h, true, connection.isRemoteOpen(streamId)
        ? f -> connection.resetIfRemoteOpen(streamId, badInput) : null);
  }

  private void deliver(java.util.function.Consumer<Listener<Q>> event) {
    callExecutor.execute(() -> invoke(event));
  }

  /** Runs a listener event on the current (call executor) thread. */
  private void invoke(java.util.function.Consumer<Listener<Q>> event) {
    if (failed) {
      return;
    }
    context.run(() -> {
      try {
        event.accept(listener);
      } catch (Throwable t) {
        failFromApplication(t);
      }
    });
  }

  private void failFromApplication(Throwable t) {
    failed = true;
    Status status = t instanceof StatusException se ? se.status()
        : Status.UNKNOWN.withDescription("application error").withCause(t);
    if (!(t instanceof StatusException)) {
      LOG.log(Level.WARNING, "call handler threw for " + method.fullMethodName(), t);
    }
    closeInternally(status, false);
  }

  // ---------------------------------------------------------------- application side

  @Override
  public void request(int numMessages) {
    if (numMessages <= 0) {
      throw new IllegalArgumentException("numMessages must be > 0: " + numMessages);
    }
    connection.writeQueue().enqueue(() -> {
      if (!completed) {
        deframer.request(numMessages);
      }
    });
  }

  @Override
  public void sendHeaders(Metadata headers) {
    if (headersSent) {
      throw new IllegalStateException("headers already sent");
    }
    if (closeCalled) {
      throw new IllegalStateException("call already closed");
    }
    headersSent = true;
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
        headersSentOnLoop = true;
        connection.writeHeaders(streamId, h, false, null);
      }
    });
  }

  @Override
  public void sendMessage(R message) {
    if (closeCalled) {
      throw new IllegalStateException("call already closed");
    }
    if (cancelled) {
      return;
    }
    if (!headersSent) {
      sendHeaders(new Metadata());
    }
    ByteBuf frame = MessageFramer.frame(connection.ctx().alloc(), method.responseMarshaller(), message,
        -1, messageCompression ? responseCompressor : null);
    pendingBytes.addAndGet(frame.readableBytes());
    connection.writeQueue().enqueue(new SendMessage(frame));
  }

  /** Writes one framed message on the event loop, and is told when it has left (for isReady). */
  private final class SendMessage implements Runnable, ChannelFutureListener {
    private final ByteBuf frame;
    private final int size;

    SendMessage(ByteBuf frame) {
      this.frame = frame;
      this.size = frame.readableBytes();
    }

    @Override
    public void run() {
      if (completed) {
        frame.release();
        return;
      }
      connection.writeData(streamId, frame, this);
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      onWritten(size);
    }
  }

  private void onWritten(int size) {
    long after = pendingBytes.addAndGet(-size);
    if (after < ON_READY_THRESHOLD && after + size >= ON_READY_THRESHOLD) {
      deliver(Listener::onReady);
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (closeCalled) {
      throw new IllegalStateException("call already closed");
    }
    closeCalled = true;
    Metadata t = trailers == null ? new Metadata() : trailers;
    connection.writeQueue().enqueue(() -> {
      if (completed) {
        return;
      }
      completed = true;
      writeStatus(status, t, !headersSentOnLoop, false);
      cleanUp();
      callExecutor.execute(() -> {
        if (listener != null && !failed) {
          context.run(() -> {
            try {
              listener.onComplete();
            } catch (Throwable e) {
              LOG.log(Level.WARNING, "onComplete threw for " + method.fullMethodName(), e);
            }
          });
        }
      });
      context.cancel(null);
    });
  }

  @Override
  public void setCompression(String encoding) {
    if (headersSent) {
      throw new IllegalStateException("compression must be set before the response headers");
    }
    if (encoding == null || "identity".equals(encoding)) {
      responseCompressor = null;
      return;
    }
    Compressor c = Compressors.get(encoding);
    if (c == null) {
      throw new IllegalArgumentException("unknown compressor '" + encoding + "'");
    }
    // Only an encoding the client accepts; otherwise the response goes uncompressed.
    responseCompressor = Compressors.accepts(acceptEncoding, encoding) ? c : null;
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    messageCompression = enabled;
  }

  @Override
  public boolean isMessageCompressed() {
    return currentMessageCompressed;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public boolean isReady() {
    return !cancelled && pendingBytes.get() < ON_READY_THRESHOLD;
  }

  @Override
  public MethodDescriptor<Q, R> method() {
    return method;
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
  public Deadline deadline() {
    return deadline;
  }
}
