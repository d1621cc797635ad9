package io.conduit.internal.transport;

import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.internal.GrpcTimeout;
import io.conduit.internal.HttpStatusMapping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call on a client connection. The application's methods enqueue commands on the
 * connection's write queue; frames arrive on the event loop; the listener runs on the call's
 * serializing executor.
 */
public final class NettyClientCall<Q, R> extends ClientCall<Q, R> implements MessageDeframer.Listener {
  private static final System.Logger LOG = System.getLogger(NettyClientCall.class.getName());

  /** What a call needs from its channel. */
  public interface Host {
    /** A usable connection for a new call, or {@code null} when the channel is shut down. */
    ClientConnectionHandler connection();

    String authority();

    AsciiString userAgent();

    int maxInboundMessageSize();
  }

  private final Host host;
  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final Executor callExecutor;
  private final AtomicLong pendingBytes = new AtomicLong();

  // Application side.
  private Listener<R> listener;
  private ClientConnectionHandler connection;
  private Context context;
  private volatile Runnable contextListener;
  private boolean started;
  private boolean halfClosed;
  private volatile boolean closedForApp;
  /** Set on the call executor when a response cannot be parsed; overrides the server's status. */
  private Status localFailure;

  // Event loop side.
  private int streamId;
  private MessageDeframer deframer;
  private boolean closed;
  private boolean headersReceived;
  private boolean trailersReceived;
  private Status pendingStatus;
  private Metadata pendingTrailers;
  private volatile ScheduledFuture<?> deadlineTimer;

  public NettyClientCall(Host host, MethodDescriptor<Q, R> method, CallOptions options,
      Executor callExecutor) {
    this.host = host;
    this.method = method;
    this.options = options;
    this.callExecutor = callExecutor;
  }

  // ---------------------------------------------------------------- application side

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    if (started) {
      throw new IllegalStateException("call already started");
    }
    started = true;
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    context = Context.current();
    Deadline deadline = options.deadline() == null
        ? context.deadline()
        : options.deadline().minimum(context.deadline());
    if (context.isCancelled()) {
      closeEarly(Status.CANCELLED.withDescription("context cancelled before the call started")
          .withCause(context.cancellationCause()));
      return;
    }
    if (deadline != null && deadline.isExpired()) {
      closeEarly(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded before the call started"));
      return;
    }
    ClientConnectionHandler conn = host.connection();
    if (conn == null) {
      closeEarly(Status.UNAVAILABLE.withDescription("channel shut down"));
      return;
    }
    connection = conn;
    Http2Headers h = requestHeaders(headers, deadline);
    if (deadline != null) {
      long nanos = deadline.remainingNanos();
      deadlineTimer = conn.eventLoop().schedule(
          () -> cancelOnLoop(Status.DEADLINE_EXCEEDED.withDescription(
              "deadline exceeded after " + formatSeconds(nanos))),
          nanos, TimeUnit.NANOSECONDS);
    }
    if (context != Context.ROOT) {
      contextListener = () -> cancel("context cancelled", context.cancellationCause());
      context.addListener(contextListener);
    }
    conn.writeQueue().enqueue(() -> {
      if (closed) {
        return;
      }
      int limit = options.maxInboundMessageSize() >= 0
          ? options.maxInboundMessageSize() : host.maxInboundMessageSize();
      deframer = new MessageDeframer(ByteBufAllocator.DEFAULT, this, limit);
      conn.newStream(this, h);
    });
  }

  private static String formatSeconds(long nanos) {
    return String.format("%.3fs", nanos / 1e9);
  }

  private Http2Headers requestHeaders(Metadata metadata, Deadline deadline) {
    Http2Headers h = new DefaultHttp2Headers(false)
        .method(GrpcHeaders.POST)
        .scheme(GrpcHeaders.HTTP)
        .path(AsciiString.of(method.path()))
        .authority(host.authority())
        .set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC)
        .set(GrpcHeaders.TE, GrpcHeaders.TRAILERS)
        .set(GrpcHeaders.USER_AGENT, host.userAgent());
    if (deadline != null) {
      h.set(GrpcHeaders.GRPC_TIMEOUT, GrpcTimeout.encode(Math.max(1, deadline.remainingNanos())));
    }
    GrpcHeaders.addMetadata(h, metadata);
    return h;
  }

  /** Fails a call that never reached a connection. */
  private void closeEarly(Status status) {
    closedForApp = true;
    callExecutor.execute(() -> listener.onClose(status, new Metadata()));
  }

  @Override
  public void request(int numMessages) {
    if (numMessages <= 0) {
      throw new IllegalArgumentException("numMessages must be > 0: " + numMessages);
    }
    checkStarted();
    if (connection == null) {
      return;
    }
    connection.writeQueue().enqueue(() -> {
      if (!closed && deframer != null) {
        deframer.request(numMessages);
      }
    });
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (connection == null) {
      // Not started, or failed before reaching a connection: nothing to cancel.
      return;
    }
    Status status = Status.CANCELLED.withDescription(message).withCause(cause);
    connection.writeQueue().enqueue(() -> cancelOnLoop(status));
  }

  @Override
  public void halfClose() {
    checkStarted();
    if (halfClosed) {
      throw new IllegalStateException("call already half-closed");
    }
    halfClosed = true;
    if (connection == null) {
      return;
    }
    connection.writeQueue().enqueue(() -> {
      if (!closed) {
        connection.writeData(streamId, Unpooled.EMPTY_BUFFER, true);
      }
    });
  }

  @Override
  public void sendMessage(Q message) {
    checkStarted();
    if (halfClosed) {
      throw new IllegalStateException("call already half-closed");
    }
    if (connection == null || closedForApp) {
      return;
    }
    ByteBuf frame;
    try {
      frame = MessageFramer.frame(connection.ctx() == null ? ByteBufAllocator.DEFAULT
          : connection.ctx().alloc(), method.requestMarshaller(), message,
          options.maxOutboundMessageSize());
    } catch (StatusException e) {
      cancelWith(e.status());
      return;
    } catch (RuntimeException e) {
      cancelWith(Status.INTERNAL.withDescription("failed to serialize the request: " + e).withCause(e));
      return;
    }
    int size = frame.readableBytes();
    pendingBytes.addAndGet(size);
    connection.writeQueue().enqueue(() -> {
      if (closed) {
        frame.release();
        return;
      }
      connection.writeData(streamId, frame, false, f -> onWritten(size));
    });
  }

  private void cancelWith(Status status) {
    connection.writeQueue().enqueue(() -> cancelOnLoop(status));
  }

  private void onWritten(int size) {
    long after = pendingBytes.addAndGet(-size);
    if (after < NettyServerCall.ON_READY_THRESHOLD && after + size >= NettyServerCall.ON_READY_THRESHOLD) {
      callExecutor.execute(() -> {
        if (!closedForApp) {
          listener.onReady();
        }
      });
    }
  }

  @Override
  public boolean isReady() {
    return !closedForApp && connection != null
        && pendingBytes.get() < NettyServerCall.ON_READY_THRESHOLD;
  }

  private void checkStarted() {
    if (!started) {
      throw new IllegalStateException("call not started");
    }
  }

  // ---------------------------------------------------------------- event loop side

  void streamCreated(int id) {
    this.streamId = id;
  }

  private void cancelOnLoop(Status status) {
    if (closed) {
      return;
    }
    int id = streamId;
    // Close first: the reset closes the HTTP/2 stream, which must not report a status of its own.
    closeOnLoop(status, new Metadata());
    if (id > 0) {
      connection.reset(id, Http2Error.CANCEL);
      connection.flush(connection.ctx());
    }
  }

  void inboundHeaders(Http2Headers headers, boolean endStream) {
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
        closeOnLoop(httpFailure, GrpcHeaders.toMetadata(headers));
        return;
      }
      if (!endStream) {
        Metadata md = GrpcHeaders.toMetadata(headers);
        deliver(() -> listener.onHeaders(md));
        return;
      }
      // Trailers-Only.
    } else if (!endStream) {
      connection.reset(streamId, Http2Error.PROTOCOL_ERROR);
      closeOnLoop(Status.INTERNAL.withDescription("second HEADERS frame without END_STREAM"), new Metadata());
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
      closeOnLoop(status, pendingTrailers);
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
    if (closed) {
      data.release();
      return;
    }
    if (!headersReceived) {
      data.release();
      connection.reset(streamId, Http2Error.PROTOCOL_ERROR);
      closeOnLoop(Status.INTERNAL.withDescription("DATA frame before response headers"), new Metadata());
      return;
    }
    deframer.add(data);
    if (endStream && !closed) {
      closeOnLoop(Status.INTERNAL.withDescription("server ended the stream without trailers"),
          new Metadata());
    }
  }

  void inboundReset(long errorCode) {
    if (!trailersReceived) {
      closeOnLoop(HttpStatusMapping.fromRstStream(errorCode), new Metadata());
    }
  }

  /** The HTTP/2 stream closed; a call still waiting for its status will not get it. */
  void streamClosed() {
    if (!trailersReceived) {
      closeOnLoop(Status.UNAVAILABLE.withDescription("stream closed before the response completed"),
          new Metadata());
    }
  }

  /** The connection failed or closed. */
  void transportClosed(Status status) {
    closeOnLoop(status, new Metadata());
  }

  @Override
  public void bytesConsumed(int bytes) {
    connection.consumeBytes(streamId, bytes);
  }

  @Override
  public void messageRead(ByteBuf payload) {
    callExecutor.execute(() -> {
      R message;
      try {
        if (closedForApp || localFailure != null) {
          return;
        }
        message = method.responseMarshaller().parse(payload.nioBuffer());
      } catch (Throwable t) {
        Status status = t instanceof StatusException se ? se.status()
            : Status.INTERNAL.withDescription("failed to parse the response message: " + t).withCause(t);
        // The trailers may already be on their way to this executor; the close must report this.
        localFailure = status;
        cancelWith(status);
        return;
      } finally {
        payload.release();
      }
      try {
        listener.onMessage(message);
      } catch (Throwable t) {
        LOG.log(Level.WARNING, "onMessage threw; cancelling the call", t);
        localFailure = Status.CANCELLED.withDescription("listener threw: " + t).withCause(t);
        cancelWith(localFailure);
      }
    });
  }

  @Override
  public void endOfStream() {
    closeOnLoop(pendingStatus, pendingTrailers);
  }

  @Override
  public void deframeFailed(Status status) {
    cancelOnLoop(status);
  }

  private void closeOnLoop(Status status, Metadata trailers) {
    if (closed) {
      return;
    }
    closed = true;
    if (deframer != null) {
      deframer.close();
    }
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
    }
    connection.remove(streamId);
    if (trailersReceived && streamId > 0) {
      // The server finished before we half-closed: nothing more will be read, stop sending.
      connection.resetIfLocalOpen(streamId);
    }
    Runnable contextL = contextListener;
    callExecutor.execute(() -> {
      if (closedForApp) {
        return;
      }
      closedForApp = true;
      if (contextL != null) {
        context.removeListener(contextL);
      }
      try {
        listener.onClose(localFailure != null ? localFailure : status, trailers);
      } catch (Throwable t) {
        LOG.log(Level.WARNING, "onClose threw", t);
      }
    });
  }

  private void deliver(Runnable event) {
    callExecutor.execute(() -> {
      if (closedForApp) {
        return;
      }
      try {
        event.run();
      } catch (Throwable t) {
        LOG.log(Level.WARNING, "listener threw; cancelling the call", t);
        cancelWith(Status.CANCELLED.withDescription("listener threw: " + t).withCause(t));
      }
    });
  }
}
