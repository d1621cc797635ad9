package io.conduit.internal;

import io.conduit.CallCredentials;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Context;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Adds {@link CallCredentials} metadata to calls: the channel's, then the call's own
 * ({@link CallOptions#callCredentials()}). A call with credentials starts for real only once their
 * metadata is there; what the application does meanwhile is queued and replayed in order.
 */
public final class CallCredentialsApplier implements CallFactory {
  private final CallFactory next;
  private final CallCredentials channelCredentials;
  private final boolean secure;
  private final String authority;
  private final Executor callbackExecutor;
  private final ScheduledExecutorService scheduler;

  public CallCredentialsApplier(CallFactory next, CallCredentials channelCredentials, boolean secure,
      String authority, Executor callbackExecutor, ScheduledExecutorService scheduler) {
    this.next = next;
    this.channelCredentials = channelCredentials;
    this.secure = secure;
    this.authority = authority;
    this.callbackExecutor = callbackExecutor;
    this.scheduler = scheduler;
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    CallCredentials callCredentials = options.callCredentials();
    if (channelCredentials == null && callCredentials == null) {
      return next.newCall(method, options);
    }
    List<CallCredentials> all = new ArrayList<>(2);
    if (channelCredentials != null) {
      all.add(channelCredentials);
    }
    if (callCredentials != null) {
      all.add(callCredentials);
    }
    return new PendingCall<>(method, options, all);
  }

  private static Status toStatus(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (c instanceof StatusException se) {
      return se.status();
    }
    return Status.UNAVAILABLE.withDescription("call credentials failed: " + c).withCause(c);
  }

  /** A call waiting for its credentials' metadata before it starts. */
  private final class PendingCall<Q, R> extends ClientCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;
    private final List<CallCredentials> credentials;
    private final Object lock = new Object();
    // Guarded by lock.
    private List<java.util.function.Consumer<ClientCall<Q, R>>> pending = new ArrayList<>();
    private ClientCall<Q, R> delegate;
    private boolean done;
    private ScheduledFuture<?> deadlineTimer;
    private Listener<R> listener;

    PendingCall(MethodDescriptor<Q, R> method, CallOptions options, List<CallCredentials> credentials) {
      this.method = method;
      this.options = options;
      this.credentials = credentials;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
      this.listener = java.util.Objects.requireNonNull(listener, "listener");
      for (CallCredentials c : credentials) {
        if (!secure && c.requiresTls()) {
          fail(Status.UNAUTHENTICATED.withDescription("call credentials need a TLS channel; this "
              + "channel is plaintext (use Channel.Builder.tls, or CallCredentials.allowingPlaintext "
              + "to send them in the clear)"));
          return;
        }
      }
      Context context = Context.current();
      Deadline deadline = options.deadline() == null
          ? context.deadline() : options.deadline().minimum(context.deadline());
      if (deadline != null) {
        ScheduledFuture<?> timer = scheduler.schedule(
            () -> fail(Status.DEADLINE_EXCEEDED.withDescription(
                "deadline exceeded while waiting for call credentials")),
            Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
        synchronized (lock) {
          deadlineTimer = timer;
        }
      }
      CallCredentials.RequestInfo info = new CallCredentials.RequestInfo(method, authority, secure);
      collect(0, info, headers, context);
    }

    /** Gets each credentials' metadata in turn, then starts the real call. */
    private void collect(int i, CallCredentials.RequestInfo info, Metadata headers, Context context) {
      if (i == credentials.size()) {
        begin(headers, context);
        return;
      }
      CompletionStage<Metadata> stage;
      try {
        stage = credentials.get(i).requestMetadata(info);
      } catch (RuntimeException e) {
        fail(toStatus(e));
        return;
      }
      if (stage == null) {
        fail(Status.INTERNAL.withDescription("call credentials returned no metadata stage"));
        return;
      }
      stage.whenComplete((md, error) -> {
        if (error != null) {
          fail(toStatus(error));
          return;
        }
        if (md != null) {
          headers.merge(md);
        }
        collect(i + 1, info, headers, context);
      });
    }

    private void begin(Metadata headers, Context context) {
      ClientCall<Q, R> call = next.newCall(method, options);
      synchronized (lock) {
        if (done) {
          return;
        }
        done = true;
        if (deadlineTimer != null) {
          deadlineTimer.cancel(false);
        }
        // Under the lock: commands the application sends meanwhile wait and keep their order.
        context.run(() -> call.start(listener, headers));
        // By index: a callback on this thread may queue more while they run.
        for (int j = 0; j < pending.size(); j++) {
          pending.get(j).accept(call);
        }
        pending = null;
        delegate = call;
      }
    }

    private void fail(Status status) {
      synchronized (lock) {
        if (done) {
          return;
        }
        done = true;
        pending = null;
        if (deadlineTimer != null) {
          deadlineTimer.cancel(false);
        }
      }
      callbackExecutor.execute(() -> listener.onClose(status, new Metadata()));
    }

    private void run(java.util.function.Consumer<ClientCall<Q, R>> command) {
      ClientCall<Q, R> call;
      synchronized (lock) {
        call = delegate;
        if (call == null) {
          if (pending != null) {
            pending.add(command);
          }
          return;
        }
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
          // Still waiting for the credentials: the call ends here.
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

    @Override
    public boolean isReady() {
      ClientCall<Q, R> call;
      synchronized (lock) {
        call = delegate;
      }
      return call != null && call.isReady();
    }
  }
}
