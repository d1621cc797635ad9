package io.conduit.internal;

import io.conduit.Clock;
import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Peer;
import io.conduit.ServerCallInfo;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.internal.transport.InboundMessage;
import io.conduit.internal.transport.ServerStream;
import io.conduit.internal.transport.ServerStreamListener;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The application's side of one server call on one {@link ServerStream}: its context (deadline,
 * cancellation, peer), the handler's listener on the call's serializing executor, and the
 * server's deadline timer. Stream events arrive on the transport's thread.
 */
final class ServerCallImpl<Q, R> extends ServerCall<Q, R> implements ServerStreamListener {
  private static final System.Logger LOG = System.getLogger(ServerCallImpl.class.getName());

  private final ServerStream stream;
  private final MethodDescriptor<Q, R> method;
  private final ServerCallHandler<Q, R> handler;
  private final Deadline deadline;
  private final Executor callExecutor;
  private final Context.CancellableContext context;
  /**
   * What the handler runs in: the call's context, with what tracers added to it and, from
   * {@link #start}, the call's {@link ServerCallInfo}. Written on the transport thread before the
   * start task is queued; the call executor's queue publishes it to the callbacks.
   */
  private Context runContext;
  /** The call's tracers, or null. */
  private final ServerTracers tracer;
  private int messagesReceived;
  private int messagesSent;
  private ScheduledFuture<?> deadlineTimer;
  /** The admission control to tell when the call ends, or null (transport thread). */
  private AdmissionControl admitted;
  /** Whether the message being delivered to onMessage came compressed (call-executor thread). */
  private boolean currentMessageCompressed;

  // Listener-executor state.
  private Listener<Q> listener;
  private volatile boolean failed;

  // Application state.
  private volatile boolean cancelled;
  private boolean headersSent;
  private boolean closeCalled;

  /**
   * @param admission counts the call's waits for a handler thread and, when it limits running
   *     calls, is told when the call ends; null for none
   */
  ServerCallImpl(ServerStream stream, ServiceDefinition.Method<Q, R> method, Executor executor,
      Clock clock, ServerTracers tracer, AdmissionControl admission) {
    this.tracer = tracer;
    this.admitted = admission != null && admission.countsRunning() ? admission : null;
    this.stream = stream;
    this.method = method.descriptor();
    this.handler = method.handler();
    long timeoutNanos = stream.timeoutNanos();
    this.deadline = timeoutNanos < 0 ? null : Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS, clock);
    this.callExecutor = executor == null ? Runnable::run
        : new SerializingExecutor(executor, admission == null ? null : admission.waitingCounter());
    Context base = stream.transportContext();
    this.context = deadline == null ? base.withCancellation() : base.withDeadline(deadline);
    this.runContext = tracer == null ? context : tracer.filterContext(context);
    if (deadline != null) {
      deadlineTimer = clock.schedule(stream.scheduler(),
          () -> stream.cancel(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded on the server")),
          Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
    }
  }

  /** Runs the handler's startCall on the call executor. Transport thread. */
  void start(Metadata headers) {
    // The headers arrive only now, so the info joins the context here rather than in the
    // constructor; every listener callback is queued after this and sees it.
    runContext = runContext.withValue(ServerCallInfo.KEY,
        new ServerCallInfo(headers, context.get(Peer.KEY), method.fullMethodName(), stream.authority()));
    callExecutor.execute(() -> runContext.run(() -> {
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

  // ---------------------------------------------------------------- stream events (transport thread)

  @Override
  public void messageRead(InboundMessage message) {
    callExecutor.execute(() -> {
      if (failed) {
        message.discard();
        return;
      }
      Q parsed;
      try {
        parsed = message.parse(method.requestMarshaller());
      } catch (Throwable t) {
        Status status = t instanceof StatusException se ? se.status()
            : Status.INTERNAL.withDescription("failed to parse the request message: " + t).withCause(t);
        failed = true;
        stream.abort(status, new Metadata(), true);
        if (tracer != null) {
          tracer.callEnded(status);
        }
        return;
      }
      if (tracer != null) {
        tracer.inboundMessage(messagesReceived++, message.size(), message.wireSize());
      }
      // Inline, not re-queued: a half-close queued meanwhile must come after this message.
      currentMessageCompressed = message.compressed();
      invoke(l -> l.onMessage(parsed));
      currentMessageCompressed = false;
    });
  }

  @Override
  public void halfClosed() {
    deliver(Listener::onHalfClose);
  }

  @Override
  public void onReady() {
    deliver(Listener::onReady);
  }

  @Override
  public void cancelled(Status reason) {
    ended();
    cancelled = true;
    if (tracer != null) {
      tracer.callEnded(reason);
    }
    stopDeadlineTimer();
    // The context first: an onCancel handler must already see it cancelled.
    context.cancel(reason.asException());
    callExecutor.execute(() -> {
      failed = true;
      if (listener != null) {
        runContext.run(() -> {
          try {
            listener.onCancel();
          } catch (Throwable t) {
            LOG.log(Level.WARNING, "onCancel threw for " + method.fullMethodName(), t);
          }
        });
      }
    });
  }

  @Override
  public void completed() {
    ended();
    stopDeadlineTimer();
    callExecutor.execute(() -> {
      if (listener != null && !failed) {
        runContext.run(() -> {
          try {
            listener.onComplete();
          } catch (Throwable e) {
            LOG.log(Level.WARNING, "onComplete threw for " + method.fullMethodName(), e);
          }
        });
      }
    });
    context.cancel(null);
  }

  /** The stream ended (transport thread; once, but guarded against a second report). */
  private void ended() {
    if (admitted != null) {
      admitted.release();
      admitted = null;
    }
  }

  private void stopDeadlineTimer() {
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
    }
  }

  private void deliver(Consumer<Listener<Q>> event) {
    callExecutor.execute(() -> invoke(event));
  }

  /** Runs a listener event on the current (call executor) thread. */
  private void invoke(Consumer<Listener<Q>> event) {
    if (failed) {
      return;
    }
    runContext.run(() -> {
      try {
        event.accept(listener);
      } catch (Throwable t) {
        failFromApplication(t);
      }
    });
  }

  private void failFromApplication(Throwable t) {
    failed = true;
    Status status;
    if (t instanceof StatusException se) {
      // Its trailers go with it (an interceptor refusing a call often explains itself there).
      status = se.status();
      stream.abort(status, se.trailers() == null ? new Metadata() : se.trailers(), false);
    } else {
      LOG.log(Level.WARNING, "call handler threw for " + method.fullMethodName(), t);
      status = Status.UNKNOWN.withDescription("application error").withCause(t);
      stream.abort(status, new Metadata(), false);
    }
    if (tracer != null) {
      tracer.callEnded(status);
    }
  }

  // ---------------------------------------------------------------- application side

  @Override
  public void request(int numMessages) {
    if (numMessages <= 0) {
      throw new IllegalArgumentException("numMessages must be > 0: " + numMessages);
    }
    stream.request(numMessages);
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
    if (tracer != null) {
      tracer.outboundHeaders(headers);
    }
    stream.writeHeaders(headers);
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
    int wireSize = stream.writeMessage(method.responseMarshaller(), message);
    if (tracer != null) {
      tracer.outboundMessage(messagesSent++, method.responseMarshaller().serializedSize(message), wireSize);
    }
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (closeCalled) {
      throw new IllegalStateException("call already closed");
    }
    closeCalled = true;
    stream.close(status, trailers == null ? new Metadata() : trailers);
    if (tracer != null) {
      tracer.callEnded(status);
    }
  }

  @Override
  public void setCompression(String encoding) {
    if (headersSent) {
      throw new IllegalStateException("compression must be set before the response headers");
    }
    if (encoding == null || "identity".equals(encoding)) {
      stream.setCompressor(null);
      return;
    }
    Compressor c = Compressors.get(encoding);
    if (c == null) {
      throw new IllegalArgumentException("unknown compressor '" + encoding + "'");
    }
    // Only an encoding the client accepts; otherwise the response goes uncompressed.
    stream.setCompressor(Compressors.accepts(stream.acceptEncoding(), encoding) ? c : null);
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    stream.setMessageCompression(enabled);
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
    return !cancelled && stream.isReady();
  }

  @Override
  public MethodDescriptor<Q, R> method() {
    return method;
  }

  @Override
  public String authority() {
    return stream.authority();
  }

  @Override
  public SocketAddress remoteAddress() {
    return stream.remoteAddress();
  }

  @Override
  public Deadline deadline() {
    return deadline;
  }
}
