package io.conduit.internal;

import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A call whose real call comes later: once its call credentials' metadata is there, or once the
 * channel knows its service config. What the application does meanwhile is queued and replayed in
 * order; the deadline counts from {@link #start}, the wait included.
 */
abstract class DelayedClientCall<Q, R> extends ClientCall<Q, R> {
  private final CallOptions options;
  private final Executor callbackExecutor;
  private final ScheduledExecutorService scheduler;
  private final io.conduit.Clock clock;
  private final String waitingFor;
  private final Object lock = new Object();
  // Guarded by lock.
  private List<Consumer<ClientCall<Q, R>>> queued = new ArrayList<>();
  private ClientCall<Q, R> delegate;
  /** Whether what waited has been handed over: commands then go straight to the delegate. */
  private boolean passThrough;
  private boolean done;
  private ScheduledFuture<?> deadlineTimer;
  private Listener<R> listener;

  /** {@code waitingFor} ends the DEADLINE_EXCEEDED description of a call that waited too long. */
  DelayedClientCall(CallOptions options, Executor callbackExecutor,
      ScheduledExecutorService scheduler, io.conduit.Clock clock, String waitingFor) {
    this.options = options;
    this.callbackExecutor = callbackExecutor;
    this.scheduler = scheduler;
    this.clock = clock;
    this.waitingFor = waitingFor;
  }

  @Override
  public final void start(Listener<R> listener, Metadata headers) {
    this.listener = Objects.requireNonNull(listener, "listener");
    Context context = Context.current();
    Deadline deadline = ClientCallImpl.effectiveDeadline(options, context, clock);
    if (deadline != null && deadline.isExpired()) {
      fail(Status.DEADLINE_EXCEEDED.withDescription(ClientCallImpl.DEADLINE_ALREADY_PASSED));
      return;
    }
    if (deadline != null) {
      ScheduledFuture<?> timer = clock.schedule(scheduler,
          () -> fail(Status.DEADLINE_EXCEEDED.withDescription(
              "deadline exceeded while waiting for " + waitingFor)),
          Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
      synchronized (lock) {
        deadlineTimer = timer;
      }
    }
    onStart(headers, context);
  }

  /** Starts waiting; the wait ends with {@link #begin} or {@link #fail}, on any thread. */
  protected abstract void onStart(Metadata headers, Context context);

  /** Starts {@code call} (in {@code context}) and hands it what was queued; then passes through. */
  protected final void begin(ClientCall<Q, R> call, Metadata headers, Context context) {
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      if (deadlineTimer != null) {
        deadlineTimer.cancel(false);
      }
      delegate = call;
    }
    // Not under the lock: starting a call may run a lot (an attempt, a pick). Commands the
    // application sends meanwhile keep queueing, in order, until the queue is drained.
    context.run(() -> call.start(listener, headers));
    while (true) {
      List<Consumer<ClientCall<Q, R>>> batch;
      synchronized (lock) {
        if (queued == null || queued.isEmpty()) {
          queued = null;
          passThrough = true;
          return;
        }
        batch = queued;
        queued = new ArrayList<>();
      }
      for (Consumer<ClientCall<Q, R>> command : batch) {
        command.accept(call);
      }
    }
  }

  /** Ends the call with {@code status} without starting a real one. */
  protected final void fail(Status status) {
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      queued = null;
      if (deadlineTimer != null) {
        deadlineTimer.cancel(false);
      }
    }
    callbackExecutor.execute(() -> {
      failed(status);
      listener.onClose(status, new Metadata());
    });
  }

  /** The call ended while it waited, just before its listener hears {@code status}. */
  protected void failed(Status status) {}

  private void run(Consumer<ClientCall<Q, R>> command) {
    ClientCall<Q, R> call;
    synchronized (lock) {
      if (!passThrough) {
        if (queued != null) {
          queued.add(command);
        }
        return;
      }
      call = delegate;
    }
    command.accept(call);
  }

  @Override
  public void request(int numMessages) {
    run(c -> c.request(numMessages));
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (listener == null) {
      return;
    }
    synchronized (lock) {
      if (delegate == null && !done) {
        // Still waiting: the call ends here.
        fail(Status.CANCELLED.withDescription(message).withCause(cause));
        return;
      }
    }
    run(c -> c.cancel(message, cause));
  }

  @Override
  public void halfClose() {
    run(ClientCall::halfClose);
  }

  @Override
  public void sendMessage(Q message) {
    run(c -> c.sendMessage(message));
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    run(c -> c.setMessageCompression(enabled));
  }

  /**
   * The real call's readiness as soon as there is one, even while queued commands are still being
   * handed over (a message sent now joins them, in order): its listener's {@code onReady} may run
   * before the hand-over ends, and a writer woken by it must then see {@code true}.
   */
  @Override
  public boolean isReady() {
    ClientCall<Q, R> call;
    synchronized (lock) {
      call = delegate;
    }
    return call != null && call.isReady();
  }
}
