package io.conduit.health;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.ClientInterceptor;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A client of a server's {@code grpc.health.v1.Health} (doc/health-checking.md): {@code Check}
 * and {@code Watch}, blocking or asynchronous. The server side is {@link HealthStatusManager}.
 *
 * <pre>{@code
 * HealthClient health = HealthClient.of(channel).withDeadline(Duration.ofSeconds(1));
 * if (health.check("helloworld.Greeter") == HealthStatus.SERVING) { ... }
 *
 * HealthClient.Watch watch = HealthClient.of(channel).watch("", observer);   // every change
 * watch.cancel();
 * }</pre>
 *
 * <p>Failures are {@link io.conduit.StatusException}s: NOT_FOUND from {@code check} for a service
 * the server does not know, UNIMPLEMENTED from a server without the health service. Immutable and
 * thread-safe: the {@code with} methods return a new client that shares the channel.
 */
public final class HealthClient {
  private final CallFactory channel;
  private final CallOptions options;
  private final Duration timeout;

  private HealthClient(CallFactory channel, CallOptions options, Duration timeout) {
    this.channel = channel;
    this.options = options;
    this.timeout = timeout;
  }

  /**
   * A client of the health service behind {@code channel}.
   *
   * @param channel usually a {@link io.conduit.Channel}
   * @return the client, with default call options
   */
  public static HealthClient of(CallFactory channel) {
    return new HealthClient(Objects.requireNonNull(channel, "channel"), CallOptions.DEFAULT, null);
  }

  /**
   * This client with {@code options} for its calls, replacing the options and the deadline set
   * before.
   *
   * @param options the options of every call
   * @return the new client
   */
  public HealthClient withOptions(CallOptions options) {
    return new HealthClient(channel, Objects.requireNonNull(options, "options"), null);
  }

  /**
   * This client with a deadline {@code timeout} after the start of each call, replacing the
   * deadline set before. It ends a Watch too (with DEADLINE_EXCEEDED).
   *
   * @param timeout the time each call may take
   * @return the new client
   */
  public HealthClient withDeadline(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return new HealthClient(channel, options.withDeadline(null), timeout);
  }

  /**
   * This client with {@code deadline} for all its calls, replacing the deadline set before.
   *
   * @param deadline when every call must have ended
   * @return the new client
   */
  public HealthClient withDeadline(Deadline deadline) {
    Objects.requireNonNull(deadline, "deadline");
    return new HealthClient(channel, options.withDeadline(deadline), null);
  }

  /**
   * This client with calls that, when {@code enabled}, wait for a ready connection instead of
   * failing fast (the default).
   *
   * @param enabled whether calls wait for a ready connection
   * @return the new client
   */
  public HealthClient withWaitForReady(boolean enabled) {
    return new HealthClient(channel, options.withWaitForReady(enabled), timeout);
  }

  /**
   * This client with its calls passing through {@code interceptors}: the first sees each call
   * first.
   *
   * @param interceptors the interceptors, outermost first
   * @return the new client
   */
  public HealthClient withInterceptors(ClientInterceptor... interceptors) {
    return new HealthClient(ClientInterceptor.intercept(channel, List.of(interceptors)), options, timeout);
  }

  private CallOptions callOptions() {
    return timeout == null ? options : options.withDeadline(Deadline.after(timeout));
  }

  /**
   * Asks the serving status of {@code service} ({@code ""} or {@link HealthStatusManager#SERVER}
   * for the server as a whole) and waits for the answer.
   *
   * @param service the service's full name, or {@code ""}
   * @return its serving status
   * @throws io.conduit.StatusException NOT_FOUND if the server does not know {@code service}, or
   *     the status the call failed with
   */
  public HealthStatus check(String service) {
    return ClientCalls.blockingUnary(channel, Health.CHECK, callOptions(), new Health.Request(service))
        .status();
  }

  /**
   * Asks the serving status of {@code service}; the future completes with it or fails with a
   * {@link io.conduit.StatusException} (NOT_FOUND for a service the server does not know).
   * Cancelling the future cancels the call.
   *
   * @param service the service's full name, or {@code ""}
   * @return the future serving status
   */
  public CompletableFuture<HealthStatus> checkAsync(String service) {
    CompletableFuture<Health.Response> call =
        ClientCalls.futureUnary(channel, Health.CHECK, callOptions(), new Health.Request(service));
    CompletableFuture<HealthStatus> result = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        call.cancel(mayInterruptIfRunning);
        return super.cancel(mayInterruptIfRunning);
      }
    };
    call.whenComplete((response, failure) -> {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else {
        result.complete(response.status());
      }
    });
    return result;
  }

  /**
   * Watches {@code service}: the iterator returns its current status at once, then each change
   * as it happens ({@link HealthStatus#SERVICE_UNKNOWN} while the server does not know it). The
   * stream has no end of its own: close the iterator to cancel the call.
   *
   * @param service the service's full name, or {@code ""}
   * @return the statuses, as they come
   */
  public BlockingIterator<HealthStatus> watch(String service) {
    BlockingIterator<Health.Response> responses =
        ClientCalls.blockingServerStreaming(channel, Health.WATCH, callOptions(), new Health.Request(service));
    return new BlockingIterator<>() {
      @Override
      public boolean hasNext() {
        return responses.hasNext();
      }

      @Override
      public HealthStatus next() {
        return responses.next().status();
      }

      @Override
      public void close() {
        responses.close();
      }
    };
  }

  /**
   * Watches {@code service}: {@code observer} hears its current status, then each change as it
   * happens, on the channel's executor, until the call ends. Cancel the returned {@link Watch} to
   * stop: {@code observer} then hears {@code onError} with CANCELLED.
   *
   * @param service the service's full name, or {@code ""}
   * @param observer hears the statuses, then the end
   * @return the handle that cancels the Watch
   */
  public Watch watch(String service, StreamObserver<HealthStatus> observer) {
    Objects.requireNonNull(observer, "observer");
    ClientCall<Health.Request, Health.Response> call = channel.newCall(Health.WATCH, callOptions());
    try {
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(Health.Response message) {
          observer.onNext(message.status());
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
      }, new Metadata());
      call.request(1);
      call.sendMessage(new Health.Request(service));
      call.halfClose();
    } catch (RuntimeException | Error e) {
      call.cancel("client failed to start the watch", e);
      throw e;
    }
    return () -> call.cancel("watch cancelled by the client", null);
  }

  /** A running {@link #watch(String, StreamObserver) Watch}; cancel or close it to stop. */
  @FunctionalInterface
  public interface Watch extends AutoCloseable {
    /** Cancels the Watch if it has not ended; never throws. */
    void cancel();

    /** The same as {@link #cancel()}. */
    @Override
    default void close() {
      cancel();
    }
  }
}
