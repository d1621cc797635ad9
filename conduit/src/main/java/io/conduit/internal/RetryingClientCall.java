package io.conduit.internal;

import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.ClientCallTracer;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A call with a retry or hedging policy (gRFC A6): it runs attempts, each a plain transport call,
 * replaying the request messages it buffered, until one attempt <em>commits</em> (its response
 * headers or first message arrive, or it ends in a status that is not retried). The server sees
 * {@code grpc-previous-rpc-attempts} on every attempt after the first. Only calls whose method
 * config has a policy pay for this wrapper.
 *
 * <p>The call as a whole belongs to the caller's {@link Context}, captured at {@link #start}: every
 * attempt starts in it (so it carries the context's deadline and listens to its cancellation),
 * and between attempts this call listens itself, to the cancellation and to the deadline. No
 * method of an attempt is called with {@link #lock} held: an attempt's start can call back at
 * once (a call that fails early closes on the calling thread with a direct executor).
 */
final class RetryingClientCall<Q, R> extends ClientCall<Q, R> {
  static final String PREVIOUS_ATTEMPTS = "grpc-previous-rpc-attempts";
  static final String PUSHBACK = "grpc-retry-pushback-ms";
  /** Request bytes kept for replay; beyond this the current attempt commits (A6's per-call limit). */
  static final int BUFFER_LIMIT = 1024 * 1024;
  /** The same for all of a channel's retrying calls together. */
  static final long CHANNEL_BUFFER_LIMIT = 16L * 1024 * 1024;

  /** Creates the transport call of one attempt. */
  interface AttemptFactory {
    /** {@code tracer}: the attempt's tracer, or null when the call is not traced. */
    <Q, R> ClientCall<Q, R> newAttempt(MethodDescriptor<Q, R> method, CallOptions options,
        Executor executor, ClientCallTracer.Attempt tracer);
  }

  /** The channel-wide token bucket of {@code retryThrottling}; thread-safe. */
  static final class Throttle {
    private final int maxTokens;
    private final double tokenRatio;
    private double tokens;

    Throttle(ServiceConfig.RetryThrottling config) {
      this.maxTokens = config.maxTokens();
      this.tokenRatio = config.tokenRatio();
      this.tokens = maxTokens;
    }

    synchronized void onFailure() {
      tokens = Math.max(0, tokens - 1);
    }

    synchronized void onSuccess() {
      tokens = Math.min(maxTokens, tokens + tokenRatio);
    }

    synchronized boolean allowsRetry() {
      return tokens > maxTokens / 2.0;
    }
  }

  private final AttemptFactory factory;
  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final Executor callExecutor;
  private final ScheduledExecutorService scheduler;
  private final io.conduit.Clock clock;
  private final MethodConfig.RetryPolicy retry;
  private final MethodConfig.HedgingPolicy hedging;
  private final Throttle throttle;
  private final int maxAttempts;
  private final java.util.concurrent.atomic.AtomicLong channelBuffered;
  /** The call's tracer, or null. */
  private final ClientCallTracer tracer;

  private final Object lock = new Object();
  private Listener<R> listener;
  private Metadata headers;
  /** The caller's context at start; set once, before any attempt. */
  private Context context;
  private Runnable contextListener;
  private ScheduledFuture<?> deadlineTimer;
  private List<Q> buffered = new ArrayList<>();
  private long bufferedBytes;
  private boolean halfClosed;
  private int requested;
  private boolean cancelled;
  private boolean messageCompression = true;
  private final List<Attempt> active = new ArrayList<>();
  private Attempt committed;
  private int started;
  private boolean closed;
  private ScheduledFuture<?> timer;
  private long nextBackoffNanos;
  private int transparentRetries;
  private static final int MAX_TRANSPARENT_RETRIES = 5;

  RetryingClientCall(AttemptFactory factory, MethodDescriptor<Q, R> method, CallOptions options,
      Executor callExecutor, ScheduledExecutorService scheduler, io.conduit.Clock clock,
      MethodConfig config, Throttle throttle,
      java.util.concurrent.atomic.AtomicLong channelBuffered, ClientCallTracer tracer) {
    this.factory = factory;
    this.tracer = tracer;
    this.channelBuffered = channelBuffered;
    this.method = method;
    this.options = options;
    this.callExecutor = callExecutor;
    this.scheduler = scheduler;
    this.clock = clock;
    this.retry = config.retryPolicy();
    this.hedging = config.hedgingPolicy();
    this.throttle = throttle;
    this.maxAttempts = retry != null ? retry.maxAttempts() : hedging.maxAttempts();
    this.nextBackoffNanos = retry != null ? retry.initialBackoff().toNanos() : 0;
  }

  /** One attempt and its listener; its callbacks run on the shared call executor, in order. */
  private final class Attempt extends Listener<R> implements ClientCallImpl.RefusalListener {
    final ClientCall<Q, R> call;
    /** The attempt has reported its close; guarded by lock. */
    boolean done;

    Attempt(ClientCall<Q, R> call) {
      this.call = call;
    }

    @Override
    public void onHeaders(Metadata h) {
      if (commit(this)) {
        listener.onHeaders(h);
      }
    }

    @Override
    public void onMessage(R message) {
      if (commit(this)) {
        listener.onMessage(message);
      }
    }

    @Override
    public void onReady() {
      synchronized (lock) {
        if (committed != null && committed != this) {
          return;
        }
      }
      listener.onReady();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      attemptClosed(this, status, trailers);
    }

    @Override
    public void onRefused(Status status) {
      attemptRefused(this, status);
    }
  }

  // ---------------------------------------------------------------- application side

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    Context ctx = Context.current();
    synchronized (lock) {
      this.listener = listener;
      this.headers = headers;
      this.context = ctx;
    }
    if (ctx != Context.ROOT) {
      // Between attempts no attempt listens to the context: this call does, for as long as it lasts.
      Runnable l = () -> cancel("context cancelled", ctx.cancellationCause());
      synchronized (lock) {
        contextListener = l;
      }
      ctx.addListener(l);
    }
    Deadline deadline = options.deadline() == null
        ? ctx.deadline() : options.deadline().minimum(ctx.deadline());
    if (deadline != null) {
      // Attempts carry the deadline themselves; this timer ends a call waiting in its backoff.
      ScheduledFuture<?> t = clock.schedule(scheduler, this::deadlinePassed,
          Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
      boolean over;
      synchronized (lock) {
        // A context cancelled already has ended the call, before there was a timer to stop.
        over = closed;
        if (!over) {
          deadlineTimer = t;
        }
      }
      if (over) {
        t.cancel(false);
      }
    }
    startNextAttempt();
  }

  private void startNextAttempt() {
    startAttempt(false);
  }

  /**
   * Starts the next attempt, from start(), a timer or a refused stream, always in the caller's
   * context. {@code transparent}: it replaces a refused one, which schedules no further hedge.
   */
  private void startAttempt(boolean transparent) {
    Attempt attempt;
    Metadata h;
    Context ctx;
    List<Q> replaySource;
    int previous;
    synchronized (lock) {
      if (closed || committed != null || cancelled) {
        return;
      }
      h = new Metadata(headers);
      if (started > 0) {
        h.add(PREVIOUS_ATTEMPTS, Integer.toString(started));
      }
      previous = started;
      started++;
      ctx = context;
    }
    // The tracer is user code: not under the lock.
    ClientCallTracer.Attempt attemptTracer = tracer == null ? null : tracer.newAttempt(
        new ClientCallTracer.AttemptInfo(previous, transparent,
            hedging != null && previous > 0 && !transparent));
    synchronized (lock) {
      attempt = new Attempt(factory.newAttempt(method, options, callExecutor, attemptTracer));
      // The list itself: a commit meanwhile drops the field, not what was sent before it.
      replaySource = buffered;
    }
    // Not yet in active, so nothing else calls into the attempt before it has started.
    ctx.run(() -> attempt.call.start(attempt, h));
    List<Q> replay;
    boolean replayHalfClose;
    int credits;
    boolean compression;
    boolean abandon;
    boolean failedAtOnce;
    synchronized (lock) {
      // The call may have ended, or another attempt committed, while this one started.
      abandon = closed || cancelled || (committed != null && committed != attempt);
      failedAtOnce = attempt.done;
      if (abandon || failedAtOnce) {
        replay = List.of();
        replayHalfClose = false;
        credits = 0;
        compression = true;
      } else {
        if (!active.contains(attempt)) {
          active.add(attempt);
        }
        replay = replaySource == null ? List.of() : List.copyOf(replaySource);
        replayHalfClose = halfClosed;
        credits = requested;
        compression = messageCompression;
        if (!transparent && hedging != null && started < maxAttempts && committed == null) {
          // The next hedge goes out after the delay unless this call commits first.
          timer = clock.schedule(scheduler, this::startNextAttempt, hedging.hedgingDelay().toNanos(),
              TimeUnit.NANOSECONDS);
        }
      }
    }
    if (abandon) {
      attempt.call.cancel("the call ended while this attempt started", null);
      return;
    }
    if (failedAtOnce) {
      // It failed at once (and was handled as any failed attempt); nothing to replay into it.
      return;
    }
    attempt.call.setMessageCompression(compression);
    for (Q m : replay) {
      attempt.call.sendMessage(m);
    }
    if (replayHalfClose) {
      attempt.call.halfClose();
    }
    if (credits > 0) {
      attempt.call.request(credits);
    }
  }

  @Override
  public void request(int numMessages) {
    List<Attempt> targets;
    synchronized (lock) {
      requested += numMessages;
      targets = List.copyOf(active);
    }
    targets.forEach(a -> a.call.request(numMessages));
  }

  @Override
  public void sendMessage(Q message) {
    List<Attempt> targets;
    List<Attempt> losers = List.of();
    synchronized (lock) {
      if (committed == null && buffered != null) {
        int size = method.requestMarshaller().serializedSize(message);
        bufferedBytes += size;
        long channelTotal = channelBuffered.addAndGet(size);
        if ((bufferedBytes > BUFFER_LIMIT || channelTotal > CHANNEL_BUFFER_LIMIT) && !active.isEmpty()) {
          // Too much to replay: the attempt in flight is the one.
          losers = commitLocked(active.get(active.size() - 1));
        } else {
          buffered.add(message);
        }
      }
      targets = List.copyOf(active);
    }
    losers.forEach(l -> l.call.cancel("another attempt committed", null));
    targets.forEach(a -> a.call.sendMessage(message));
  }

  @Override
  public void halfClose() {
    List<Attempt> targets;
    synchronized (lock) {
      halfClosed = true;
      targets = List.copyOf(active);
    }
    targets.forEach(a -> a.call.halfClose());
  }

  @Override
  public void cancel(String message, Throwable cause) {
    List<Attempt> targets;
    synchronized (lock) {
      cancelled = true;
      cancelTimer();
      targets = List.copyOf(active);
    }
    targets.forEach(a -> a.call.cancel(message, cause));
    // Between attempts nothing would report the cancellation: do it here.
    closeBetweenAttempts(Status.CANCELLED.withDescription(message).withCause(cause));
  }

  /** The call's deadline (its options' or its context's, the earlier) has passed. */
  private void deadlinePassed() {
    synchronized (lock) {
      // No attempt after this one; one in flight ends by the same deadline on its own.
      cancelled = true;
      cancelTimer();
    }
    closeBetweenAttempts(Status.DEADLINE_EXCEEDED.withDescription(
        "deadline exceeded while waiting to retry"));
  }

  /** Ends the call with {@code status} if no attempt is in flight to report its own end. */
  private void closeBetweenAttempts(Status status) {
    synchronized (lock) {
      if (!active.isEmpty() || closed || listener == null) {
        return;
      }
      closed = true;
      channelBuffered.addAndGet(-bufferedBytes);
      bufferedBytes = 0;
      buffered = null;
    }
    stopWatchingContext();
    callExecutor.execute(() -> {
      if (tracer != null) {
        tracer.callEnded(status);
      }
      listener.onClose(status, new Metadata());
    });
  }

  /** The call is over: its context and deadline no longer concern it. */
  private void stopWatchingContext() {
    Runnable l;
    ScheduledFuture<?> t;
    synchronized (lock) {
      l = contextListener;
      contextListener = null;
      t = deadlineTimer;
      deadlineTimer = null;
    }
    if (l != null) {
      context.removeListener(l);
    }
    if (t != null) {
      t.cancel(false);
    }
  }

  @Override
  public boolean isReady() {
    Attempt a;
    synchronized (lock) {
      a = committed != null ? committed : active.isEmpty() ? null : active.get(0);
    }
    return a != null && a.call.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    List<Attempt> targets;
    synchronized (lock) {
      messageCompression = enabled;
      targets = List.copyOf(active);
    }
    targets.forEach(a -> a.call.setMessageCompression(enabled));
  }

  // ---------------------------------------------------------------- attempts

  /** Makes {@code a} the attempt whose outcome is the call's; false if another one is. */
  private boolean commit(Attempt a) {
    List<Attempt> losers;
    synchronized (lock) {
      if (committed != null) {
        return committed == a;
      }
      losers = commitLocked(a);
    }
    losers.forEach(l -> l.call.cancel("another attempt committed", null));
    return true;
  }

  private List<Attempt> commitLocked(Attempt a) {
    committed = a;
    cancelTimer();
    buffered = null;
    // The replay buffer is gone: give its bytes back to the channel's budget.
    channelBuffered.addAndGet(-bufferedBytes);
    bufferedBytes = 0;
    List<Attempt> losers = new ArrayList<>(active);
    losers.remove(a);
    active.clear();
    active.add(a);
    return losers;
  }

  private void attemptClosed(Attempt a, Status status, Metadata trailers) {
    boolean finish;
    long delay = -1;
    List<Attempt> losers = List.of();
    synchronized (lock) {
      a.done = true;
      active.remove(a);
      if (committed != null && committed != a) {
        return;
      }
      if (closed) {
        return;
      }
      finish = true;
      if (committed == null && !cancelled) {
        boolean retryable = retry != null
            ? retry.retryableStatusCodes().contains(status.code())
            : hedging.nonFatalStatusCodes().contains(status.code());
        if (retryable && throttle != null) {
          throttle.onFailure();
        }
        Long pushback = pushback(trailers);
        boolean pushbackStops = pushback != null && pushback < 0;
        boolean allowed = retryable && !pushbackStops && (throttle == null || throttle.allowsRetry());
        if (allowed && retry != null && started < maxAttempts) {
          finish = false;
          delay = pushback != null ? TimeUnit.MILLISECONDS.toNanos(pushback) : nextBackoff();
        } else if (allowed && hedging != null && (!active.isEmpty() || started < maxAttempts)) {
          finish = false;
          if (active.isEmpty()) {
            // All outstanding attempts failed: the next hedge goes now (or after pushback).
            cancelTimer();
            delay = pushback != null ? TimeUnit.MILLISECONDS.toNanos(pushback) : 0;
          }
        }
      }
      if (finish) {
        if (committed == null) {
          losers = commitLocked(a);
        }
        closed = true;
      }
    }
    losers.forEach(l -> l.call.cancel("another attempt committed", null));
    if (finish) {
      stopWatchingContext();
      if (status.isOk() && throttle != null) {
        throttle.onSuccess();
      }
      if (tracer != null) {
        tracer.callEnded(status);
      }
      listener.onClose(status, trailers);
    } else if (delay >= 0) {
      synchronized (lock) {
        // Checked again: a cancel or the deadline may have come since, and found no timer to stop.
        if (!closed && !cancelled) {
          timer = clock.schedule(scheduler, this::startNextAttempt, delay, TimeUnit.NANOSECONDS);
        }
      }
    }
  }

  /**
   * The attempt's stream never reached the server's application (gRFC A6 transparent retry): a
   * new attempt replays the request at once, not counted against maxAttempts, while the request
   * is still buffered; otherwise the refusal ends the attempt like any failure.
   */
  private void attemptRefused(Attempt a, Status status) {
    boolean replay;
    synchronized (lock) {
      replay = !closed && !cancelled && buffered != null && (committed == null || committed == a)
          && transparentRetries < MAX_TRANSPARENT_RETRIES;
      if (replay) {
        transparentRetries++;
        a.done = true;
        active.remove(a);
        if (committed == a) {
          committed = null;
        }
        // The replacement takes the refused attempt's place and number.
        started--;
      }
    }
    if (replay) {
      startAttempt(true);
    } else {
      attemptClosed(a, status, new Metadata());
    }
  }

  /** Exponential backoff with full jitter: random(0, current), current grows to the max. */
  private long nextBackoff() {
    long current = nextBackoffNanos;
    nextBackoffNanos = (long) Math.min(current * retry.backoffMultiplier(), retry.maxBackoff().toNanos());
    return (long) (ThreadLocalRandom.current().nextDouble() * current);
  }

  /** The server's pushback in ms; negative means "do not retry"; null when absent. */
  private static Long pushback(Metadata trailers) {
    String v = trailers == null ? null : trailers.get(PUSHBACK);
    if (v == null) {
      return null;
    }
    try {
      long ms = Long.parseLong(v.trim());
      return ms < 0 ? -1L : ms;
    } catch (NumberFormatException e) {
      return -1L;
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
