package io.conduit.internal;

import io.conduit.CallCredentials;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Context;
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
  private final io.conduit.Clock clock;

  public CallCredentialsApplier(CallFactory next, CallCredentials channelCredentials, boolean secure,
      String authority, Executor callbackExecutor, ScheduledExecutorService scheduler,
      io.conduit.Clock clock) {
    this.next = next;
    this.channelCredentials = channelCredentials;
    this.secure = secure;
    this.authority = authority;
    this.callbackExecutor = callbackExecutor;
    this.scheduler = scheduler;
    this.clock = clock;
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
  private final class PendingCall<Q, R> extends DelayedClientCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;
    private final List<CallCredentials> credentials;

    PendingCall(MethodDescriptor<Q, R> method, CallOptions options, List<CallCredentials> credentials) {
      super(options, callbackExecutor, scheduler, clock, "call credentials");
      this.method = method;
      this.options = options;
      this.credentials = credentials;
    }

    @Override
    protected void onStart(Metadata headers, Context context) {
      for (CallCredentials c : credentials) {
        if (!secure && c.requiresTls()) {
          fail(Status.UNAUTHENTICATED.withDescription("call credentials need a TLS channel; this "
              + "channel is plaintext (use Channel.Builder.tls, or CallCredentials.allowingPlaintext "
              + "to send them in the clear)"));
          return;
        }
      }
      CallCredentials.RequestInfo info = new CallCredentials.RequestInfo(method, authority, secure);
      collect(0, info, headers, context);
    }

    /** Gets each credentials' metadata in turn, then starts the real call. */
    private void collect(int i, CallCredentials.RequestInfo info, Metadata headers, Context context) {
      if (i == credentials.size()) {
        begin(next.newCall(method, options), headers, context);
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
  }
}
