package io.conduit.stub;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client half of generated stubs: the four call types in blocking, future and observer
 * flavours, on top of {@link ClientCall}. Usable directly with hand-written descriptors.
 */
public final class ClientCalls {
  private ClientCalls() {}

  // ---------------------------------------------------------------- unary

  /**
   * Makes a unary call and waits for its response; failures throw {@link StatusException}.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param request the request message
   * @return the response
   */
  public static <Q, R> R blockingUnary(
      CallFactory channel, MethodDescriptor<Q, R> method, CallOptions options, Q request) {
    CompletableFuture<R> future = futureUnary(channel, method, options, request);
    return await(future);
  }

  /**
   * Makes a unary call; the future completes with the response or a {@link StatusException}.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param request the request message
   * @return the future response
   */
  public static <Q, R> CompletableFuture<R> futureUnary(
      CallFactory channel, MethodDescriptor<Q, R> method, CallOptions options, Q request) {
    ClientCall<Q, R> call = channel.newCall(method, options);
    CompletableFuture<R> future = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        call.cancel("future cancelled", null);
        return super.cancel(mayInterruptIfRunning);
      }
    };
    startUnary(call, request, new SingleResponseListener<>(future::complete, future::completeExceptionally));
    return future;
  }

  /**
   * Makes a unary call whose outcome goes to {@code responseObserver}.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param request the request message
   * @param responseObserver receives the response and the outcome
   */
  public static <Q, R> void asyncUnary(CallFactory channel, MethodDescriptor<Q, R> method,
      CallOptions options, Q request, StreamObserver<R> responseObserver) {
    ClientCall<Q, R> call = channel.newCall(method, options);
    startUnary(call, request, new SingleResponseListener<>(r -> {
      responseObserver.onNext(r);
      responseObserver.onCompleted();
    }, responseObserver::onError));
  }

  private static <Q, R> void startUnary(ClientCall<Q, R> call, Q request, ClientCall.Listener<R> listener) {
    try {
      call.start(listener, new Metadata());
      // Two credits: a second response message is a protocol violation we want to see.
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    } catch (RuntimeException | Error e) {
      call.cancel("client failed to start the call", e);
      throw e;
    }
  }

  // ---------------------------------------------------------------- server streaming

  /**
   * Starts a server-streaming call whose responses are read from the returned iterator.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param request the request message
   * @return an iterator over the responses
   */
  public static <Q, R> BlockingIterator<R> blockingServerStreaming(
      CallFactory channel, MethodDescriptor<Q, R> method, CallOptions options, Q request) {
    ClientCall<Q, R> call = channel.newCall(method, options);
    BlockingResponses<Q, R> responses = new BlockingResponses<>(call);
    call.start(responses, new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return responses;
  }

  /**
   * Starts a server-streaming call whose responses go to {@code responseObserver}; the returned
   * handle cancels the call.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param request the request message
   * @param responseObserver receives the responses and the outcome
   * @return a handle that cancels the call
   */
  public static <Q, R> CallHandle asyncServerStreaming(CallFactory channel,
      MethodDescriptor<Q, R> method, CallOptions options, Q request,
      StreamObserver<R> responseObserver) {
    ClientCall<Q, R> call = channel.newCall(method, options);
    call.start(new ObserverListener<>(call, responseObserver, null), new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return call::cancel;
  }

  // ---------------------------------------------------------------- client and bidi streaming

  /**
   * Starts a client-streaming call: send requests to the returned observer; the single response
   * (or the failure) goes to {@code responseObserver}.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param responseObserver receives the response and the outcome
   * @return the observer to send the requests to
   */
  public static <Q, R> ClientStreamObserver<Q> asyncClientStreaming(CallFactory channel,
      MethodDescriptor<Q, R> method, CallOptions options, StreamObserver<R> responseObserver) {
    return asyncStreaming(channel, method, options, responseObserver);
  }

  /**
   * Starts a bidirectional-streaming call.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @param responseObserver receives the responses and the outcome
   * @return the observer to send the requests to
   */
  public static <Q, R> ClientStreamObserver<Q> asyncBidiStreaming(CallFactory channel,
      MethodDescriptor<Q, R> method, CallOptions options, StreamObserver<R> responseObserver) {
    return asyncStreaming(channel, method, options, responseObserver);
  }

  private static <Q, R> ClientStreamObserver<Q> asyncStreaming(CallFactory channel,
      MethodDescriptor<Q, R> method, CallOptions options, StreamObserver<R> responseObserver) {
    ClientCall<Q, R> call = channel.newCall(method, options);
    RequestObserver<Q, R> requests = new RequestObserver<>(call);
    call.start(new ObserverListener<>(call, responseObserver, requests), new Metadata());
    call.request(1);
    return requests;
  }

  /**
   * Starts a client- or bidi-streaming call driven from the calling thread.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param channel the channel (or any call factory) to call on
   * @param method the method
   * @param options the call's options
   * @return the call
   */
  public static <Q, R> BlockingCall<Q, R> blockingStreaming(
      CallFactory channel, MethodDescriptor<Q, R> method, CallOptions options) {
    ClientCall<Q, R> call = channel.newCall(method, options);
    BlockingResponses<Q, R> responses = new BlockingResponses<>(call);
    call.start(responses, new Metadata());
    call.request(1);
    return responses;
  }

  // ---------------------------------------------------------------- helpers

  static <T> T await(CompletableFuture<T> future) {
    try {
      boolean interrupted = false;
      while (true) {
        try {
          T value = future.get();
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
          return value;
        } catch (InterruptedException e) {
          // Cancel the call, then wait for it to close so the caller sees a definite outcome.
          interrupted = true;
          future.cancel(true);
        }
      }
    } catch (ExecutionException e) {
      throw asStatusException(e.getCause());
    } catch (CancellationException e) {
      throw Status.CANCELLED.withDescription("call cancelled").withCause(e).asException();
    }
  }

  static StatusException asStatusException(Throwable t) {
    if (t instanceof StatusException se) {
      // This thread's stack, the original's status and trailers; the original (with the
      // stack where the call failed) rides along as a suppressed exception.
      StatusException here = new StatusException(se.status(), se.trailers());
      here.addSuppressed(se);
      return here;
    }
    return Status.fromThrowable(t).asException();
  }

  private static final class SingleResponseListener<R> extends ClientCall.Listener<R> {
    private final java.util.function.Consumer<R> onSuccess;
    private final java.util.function.Consumer<Throwable> onFailure;
    private R response;
    private int received;

    SingleResponseListener(java.util.function.Consumer<R> onSuccess,
        java.util.function.Consumer<Throwable> onFailure) {
      this.onSuccess = onSuccess;
      this.onFailure = onFailure;
    }

    @Override
    public void onMessage(R message) {
      // A second message breaks the unary contract; onClose reports it.
      if (received++ == 0) {
        response = message;
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (!status.isOk()) {
        onFailure.accept(status.asException(trailers));
      } else if (received == 0) {
        onFailure.accept(Status.INTERNAL.withDescription("no response message for a unary call")
            .asException(trailers));
      } else if (received > 1) {
        onFailure.accept(Status.INTERNAL.withDescription("too many response messages for a unary call")
            .asException(trailers));
      } else {
        onSuccess.accept(response);
      }
    }
  }

  /** Delivers responses to an observer, asking for one more after each. */
  private static final class ObserverListener<Q, R> extends ClientCall.Listener<R> {
    private final ClientCall<Q, R> call;
    private final StreamObserver<R> observer;
    /** The request side whose on-ready handler hears readiness, or null (server streaming). */
    private final RequestObserver<Q, R> requests;

    ObserverListener(ClientCall<Q, R> call, StreamObserver<R> observer,
        RequestObserver<Q, R> requests) {
      this.call = call;
      this.observer = observer;
      this.requests = requests;
    }

    @Override
    public void onReady() {
      if (requests != null) {
        requests.ready();
      }
    }

    @Override
    public void onMessage(R message) {
      observer.onNext(message);
      call.request(1);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (status.isOk()) {
        observer.onCompleted();
      } else {
        observer.onError(status.asException(trailers));
      }
    }
  }

  /** The request side of an observer-style streaming call. */
  private static final class RequestObserver<Q, R> implements ClientStreamObserver<Q> {
    private final ClientCall<Q, R> call;
    // Set by the application thread, run on the call's callback thread.
    private volatile Runnable onReady;

    RequestObserver(ClientCall<Q, R> call) {
      this.call = call;
    }

    @Override
    public void onNext(Q value) {
      call.sendMessage(value);
    }

    @Override
    public void onError(Throwable t) {
      call.cancel("cancelled by client: " + t, t);
    }

    @Override
    public void onCompleted() {
      call.halfClose();
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
    public void cancel(String message, Throwable cause) {
      call.cancel(message, cause);
    }

    void ready() {
      Runnable handler = onReady;
      if (handler != null) {
        handler.run();
      }
    }
  }

  /**
   * Responses queued for a blocking reader, and a blocking writer that waits for
   * {@link ClientCall#isReady()}. One lock guards the queue and both conditions.
   */
  private static final class BlockingResponses<Q, R> extends ClientCall.Listener<R>
      implements BlockingIterator<R>, BlockingCall<Q, R> {
    private static final Object END = new Object();

    private final ClientCall<Q, R> call;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private Status closedStatus;
    private Metadata closedTrailers;
    private Object next;
    private boolean halfClosed;

    BlockingResponses(ClientCall<Q, R> call) {
      this.call = call;
    }

    @Override
    public void onMessage(R message) {
      signal(() -> queue.add(message));
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      signal(() -> {
        closedStatus = status;
        closedTrailers = trailers;
        queue.add(END);
      });
    }

    @Override
    public void onReady() {
      signal(() -> {});
    }

    private void signal(Runnable change) {
      lock.lock();
      try {
        change.run();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    // ---- reading

    private Object take() {
      lock.lock();
      try {
        while (queue.isEmpty()) {
          awaitChange();
        }
        return queue.poll();
      } finally {
        lock.unlock();
      }
    }

    private void awaitChange() {
      try {
        changed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        call.cancel("thread interrupted", e);
        throw Status.CANCELLED.withDescription("thread interrupted").withCause(e).asException();
      }
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        next = take();
        if (next != END) {
          call.request(1);
        }
      }
      if (next == END) {
        if (!closedStatus.isOk()) {
          throw closedStatus.asException(closedTrailers);
        }
        return false;
      }
      return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public R next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      R value = (R) next;
      next = null;
      return value;
    }

    @Override
    public R read() {
      return hasNext() ? next() : null;
    }

    @Override
    public R finish() {
      halfClose();
      R response = read();
      if (response == null) {
        throw Status.INTERNAL.withDescription("no response message").asException();
      }
      if (read() != null) {
        throw Status.INTERNAL.withDescription("more than one response message").asException();
      }
      return response;
    }

    // ---- writing

    @Override
    public void send(Q message) {
      lock.lock();
      try {
        while (!call.isReady() && closedStatus == null) {
          awaitChange();
        }
        if (closedStatus != null) {
          // The call is over: say why instead of silently dropping the message.
          throw (closedStatus.isOk()
              ? Status.INTERNAL.withDescription("call already completed")
              : closedStatus).asException(closedTrailers);
        }
      } finally {
        lock.unlock();
      }
      call.sendMessage(message);
    }

    @Override
    public void halfClose() {
      lock.lock();
      try {
        if (halfClosed || closedStatus != null) {
          return;
        }
        halfClosed = true;
      } finally {
        lock.unlock();
      }
      call.halfClose();
    }

    @Override
    public void cancel(String message) {
      call.cancel(message, null);
    }

    @Override
    public void close() {
      boolean done;
      lock.lock();
      try {
        done = closedStatus != null;
      } finally {
        lock.unlock();
      }
      if (!done) {
        call.cancel("closed by client before completion", null);
      }
    }
  }
}
