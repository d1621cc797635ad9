package io.conduit.internal.transport;

import io.conduit.CallOptions;
import io.conduit.Compressor;
import io.conduit.ClientCall;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.internal.Compressors;
import io.conduit.internal.GrpcTimeout;
import io.conduit.internal.HttpStatusMapping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.ReadOnlyHttp2Headers;
import io.netty.util.AsciiString;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call on a client channel. Until the balancer gives it a connection the call is pending:
 * its commands wait in a list. Once attached, the application's methods enqueue commands on the
 * connection's write queue; frames arrive on the event loop; the listener runs on the call's
 * serializing executor.
 */
public final class NettyClientCall<Q, R> extends ClientCall<Q, R> implements MessageDeframer.Listener {
  private static final System.Logger LOG = System.getLogger(NettyClientCall.class.getName());

  /** What a call needs from its channel. */
  public interface Host {
    /** Finds the call a connection ({@link #attach}), queues it, or fails it ({@link #failEarly}). */
    void startCall(NettyClientCall<?, ?> call);

    /** Places a call again after a transparent retry (its connection refused it unseen). */
    void retryCall(NettyClientCall<?, ?> call);

    /** The call is over, whether it reached a connection or not. */
    void callClosed(NettyClientCall<?, ?> call);

    String authority();

    AsciiString userAgent();

    int maxInboundMessageSize();

    /** For timers of calls not yet on a connection. */
    ScheduledExecutorService scheduler();

    /** The time the call's deadline timer runs on. */
    io.conduit.Clock clock();
  }

  private final Host host;
  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final Executor callExecutor;
  private final AtomicLong pendingBytes = new AtomicLong();
  private final Object lock = new Object();

  // Application side.
  private Listener<R> listener;
  private Metadata requestMetadata;
  private Deadline deadline;
  private Context context;
  private volatile Runnable contextListener;
  private boolean started;
  private boolean halfClosed;
  private volatile boolean closedForApp;
  /** Set on the call executor when a response cannot be parsed; overrides the server's status. */
  private Status localFailure;
  /** The request encoding (CallOptions.withCompression), or null. */
  private Compressor requestCompressor;
  private volatile boolean messageCompression = true;
  /** The response encoding the server announced, or null (set on the event loop). */
  private volatile Compressor responseCompressor;

  /** Retry buffer limit: a call that sent more than this before its response began cannot be replayed. */
  static final int REPLAY_LIMIT = 1024 * 1024;
  private static final int MAX_TRANSPARENT_RETRIES = 5;

  // Guarded by lock: the pending commands until attached (then null), the connection.
  private List<Runnable> pendingCommands = new ArrayList<>();
  private volatile ClientConnectionHandler connection;
  private boolean failedEarly;
  /** The attempt number; commands of an earlier attempt are stale. Written under lock. */
  private volatile int epoch;
  // What a transparent retry replays: the frames sent, the credits asked; until committed.
  private List<ByteBuf> replay = new ArrayList<>();
  private long replayBytes;
  private int requestedTotal;
  private int transparentRetries;

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

  public MethodDescriptor<Q, R> method() {
    return method;
  }

  public CallOptions options() {
    return options;
  }

  /** The metadata the call was started with, for pickers. */
  public Metadata requestHeaders() {
    return requestMetadata;
  }

  // ---------------------------------------------------------------- application side

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    if (started) {
      throw new IllegalStateException("call already started");
    }
    started = true;
    this.listener = java.util.Objects.requireNonNull(listener, "listener");
    this.requestMetadata = headers == null ? new Metadata() : headers;
    context = Context.current();
    deadline = options.deadline() == null
        ? context.deadline()
        : options.deadline().minimum(context.deadline());
    String encoding = options.compression();
    if (encoding != null && !"identity".equals(encoding)) {
      requestCompressor = Compressors.get(encoding);
      if (requestCompressor == null) {
        failEarly(Status.INTERNAL.withDescription("unknown compressor '" + encoding + "'; known: "
            + Compressors.acceptEncoding()));
        return;
      }
    }
    if (context.isCancelled()) {
      failEarly(Status.CANCELLED.withDescription("context cancelled before the call started")
          .withCause(context.cancellationCause()));
      return;
    }
    if (deadline != null) {
      long nanos = deadline.remainingNanos();
      if (nanos <= 0) {
        failEarly(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded before the call started"));
        return;
      }
      deadlineTimer = host.clock().schedule(host.scheduler(),
          () -> cancelWith(Status.DEADLINE_EXCEEDED.withDescription(
              "deadline exceeded after " + String.format("%.3fs", nanos / 1e9))),
          nanos, TimeUnit.NANOSECONDS);
    }
    if (context != Context.ROOT) {
      contextListener = () -> cancel("context cancelled", context.cancellationCause());
      context.addListener(contextListener);
    }
    host.startCall(this);
  }

  /** Whether the call waits for a READY backend instead of failing fast. */
  public boolean isWaitForReady() {
    return options.isWaitForReady();
  }

  /**
   * Gives the call its connection: the stream opens and the commands queued meanwhile follow.
   * Returns false when the call ended before.
   */
  public boolean attach(ClientConnectionHandler conn) {
    List<Runnable> queued;
    synchronized (lock) {
      if (failedEarly || connection != null) {
        return false;
      }
      connection = conn;
      queued = pendingCommands;
      pendingCommands = null;
      // The stream goes first, then the commands in their order; all under the lock so a
      // concurrent command cannot overtake them.
      int attempt = epoch;
      conn.writeQueue().enqueue(() -> {
        if (closed || attempt != epoch) {
          return;
        }
        deframer = new MessageDeframer(ByteBufAllocator.DEFAULT, this, maxInboundMessageSize());
        conn.newStream(this, requestHeaders(conn.isSecure()), attempt);
      });
      for (Runnable command : queued) {
        conn.writeQueue().enqueue(command);
      }
    }
    if (isReady()) {
      callExecutor.execute(() -> {
        if (!closedForApp) {
          listener.onReady();
        }
      });
    }
    return true;
  }

  /** Ends a call that never reached a connection; returns false if it had one (or ended). */
  public boolean failEarly(Status status) {
    List<Runnable> queued;
    synchronized (lock) {
      if (failedEarly || connection != null) {
        return false;
      }
      failedEarly = true;
      closed = true;
      queued = pendingCommands;
      pendingCommands = null;
      releaseReplay();
    }
    // The queued commands see the call closed and release what they hold.
    for (Runnable command : queued) {
      command.run();
    }
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
    host.callClosed(this);
    deliverClose(status, new Metadata());
    return true;
  }

  private void enqueue(Runnable command) {
    enqueue(command, () -> {});
  }

  /**
   * Queues a command for the current attempt; should the attempt be replaced by a transparent
   * retry before it runs, {@code discard} runs instead (to release what it holds).
   */
  private void enqueue(Runnable command, Runnable discard) {
    AttemptCommand c;
    synchronized (lock) {
      c = new AttemptCommand() {
        @Override
        void execute() {
          command.run();
        }

        @Override
        void discard() {
          discard.run();
        }
      };
    }
    enqueue(c);
  }

  /** Queues a command (made under the lock, so it belongs to the current attempt). */
  private void enqueue(AttemptCommand command) {
    ClientConnectionHandler conn;
    synchronized (lock) {
      if (pendingCommands != null) {
        pendingCommands.add(command);
        return;
      }
      conn = connection;
    }
    if (conn == null) {
      // Failed before it had a connection: the command runs against a closed call.
      command.run();
    } else {
      conn.writeQueue().enqueue(command);
    }
  }

  /**
   * A command for the attempt that was current when it was made (under the lock): once a
   * transparent retry has replaced that attempt, it is discarded instead of run. One object per
   * command, since messages and half-closes come on every call.
   */
  private abstract class AttemptCommand implements Runnable {
    private final int attempt = epoch;

    @Override
    public final void run() {
      if (attempt == epoch) {
        execute();
      } else {
        discard();
      }
    }

    abstract void execute();

    void discard() {}
  }

  /** Writes one framed message, and is told when it has left (for isReady). */
  private final class SendMessage extends AttemptCommand implements ChannelFutureListener {
    private final ByteBuf frame;
    private final int size;

    SendMessage(ByteBuf frame, int size) {
      this.frame = frame;
      this.size = size;
    }

    @Override
    void execute() {
      if (closed) {
        discard();
        return;
      }
      connection.writeData(streamId, frame, false, this);
    }

    @Override
    void discard() {
      frame.release();
      onWritten(size);
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      onWritten(size);
    }
  }

  private final class HalfClose extends AttemptCommand {
    @Override
    void execute() {
      if (!closed) {
        connection.writeData(streamId, Unpooled.EMPTY_BUFFER, true);
      }
    }
  }

  private final class Request extends AttemptCommand {
    private final int messages;

    Request(int messages) {
      this.messages = messages;
    }

    @Override
    void execute() {
      if (!closed && deframer != null) {
        deframer.request(messages);
      }
    }
  }

  /** Called with the lock held: nothing more will be replayed. */
  private void releaseReplay() {
    if (replay != null) {
      replay.forEach(ByteBuf::release);
      replay = null;
    }
  }

  /**
   * The request headers, in an immutable array-backed instance (much lighter than a map for the
   * dozen headers a call sends). {@code :path} and {@code :authority} come from a cache.
   */
  private Http2Headers requestHeaders(boolean secure) {
    Metadata md = requestMetadata;
    int extra = (requestCompressor != null ? 2 : 0) + (deadline != null ? 2 : 0)
        + (md == null ? 0 : 2 * md.size());
    AsciiString[] other = new AsciiString[8 + extra];
    int i = 0;
    other[i++] = GrpcHeaders.CONTENT_TYPE;
    other[i++] = GrpcHeaders.APPLICATION_GRPC;
    other[i++] = GrpcHeaders.TE;
    other[i++] = GrpcHeaders.TRAILERS;
    other[i++] = GrpcHeaders.USER_AGENT;
    other[i++] = host.userAgent();
    other[i++] = GrpcHeaders.GRPC_ACCEPT_ENCODING;
    other[i++] = GrpcHeaders.ACCEPT_ENCODING_VALUE;
    if (requestCompressor != null) {
      other[i++] = GrpcHeaders.GRPC_ENCODING;
      other[i++] = AsciiString.of(requestCompressor.name());
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
        GrpcHeaders.cachedAscii(method.path()), secure ? GrpcHeaders.HTTPS : GrpcHeaders.HTTP,
        GrpcHeaders.cachedAscii(host.authority()), other);
  }

  @Override
  public void request(int numMessages) {
    if (numMessages <= 0) {
      throw new IllegalArgumentException("numMessages must be > 0: " + numMessages);
    }
    checkStarted();
    synchronized (lock) {
      requestedTotal = (int) Math.min(Integer.MAX_VALUE, (long) requestedTotal + numMessages);
      enqueue(new Request(numMessages));
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (!started) {
      return;
    }
    cancelWith(Status.CANCELLED.withDescription(message).withCause(cause));
  }

  private void cancelWith(Status status) {
    if (!failEarly(status)) {
      // If the attempt is replaced before this runs, the cancel goes to the new one.
      enqueue(() -> cancelOnLoop(status), () -> cancelWith(status));
    }
  }

  @Override
  public void halfClose() {
    checkStarted();
    if (halfClosed) {
      throw new IllegalStateException("call already half-closed");
    }
    synchronized (lock) {
      halfClosed = true;
      enqueue(new HalfClose());
    }
  }

  @Override
  public void sendMessage(Q message) {
    checkStarted();
    if (halfClosed) {
      throw new IllegalStateException("call already half-closed");
    }
    if (closedForApp) {
      return;
    }
    ByteBuf frame;
    try {
      frame = MessageFramer.frame(ByteBufAllocator.DEFAULT, method.requestMarshaller(), message,
          options.maxOutboundMessageSize(), messageCompression ? requestCompressor : null);
    } catch (StatusException e) {
      cancelWith(e.status());
      return;
    } catch (RuntimeException e) {
      cancelWith(Status.INTERNAL.withDescription("failed to serialize the request: " + e).withCause(e));
      return;
    }
    int size = frame.readableBytes();
    pendingBytes.addAndGet(size);
    synchronized (lock) {
      if (replay != null) {
        if (replayBytes + size > REPLAY_LIMIT) {
          // Too much to keep: this call can no longer be retried transparently.
          releaseReplay();
        } else {
          replay.add(frame.retainedDuplicate());
          replayBytes += size;
        }
      }
      enqueue(new SendMessage(frame, size));
    }
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

  private int maxInboundMessageSize() {
    return options.maxInboundMessageSize() >= 0
        ? options.maxInboundMessageSize() : host.maxInboundMessageSize();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    messageCompression = enabled;
  }

  private void checkStarted() {
    if (!started) {
      throw new IllegalStateException("call not started");
    }
  }

  private void deliverClose(Status status, Metadata trailers) {
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

  // ---------------------------------------------------------------- event loop side

  void streamCreated(int id) {
    this.streamId = id;
  }

  int epoch() {
    return epoch;
  }

  /**
   * The stream of attempt {@code attempt} never reached the server's application (never sent,
   * REFUSED_STREAM, or beyond a GOAWAY's last stream id): retry it transparently on a new pick
   * when it can be replayed (gRFC A6), fail it otherwise.
   */
  void refused(Status status, int attempt) {
    if (closed || attempt != epoch) {
      return;
    }
    if (!tryTransparentRetry()) {
      closeOnLoop(status, new Metadata());
    }
  }

  private boolean tryTransparentRetry() {
    ClientConnectionHandler old;
    int oldStream = streamId;
    synchronized (lock) {
      if (replay == null || headersReceived || failedEarly || closedForApp
          || transparentRetries >= MAX_TRANSPARENT_RETRIES || connection == null) {
        return false;
      }
      transparentRetries++;
      epoch++;
      old = connection;
      connection = null;
      int attempt = epoch;
      List<Runnable> commands = new ArrayList<>();
      for (ByteBuf frame : replay) {
        ByteBuf copy = frame.retainedDuplicate();
        commands.add(() -> {
          if (closed || attempt != epoch) {
            copy.release();
          } else {
            connection.writeData(streamId, copy, false);
          }
        });
      }
      int credits = requestedTotal;
      if (credits > 0) {
        commands.add(() -> {
          if (!closed && attempt == epoch && deframer != null) {
            deframer.request(credits);
          }
        });
      }
      if (halfClosed) {
        commands.add(() -> {
          if (!closed && attempt == epoch) {
            connection.writeData(streamId, Unpooled.EMPTY_BUFFER, true);
          }
        });
      }
      pendingCommands = commands;
    }
    // This attempt's stream is over; the call moves on.
    if (deframer != null) {
      deframer.close();
      deframer = null;
    }
    old.remove(oldStream);
    streamId = 0;
    host.retryCall(this);
    return true;
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
      synchronized (lock) {
        // The response has begun: this call will not be replayed any more.
        releaseReplay();
      }
      Status httpFailure = checkResponseHeaders(headers);
      if (httpFailure != null) {
        if (!endStream) {
          connection.reset(streamId, Http2Error.CANCEL);
        }
        closeOnLoop(httpFailure, GrpcHeaders.toMetadata(headers));
        return;
      }
      if (!endStream) {
        CharSequence encoding = headers.get(GrpcHeaders.GRPC_ENCODING);
        if (encoding != null && !"identity".contentEquals(encoding)) {
          Compressor c = Compressors.get(encoding.toString());
          if (c == null) {
            connection.reset(streamId, Http2Error.CANCEL);
            closeOnLoop(Status.INTERNAL.withDescription("server used unsupported message encoding '"
                + encoding + "'"), new Metadata());
            return;
          }
          responseCompressor = c;
          deframer.allowCompressed();
        }
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
    if (trailersReceived) {
      return;
    }
    Status status = HttpStatusMapping.fromRstStream(errorCode);
    if (errorCode == Http2Error.REFUSED_STREAM.code() && !headersReceived) {
      refused(status, epoch);
      return;
    }
    if (status.code() == Status.Code.CANCELLED && deadline != null && deadline.isExpired()) {
      // The server's copy of our deadline fired first: report it as what it is.
      status = Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded (stream reset by server)");
    }
    closeOnLoop(status, new Metadata());
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
  public void messageRead(ByteBuf payload, boolean compressed) {
    Compressor decompressor = responseCompressor;
    callExecutor.execute(() -> {
      R message;
      ByteBuf inflated = null;
      try {
        if (closedForApp || localFailure != null) {
          return;
        }
        if (compressed) {
          inflated = MessageFramer.decompress(ByteBufAllocator.DEFAULT, decompressor, payload,
              maxInboundMessageSize());
        }
        message = MessageFramer.parse(method.responseMarshaller(), inflated != null ? inflated : payload);
      } catch (Throwable t) {
        Status status = t instanceof StatusException se ? se.status()
            : Status.INTERNAL.withDescription("failed to parse the response message: " + t).withCause(t);
        // The trailers may already be on their way to this executor; the close must report this.
        localFailure = status;
        cancelWith(status);
        return;
      } finally {
        payload.release();
        if (inflated != null) {
          inflated.release();
        }
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
    synchronized (lock) {
      releaseReplay();
    }
    if (deframer != null) {
      deframer.close();
    }
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
    connection.remove(streamId);
    if (trailersReceived && streamId > 0) {
      // The server finished before we half-closed: nothing more will be read, stop sending.
      connection.resetIfLocalOpen(streamId);
    }
    host.callClosed(this);
    deliverClose(status, trailers);
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
