package io.conduit.internal;

import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.ClientCallTracer;
import io.conduit.Clock;
import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.balancer.LoadBalancer;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientStreamListener;
import io.conduit.internal.transport.ClientConnection;
import io.conduit.internal.transport.InboundMessage;
import io.conduit.internal.transport.StreamRequest;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The application's side of one call on a channel: its state, deadline, context and listener.
 * Until the balancer gives it a transport the call waits and queues what the application does;
 * then it runs on one {@link ClientStream}. A stream the server never saw (refused, or cut off by
 * a GOAWAY) is replayed on a new pick, transparently, while the request still fits the replay
 * buffer and no response has begun. Listener callbacks run on the call's serializing executor.
 */
public final class ClientCallImpl<Q, R> extends ClientCall<Q, R> implements ClientStreamListener {
  private static final System.Logger LOG = System.getLogger(ClientCallImpl.class.getName());

  /** A call that sent more than this before its response began cannot be replayed. */
  static final int REPLAY_LIMIT = 1024 * 1024;
  private static final int MAX_TRANSPARENT_RETRIES = 5;

  /**
   * A listener that replays refused streams itself (the retry layer, for its attempts): it hears
   * {@link #onRefused} instead of {@code onClose} when the server's application never saw the
   * stream, on the call's executor.
   */
  interface RefusalListener {
    void onRefused(Status status);
  }

  /** What a call needs from its channel. */
  public interface Placer {
    /** Finds the call a transport ({@link #attach}), queues it, or fails it ({@link #failEarly}). */
    void startCall(ClientCallImpl<?, ?> call);

    /** Places a call again after a transparent retry (its stream was refused unseen). */
    void retryCall(ClientCallImpl<?, ?> call);

    /** The call is over, whether it reached a transport or not. */
    void callClosed(ClientCallImpl<?, ?> call);

    int maxInboundMessageSize();

    /** For the call's deadline timer. */
    ScheduledExecutorService scheduler();

    Clock clock();
  }

  private final Placer host;
  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final Executor callExecutor;
  /** Whether this call replays refused streams itself (false when a retry layer above does). */
  private final boolean transparentRetry;
  private final Object lock = new Object();
  /** The call's tracer when this call is the whole call (no retry layer above it), else null. */
  private final ClientCallTracer callTracer;
  /** The current attempt's tracer and message counts; null when the call is not traced. */
  private volatile TracedAttempt traced;

  // Application side.
  private Listener<R> listener;
  private Metadata requestMetadata;
  private Deadline deadline;
  private Context context;
  private volatile Runnable contextListener;
  private boolean started;
  private boolean halfClosed;
  /** How a call whose deadline was over before it started ends. */
  static final String DEADLINE_ALREADY_PASSED =
      "the deadline had already passed when the call started";

  private volatile boolean closedForApp;
  /**
   * The call's outcome decided on this side, which overrides the server's status: a cancellation,
   * an expired deadline, a response that cannot be parsed, a listener that threw.
   */
  private volatile Status localFailure;
  private Compressor requestCompressor;
  private StreamRequest streamRequest;
  private ScheduledFuture<?> deadlineTimer;

  // Guarded by lock: what waits for a stream (then null), the stream, the replay buffer.
  private List<Consumer<ClientStream>> waiting = new ArrayList<>();
  private volatile ClientStream stream;
  /** Hears the end of the current stream, for the balancer that picked it; under the lock. */
  private LoadBalancer.CallEndListener pickListener;
  private boolean failedEarly;
  /** Whether the host knows the call (startCall ran), so that it must hear callClosed. */
  private boolean placed;
  /** Whether {@link #finish} has run: the call's timer and context listener must not outlive it. */
  private boolean finished;
  private boolean messageCompression = true;
  /**
   * Request messages sent so far, while a refused stream can still be replayed; else null. Empty
   * and one-message lists are immutable ones (no copy for a unary call), then an ArrayList.
   */
  private List<Q> replay = List.of();
  private long replayBytes;
  private int requestedTotal;
  private int transparentRetries;

  /** An untraced call. */
  public ClientCallImpl(Placer host, MethodDescriptor<Q, R> method, CallOptions options,
      Executor callExecutor, boolean transparentRetry) {
    this(host, method, options, callExecutor, transparentRetry, null, null);
  }

  /**
   * {@code callTracer}: this call is a whole call and is traced; {@code attemptTracer}: it is one
   * attempt of a traced call (the retry layer above traces the call). Both may be null.
   */
  public ClientCallImpl(Placer host, MethodDescriptor<Q, R> method, CallOptions options,
      Executor callExecutor, boolean transparentRetry, ClientCallTracer callTracer,
      ClientCallTracer.Attempt attemptTracer) {
    this.host = host;
    this.method = method;
    this.options = options;
    this.callExecutor = callExecutor;
    this.transparentRetry = transparentRetry;
    this.callTracer = callTracer;
    if (attemptTracer != null) {
      traced = new TracedAttempt(attemptTracer);
    }
    if (!transparentRetry) {
      replay = null;
    }
  }

  /** One attempt's tracer and what it has counted, replaced whole when a new attempt begins. */
  private static final class TracedAttempt {
    final ClientCallTracer.Attempt tracer;
    int sent;
    int received;

    TracedAttempt(ClientCallTracer.Attempt tracer) {
      this.tracer = tracer;
    }
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

  /** Whether the call waits for a READY backend instead of failing fast. */
  public boolean isWaitForReady() {
    return options.isWaitForReady();
  }

  // ---------------------------------------------------------------- application side

  /**
   * The earlier of the call's deadline and the one it inherits from {@code context}, counted on
   * the channel's {@code clock}; null when there is neither.
   */
  static Deadline effectiveDeadline(CallOptions options, Context context, io.conduit.Clock clock) {
    Deadline inherited = context.deadline() == null ? null : context.deadline().on(clock);
    return options.deadline() == null ? inherited : options.deadline().minimum(inherited);
  }

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    if (started) {
      throw new IllegalStateException("call already started");
    }
    started = true;
    this.listener = Objects.requireNonNull(listener, "listener");
    this.requestMetadata = headers == null ? new Metadata() : headers;
    if (callTracer != null) {
      traced = new TracedAttempt(callTracer.newAttempt(ClientCallTracer.AttemptInfo.FIRST));
    }
    context = Context.current();
    deadline = effectiveDeadline(options, context, host.clock());
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
    int maxInbound = options.maxInboundMessageSize() >= 0
        ? options.maxInboundMessageSize() : host.maxInboundMessageSize();
    streamRequest = new StreamRequest(method, requestMetadata, deadline, requestCompressor,
        maxInbound, options.maxOutboundMessageSize());
    long nanos = deadline == null ? 0 : deadline.remainingNanos();
    if (deadline != null && nanos <= 0) {
      failEarly(Status.DEADLINE_EXCEEDED.withDescription(DEADLINE_ALREADY_PASSED));
      return;
    }
    synchronized (lock) {
      placed = true;
    }
    host.startCall(this);
    // After the host knows the call, so that an early expiry or cancellation is counted as its end.
    // The delay is what is left now: placing the call took time (on a fake clock, maybe a lot).
    if (deadline != null) {
      ScheduledFuture<?> timer = host.clock().schedule(host.scheduler(),
          () -> cancelWith(Status.DEADLINE_EXCEEDED.withDescription(
              "deadline exceeded after " + String.format("%.3fs", nanos / 1e9))),
          Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
      boolean ended;
      synchronized (lock) {
        ended = finished;
        if (!ended) {
          deadlineTimer = timer;
        }
      }
      if (ended) {
        timer.cancel(false);
      }
    }
    if (context != Context.ROOT) {
      Runnable l = () -> cancel("context cancelled", context.cancellationCause());
      contextListener = l;
      context.addListener(l);
      boolean ended;
      synchronized (lock) {
        ended = finished;
      }
      if (ended) {
        context.removeListener(l);
      }
    }
  }

  /**
   * Gives the call its transport: the stream opens and what the application did meanwhile
   * follows. Returns false when the call ended before.
   */
  public boolean attach(ClientConnection transport) {
    return attach(transport, false, null);
  }

  /**
   * {@code pickDelayed}: the call waited for the balancer (tracers hear it); {@code pickListener}
   * (or null) hears how the stream ends.
   */
  boolean attach(ClientConnection transport, boolean pickDelayed,
      LoadBalancer.CallEndListener pickListener) {
    ClientStream s;
    boolean compression;
    StreamRequest request = streamRequest;
    TracedAttempt t = traced;
    if (t != null) {
      synchronized (lock) {
        if (failedEarly || stream != null) {
          return false;
        }
      }
      // Each attempt's own copy: what a tracer adds (trace context) must not pile up on replays.
      Metadata headers = new Metadata(request.headers());
      t.tracer.streamStarted(headers, pickDelayed);
      request = new StreamRequest(request.method(), headers, request.deadline(),
          request.compressor(), request.maxInboundMessageSize(), request.maxOutboundMessageSize());
    }
    synchronized (lock) {
      if (failedEarly || stream != null) {
        return false;
      }
      s = transport.newStream(request);
      // Commands keep queueing until the queue is drained: none can overtake the queued ones.
      stream = s;
      this.pickListener = pickListener;
      compression = messageCompression;
    }
    // Outside the lock: a transport may run the server's side of the call inline (in-process).
    s.start(this);
    if (!compression) {
      s.setMessageCompression(false);
    }
    drainWaiting(s);
    if (isReady()) {
      callExecutor.execute(() -> {
        if (!closedForApp) {
          listener.onReady();
        }
      });
    }
    return true;
  }

  /**
   * Runs what waited for {@code s}, batch by batch outside the lock, until nothing more waits;
   * then commands go straight to the stream.
   */
  private void drainWaiting(ClientStream s) {
    while (true) {
      List<Consumer<ClientStream>> batch;
      synchronized (lock) {
        if (stream != s || waiting == null) {
          return;
        }
        if (waiting.isEmpty()) {
          waiting = null;
          return;
        }
        batch = waiting;
        waiting = new ArrayList<>();
      }
      for (Consumer<ClientStream> command : batch) {
        command.accept(s);
      }
    }
  }

  /** Ends a call that has no stream; returns false if it has one (or ended). */
  public boolean failEarly(Status status) {
    synchronized (lock) {
      if (failedEarly || stream != null) {
        return false;
      }
      failedEarly = true;
      waiting = null;
      replay = null;
    }
    finish(status, new Metadata(), false);
    return true;
  }

  /** Runs {@code command} on the stream, or queues it until there is one. */
  private void onStream(Consumer<ClientStream> command) {
    ClientStream s;
    synchronized (lock) {
      if (waiting != null) {
        waiting.add(command);
        return;
      }
      s = stream;
    }
    if (s != null) {
      command.accept(s);
    }
  }

  @Override
  public void request(int numMessages) {
    if (numMessages <= 0) {
      throw new IllegalArgumentException("numMessages must be > 0: " + numMessages);
    }
    checkStarted();
    synchronized (lock) {
      requestedTotal = (int) Math.min(Integer.MAX_VALUE, (long) requestedTotal + numMessages);
    }
    onStream(s -> s.request(numMessages));
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (!started) {
      return;
    }
    cancelWith(Status.CANCELLED.withDescription(message).withCause(cause));
  }

  private void cancelWith(Status status) {
    synchronized (lock) {
      // Once the deadline has passed (or the call is cancelled) that is how it ends, even when the
      // server's answer is already on its way: the stream's reset is queued behind it.
      if (!finished && localFailure == null) {
        localFailure = status;
      }
    }
    if (!failEarly(status)) {
      ClientStream s = stream;
      if (s != null) {
        s.cancel(status);
      }
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
    }
    onStream(ClientStream::halfClose);
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
    ClientStream s;
    synchronized (lock) {
      if (replay != null) {
        long size = method.requestMarshaller().serializedSize(message);
        if (replayBytes + size > REPLAY_LIMIT) {
          // Too much to keep: this call can no longer be retried transparently.
          replay = null;
        } else {
          if (replay.isEmpty()) {
            replay = List.of(message);
          } else {
            if (!(replay instanceof ArrayList)) {
              replay = new ArrayList<>(replay);
            }
            replay.add(message);
          }
          replayBytes += size;
        }
      }
      if (waiting != null) {
        waiting.add(st -> write(st, message));
        return;
      }
      s = stream;
    }
    if (s != null) {
      write(s, message);
    }
  }

  private void write(ClientStream s, Q message) {
    try {
      int wireSize = s.writeMessage(message);
      TracedAttempt t = traced;
      if (t != null) {
        t.tracer.outboundMessage(t.sent++, method.requestMarshaller().serializedSize(message), wireSize);
      }
    } catch (StatusException e) {
      cancelWith(e.status());
    } catch (RuntimeException e) {
      cancelWith(Status.INTERNAL.withDescription("failed to serialize the request: " + e).withCause(e));
    }
  }

  @Override
  public boolean isReady() {
    ClientStream s = stream;
    return !closedForApp && s != null && s.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    synchronized (lock) {
      messageCompression = enabled;
    }
    onStream(s -> s.setMessageCompression(enabled));
  }

  private void checkStarted() {
    if (!started) {
      throw new IllegalStateException("call not started");
    }
  }

  // ---------------------------------------------------------------- stream events (transport thread)

  @Override
  public void headersRead(Metadata headers) {
    synchronized (lock) {
      // The response has begun: this call will not be replayed any more.
      replay = null;
    }
    TracedAttempt t = traced;
    if (t != null) {
      t.tracer.inboundHeaders(headers);
    }
    deliver(() -> listener.onHeaders(headers));
  }

  @Override
  public void messageRead(InboundMessage message) {
    callExecutor.execute(() -> {
      if (closedForApp || localFailure != null) {
        message.discard();
        return;
      }
      R parsed;
      try {
        parsed = message.parse(method.responseMarshaller());
      } catch (Throwable t) {
        Status status = t instanceof StatusException se ? se.status()
            : Status.INTERNAL.withDescription("failed to parse the response message: " + t).withCause(t);
        // The trailers may already be on their way to this executor; the close must report this.
        localFailure = status;
        cancelWith(status);
        return;
      }
      TracedAttempt ta = traced;
      if (ta != null) {
        ta.tracer.inboundMessage(ta.received++, message.size(), message.wireSize());
      }
      try {
        listener.onMessage(parsed);
      } catch (Throwable t) {
        LOG.log(Level.WARNING, "onMessage threw; cancelling the call", t);
        localFailure = Status.CANCELLED.withDescription("listener threw: " + t).withCause(t);
        cancelWith(localFailure);
      }
    });
  }

  @Override
  public void onReady() {
    callExecutor.execute(() -> {
      if (!closedForApp) {
        listener.onReady();
      }
    });
  }

  @Override
  public void closed(Status status, Metadata trailers, boolean refused) {
    LoadBalancer.CallEndListener picked;
    synchronized (lock) {
      picked = pickListener;
      pickListener = null;
    }
    if (picked != null) {
      try {
        picked.callEnded(status, trailers);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a balancer's call-end listener failed", e);
      }
    }
    if (refused && replayOnNewStream(status, trailers)) {
      return;
    }
    synchronized (lock) {
      replay = null;
    }
    finish(status, trailers, refused);
  }

  /**
   * The stream never reached the server's application: queue the request again for a new pick
   * (gRFC A6 transparent retry) if it can be replayed.
   */
  private boolean replayOnNewStream(Status status, Metadata trailers) {
    synchronized (lock) {
      if (!transparentRetry || replay == null || failedEarly || closedForApp || localFailure != null
          || transparentRetries >= MAX_TRANSPARENT_RETRIES) {
        return false;
      }
      transparentRetries++;
      stream = null;
      List<Consumer<ClientStream>> commands = new ArrayList<>();
      for (Q m : replay) {
        commands.add(s -> write(s, m));
      }
      int credits = requestedTotal;
      if (credits > 0) {
        commands.add(s -> s.request(credits));
      }
      if (halfClosed) {
        commands.add(ClientStream::halfClose);
      }
      waiting = commands;
    }
    TracedAttempt ended = traced;
    if (ended != null && callTracer != null) {
      // The replay is a new attempt of the same call (gRFC A66), made before its pick.
      ended.tracer.attemptEnded(status, trailers);
      traced = new TracedAttempt(callTracer.newAttempt(new ClientCallTracer.AttemptInfo(0, true, false)));
    }
    host.retryCall(this);
    return true;
  }

  private void finish(Status status, Metadata trailers, boolean refused) {
    ScheduledFuture<?> timer;
    boolean known;
    synchronized (lock) {
      timer = deadlineTimer;
      deadlineTimer = null;
      known = placed;
      finished = true;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    if (known) {
      host.callClosed(this);
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
      TracedAttempt ta = traced;
      if (ta != null) {
        Status outcome = localFailure != null ? localFailure : status;
        ta.tracer.attemptEnded(outcome, trailers);
        if (callTracer != null) {
          callTracer.callEnded(outcome);
        }
      }
      try {
        if (refused && localFailure == null && listener instanceof RefusalListener r) {
          r.onRefused(status);
        } else {
          listener.onClose(localFailure != null ? localFailure : status, trailers);
        }
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
