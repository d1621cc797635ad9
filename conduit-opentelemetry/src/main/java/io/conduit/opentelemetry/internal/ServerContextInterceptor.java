package io.conduit.opentelemetry.internal;

import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Makes the server span's context current while the handler runs (its start and each callback),
 * so that calls the handler makes, and spans it starts, continue the caller's trace.
 */
public final class ServerContextInterceptor implements ServerInterceptor {
  public static final ServerContextInterceptor INSTANCE = new ServerContextInterceptor();

  private ServerContextInterceptor() {}

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Context otel = TracingServerTracer.OTEL_CONTEXT.get();
    if (otel == null) {
      return next.startCall(call, headers);
    }
    ServerCall.Listener<Q> listener;
    Scope scope = otel.makeCurrent();
    try {
      listener = next.startCall(call, headers);
    } finally {
      scope.close();
    }
    return new ForwardingServerCall.ForwardingListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        Scope scope = otel.makeCurrent();
        try {
          super.onMessage(message);
        } finally {
          scope.close();
        }
      }

      @Override
      public void onHalfClose() {
        Scope scope = otel.makeCurrent();
        try {
          super.onHalfClose();
        } finally {
          scope.close();
        }
      }

      @Override
      public void onCancel() {
        Scope scope = otel.makeCurrent();
        try {
          super.onCancel();
        } finally {
          scope.close();
        }
      }

      @Override
      public void onComplete() {
        Scope scope = otel.makeCurrent();
        try {
          super.onComplete();
        } finally {
          scope.close();
        }
      }

      @Override
      public void onReady() {
        Scope scope = otel.makeCurrent();
        try {
          super.onReady();
        } finally {
          scope.close();
        }
      }
    };
  }
}
