package io.conduit.stub;

import io.conduit.Metadata;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.Status;
import io.conduit.StatusException;
import java.lang.System.Logger.Level;

/**
 * The server half of generated stubs: adapts service methods written with
 * {@link StreamObserver}s to {@link ServerCallHandler}s, for the four call types.
 *
 * <p>An exception thrown by a method fails the call: a {@link StatusException} with its status,
 * anything else with UNKNOWN (the exception's message is not sent, as it may hold internals).
 */
public final class ServerCalls {
  private static final System.Logger LOG = System.getLogger(ServerCalls.class.getName());

  private ServerCalls() {}

  /** A unary or server-streaming method: one request in, responses to the observer. */
  @FunctionalInterface
  public interface UnaryMethod<Q, R> {
    /**
     * Serves {@code request}, answering on {@code responseObserver}.
     *
     * @param request the request message
     * @param responseObserver where the responses go
     */
    void invoke(Q request, ServerStreamObserver<R> responseObserver);
  }

  /** A client- or bidi-streaming method: returns the observer that receives the requests. */
  @FunctionalInterface
  public interface StreamingMethod<Q, R> {
    /**
     * Starts serving; returns the observer the requests go to.
     *
     * @param responseObserver where the responses go
     * @return the observer of the request messages
     */
    StreamObserver<Q> invoke(ServerStreamObserver<R> responseObserver);
  }

  /**
   * A handler of a unary method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the service method
   * @return the handler
   */
  public static <Q, R> ServerCallHandler<Q, R> unary(UnaryMethod<Q, R> method) {
    return singleRequest(method);
  }

  /**
   * A handler of a server-streaming method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the service method
   * @return the handler
   */
  public static <Q, R> ServerCallHandler<Q, R> serverStreaming(UnaryMethod<Q, R> method) {
    return singleRequest(method);
  }

  /**
   * A handler of a client-streaming method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the service method
   * @return the handler
   */
  public static <Q, R> ServerCallHandler<Q, R> clientStreaming(StreamingMethod<Q, R> method) {
    return streamingRequests(method);
  }

  /**
   * A handler of a bidi-streaming method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the service method
   * @return the handler
   */
  public static <Q, R> ServerCallHandler<Q, R> bidiStreaming(StreamingMethod<Q, R> method) {
    return streamingRequests(method);
  }

  /**
   * The handler for a method the service does not implement: UNIMPLEMENTED.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param fullMethodName the method's full name, for the status description
   * @return the handler
   */
  public static <Q, R> ServerCallHandler<Q, R> unimplemented(String fullMethodName) {
    return (call, headers) -> {
      call.close(Status.UNIMPLEMENTED.withDescription("Method not found: " + fullMethodName),
          new Metadata());
      return new ServerCall.Listener<>() {};
    };
  }

  /** The status and trailers a handler's exception stands for. */
  static void closeWithError(ServerCall<?, ?> call, Throwable t) {
    Metadata trailers = null;
    Status status;
    if (t instanceof StatusException se) {
      status = se.status();
      trailers = se.trailers();
    } else {
      status = Status.fromThrowable(t);
      if (status.code() == Status.Code.UNKNOWN && status.description() == null) {
        LOG.log(Level.WARNING, "service method failed on " + call.method().fullMethodName(), t);
        status = Status.UNKNOWN.withDescription("application error").withCause(t);
      }
    }
    call.close(status, trailers == null ? new Metadata() : trailers);
  }

  private static <Q, R> ServerCallHandler<Q, R> singleRequest(UnaryMethod<Q, R> method) {
    return (call, headers) -> {
      ResponseObserver<Q, R> responses = new ResponseObserver<>(call);
      // Two credits: a second request is a protocol violation we want to see.
      call.request(2);
      return new ServerCall.Listener<>() {
        private Q request;
        private boolean failed;

        @Override
        public void onMessage(Q message) {
          if (request != null) {
            failed = true;
            call.close(Status.INTERNAL.withDescription("too many requests for "
                + call.method().type() + " method"), new Metadata());
            return;
          }
          request = message;
        }

        @Override
        public void onHalfClose() {
          if (failed) {
            return;
          }
          if (request == null) {
            call.close(Status.INTERNAL.withDescription("half-closed without a request"), new Metadata());
            return;
          }
          try {
            method.invoke(request, responses);
          } catch (Throwable t) {
            responses.failFromHandler(t);
          }
          request = null;
        }

        @Override
        public void onCancel() {
          responses.cancelled();
        }

        @Override
        public void onReady() {
          responses.ready();
        }
      };
    };
  }

  private static <Q, R> ServerCallHandler<Q, R> streamingRequests(StreamingMethod<Q, R> method) {
    return (call, headers) -> {
      ResponseObserver<Q, R> responses = new ResponseObserver<>(call);
      StreamObserver<Q> requests;
      try {
        requests = method.invoke(responses);
      } catch (Throwable t) {
        responses.failFromHandler(t);
        return new ServerCall.Listener<>() {};
      }
      if (responses.autoRequest) {
        call.request(1);
      }
      return new ServerCall.Listener<>() {
        private boolean done;

        @Override
        public void onMessage(Q message) {
          if (done) {
            return;
          }
          try {
            requests.onNext(message);
            if (responses.autoRequest) {
              call.request(1);
            }
          } catch (Throwable t) {
            done = true;
            responses.failFromHandler(t);
          }
        }

        @Override
        public void onHalfClose() {
          if (done) {
            return;
          }
          done = true;
          try {
            requests.onCompleted();
          } catch (Throwable t) {
            responses.failFromHandler(t);
          }
        }

        @Override
        public void onCancel() {
          responses.cancelled();
          if (!done) {
            done = true;
            try {
              requests.onError(Status.CANCELLED.withDescription("call cancelled").asException());
            } catch (Throwable t) {
              LOG.log(Level.DEBUG, "request observer threw on cancellation", t);
            }
          }
        }

        @Override
        public void onReady() {
          responses.ready();
        }
      };
    };
  }

  /** The response side handed to service code. */
  private static final class ResponseObserver<Q, R> implements ServerStreamObserver<R> {
    private final ServerCall<Q, R> call;
    private volatile boolean cancelled;
    private volatile Runnable onCancel;
    private volatile Runnable onReady;
    private boolean completed;
    private boolean headersSent;
    /** Whether the stub asks for the next request itself; read on the callback thread. */
    private volatile boolean autoRequest = true;

    ResponseObserver(ServerCall<Q, R> call) {
      this.call = call;
    }

    @Override
    public void onNext(R value) {
      if (cancelled) {
        throw Status.CANCELLED.withDescription("call already cancelled").asException();
      }
      if (completed) {
        throw new IllegalStateException("call already completed");
      }
      if (!headersSent) {
        // Sent explicitly, not implied by the first message, so interceptors see them.
        sendHeaders(new Metadata());
      }
      awaitReady();
      call.sendMessage(value);
    }

    @Override
    public void onError(Throwable t) {
      if (completed || cancelled) {
        return;
      }
      completed = true;
      closeWithError(call, t);
    }

    @Override
    public void onCompleted() {
      onCompleted(new Metadata());
    }

    @Override
    public void onCompleted(Metadata trailers) {
      if (completed || cancelled) {
        return;
      }
      completed = true;
      call.close(Status.OK, trailers);
    }

    /**
     * Back-pressure: waits while the call has a full send buffer (the client reads slower than
     * this handler writes), instead of queueing without bound. Never waits on an I/O thread.
     */
    private void awaitReady() {
      if (call.isReady() || io.conduit.internal.netty.EventLoops.isIoThread()) {
        return;
      }
      long park = 20_000;
      while (!call.isReady()) {
        if (isCancelled()) {
          throw Status.CANCELLED.withDescription("call cancelled").asException();
        }
        java.util.concurrent.locks.LockSupport.parkNanos(park);
        park = Math.min(park * 2, 5_000_000);
        if (Thread.currentThread().isInterrupted()) {
          throw Status.CANCELLED.withDescription("handler thread interrupted").asException();
        }
      }
    }

    void failFromHandler(Throwable t) {
      if (t instanceof Error e && !(t instanceof StackOverflowError)) {
        onError(t);
        throw e;
      }
      onError(t);
    }

    @Override
    public boolean isCancelled() {
      return cancelled || call.isCancelled();
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
      onCancel = handler;
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
      onReady = handler;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      headersSent = true;
      call.sendHeaders(headers);
    }

    @Override
    public void setCompression(String encoding) {
      call.setCompression(encoding);
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void disableAutoRequest() {
      autoRequest = false;
    }

    @Override
    public void request(int count) {
      call.request(count);
    }

    void cancelled() {
      cancelled = true;
      Runnable handler = onCancel;
      if (handler != null) {
        handler.run();
      }
    }

    void ready() {
      Runnable handler = onReady;
      if (handler != null) {
        handler.run();
      }
    }
  }
}
