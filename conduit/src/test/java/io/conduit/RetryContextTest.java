package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A call with a retry policy belongs to the caller's {@link Context} as a whole: every attempt
 * runs in it (its deadline, its cancellation), and cancelling the context or passing its deadline
 * during the backoff between attempts ends the call there and then.
 *
 * <p>How the tests know the client is in its backoff, without sleeping: the server answers
 * attempt 1 with UNAVAILABLE and a {@code grpc-retry-pushback-ms} trailer, a delay the client
 * must honour exactly (gRFC A6). The channel runs callbacks on its I/O thread (direct executor),
 * so the client handles attempt 1's trailers inline when it reads them; a plain call made after
 * the server closed attempt 1, on the same connection, is answered behind those trailers. When
 * that plain call returns, attempt 1 has closed on the client and the retry is waiting.
 *
 * <p>Backoffs and deadlines run on a {@link FakeClock}: the tests move time past them by hand.
 */
@Timeout(60)
class RetryContextTest {
  private final FakeClock clock = new FakeClock();

  static final MethodDescriptor<String, String> FLAKY = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Retry/Flaky", EchoService.STRING, EchoService.STRING);

  static final String RETRY_CONFIG = """
      {"methodConfig": [{
        "name": [{"service": "test.Retry"}],
        "retryPolicy": {
          "maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.05s",
          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]
        }}]}""";

  /** What the server saw of one attempt. */
  record Attempt(String previousAttempts, Deadline deadline, CompletableFuture<Void> cancelled) {}

  /**
   * Fails attempt 1 of test.Retry/Flaky with UNAVAILABLE and the given pushback; later attempts
   * answer "ok" or, with {@code laterAttemptsHang}, never answer (only a cancel ends them).
   * Also serves test.Echo, which has no retry policy, for the plain calls that order events.
   */
  static final class Backend implements AutoCloseable {
    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    /** grpc-previous-rpc-attempts of each attempt, in order (attempts of a retry never overlap). */
    final List<String> previous = new CopyOnWriteArrayList<>();
    final CompletableFuture<Attempt> second = new CompletableFuture<>();
    /** Counted once the server has queued attempt 1's trailers for writing. */
    final CountDownLatch firstClosed = new CountDownLatch(1);
    final Server server;

    Backend(long pushbackMs, boolean laterAttemptsHang) {
      ServerInterceptor recordClose = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
          if (!call.method().fullMethodName().equals(FLAKY.fullMethodName())) {
            return next.startCall(call, headers);
          }
          previous.add(String.valueOf(headers.get("grpc-previous-rpc-attempts")));
          return next.startCall(new ForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
              super.close(status, trailers);
              if (status.code() == Status.Code.UNAVAILABLE) {
                firstClosed.countDown();
              }
            }
          }, headers);
        }
      };
      ServiceDefinition retry = ServiceDefinition.builder("test.Retry")
          .method(FLAKY, ServerCalls.unary((req, out) -> {
            // Handlers run in the call's context: its deadline is the grpc-timeout the attempt sent.
            Attempt a = new Attempt(previous.get(attempts.size()), Context.current().deadline(),
                new CompletableFuture<>());
            out.setOnCancelHandler(() -> a.cancelled().complete(null));
            attempts.add(a);
            if (attempts.size() == 2) {
              second.complete(a);
            }
            if (attempts.size() == 1) {
              Metadata trailers = new Metadata().add("grpc-retry-pushback-ms", Long.toString(pushbackMs));
              out.onError(Status.UNAVAILABLE.withDescription("attempt 1").asException(trailers));
            } else if (!laterAttemptsHang) {
              out.onNext("ok");
              out.onCompleted();
            }
          }))
          .build();
      server = Server.builder().bind("127.0.0.1", 0).intercept(recordClose)
          .service(retry).service(EchoService.definition()).build().start();
    }

    /**
     * A channel with its connection up: the tests' deadlines and backoffs then measure the retry,
     * not the connection setup (or class loading, when a test runs first in its JVM).
     */
    Channel channel(FakeClock clock) {
      Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().directExecutor()
          .defaultServiceConfig(RETRY_CONFIG).clock(clock).build();
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "warm"))
          .isEqualTo("warm");
      return channel;
    }

    /** Returns once the client has seen attempt 1 close (see the class comment). */
    void awaitFirstAttemptClosedOnTheClient(Channel channel) throws InterruptedException {
      assertThat(firstClosed.await(10, TimeUnit.SECONDS)).as("attempt 1 reached the server").isTrue();
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "behind"))
          .isEqualTo("behind");
    }

    @Override
    public void close() {
      server.close();
    }
  }

  private static Status.Code outcome(CompletableFuture<String> call) throws Exception {
    try {
      call.get(10, TimeUnit.SECONDS);
      return Status.Code.OK;
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StatusException.class);
      return ((StatusException) e.getCause()).status().code();
    }
  }

  /** Moves the clock to just before {@code deadline}, then onto it: the call ends there, not before. */
  private void assertEndsAtTheDeadline(CompletableFuture<String> call, Duration deadline)
      throws Exception {
    clock.advance(deadline.minusMillis(1));
    assertThat(call).as("not before the deadline").isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThat(outcome(call)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void cancellingTheContextDuringTheBackoffEndsTheCallAtOnce() throws Exception {
    // A 30 s pushback: the call can only end within the 10 s that outcome() waits if the
    // cancellation itself ends it, not the next attempt.
    try (Backend backend = new Backend(30_000, false);
        Channel channel = backend.channel(clock)) {
      Context.CancellableContext ctx = Context.current().withCancellation();
      CompletableFuture<String> call = ctx.call(
          () -> ClientCalls.futureUnary(channel, FLAKY, CallOptions.DEFAULT, "x"));
      backend.awaitFirstAttemptClosedOnTheClient(channel);
      ctx.cancel(new RuntimeException("caller gave up"));
      assertThat(outcome(call)).isEqualTo(Status.Code.CANCELLED);
      assertThat(backend.attempts).hasSize(1);
    }
  }

  @Test
  void anAttemptCancelledInItsBackoffNeverReachesTheServer() throws Exception {
    long pushbackMs = 1000;
    try (Backend backend = new Backend(pushbackMs, false);
        Channel channel = backend.channel(clock)) {
      Context.CancellableContext ctx = Context.current().withCancellation();
      CompletableFuture<String> call = ctx.call(
          () -> ClientCalls.futureUnary(channel, FLAKY, CallOptions.DEFAULT, "x"));
      backend.awaitFirstAttemptClosedOnTheClient(channel);
      ctx.cancel(null);
      assertThat(outcome(call)).isEqualTo(Status.Code.CANCELLED);
      // Past the pushback: a backoff timer left armed would start attempt 2 now.
      clock.advance(Duration.ofMillis(pushbackMs + 1));
      assertThat(backend.second).isNotDone();
      // Anything started before this plain call would reach the server before it, on this connection.
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "after"))
          .isEqualTo("after");
      assertThat(backend.attempts).hasSize(1);
    }
  }

  @Test
  void aContextDeadlinePassingDuringTheBackoffEndsTheCallWithDeadlineExceeded() throws Exception {
    // The backoff (30 s) outlasts the deadline by far: only the deadline can end the call in time.
    try (Backend backend = new Backend(30_000, false);
        Channel channel = backend.channel(clock)) {
      Deadline deadline = Deadline.after(Duration.ofMillis(1500), clock);
      Context.CancellableContext ctx = Context.current().withDeadline(deadline);
      // The deadline is the context's only; CallOptions carries none.
      CompletableFuture<String> call = ctx.call(
          () -> ClientCalls.futureUnary(channel, FLAKY, CallOptions.DEFAULT, "x"));
      backend.awaitFirstAttemptClosedOnTheClient(channel);
      assertEndsAtTheDeadline(call, Duration.ofMillis(1500));
      assertThat(deadline.isExpired()).as("not before the deadline").isTrue();
      assertThat(backend.attempts).hasSize(1);
      ctx.close();
    }
  }

  @Test
  void aCallOptionsDeadlinePassingDuringTheBackoffEndsTheCallWithDeadlineExceeded() throws Exception {
    try (Backend backend = new Backend(30_000, false);
        Channel channel = backend.channel(clock)) {
      CallOptions options = CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofMillis(1500), clock));
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, FLAKY, options, "x");
      backend.awaitFirstAttemptClosedOnTheClient(channel);
      assertEndsAtTheDeadline(call, Duration.ofMillis(1500));
      assertThat(backend.attempts).hasSize(1);
    }
  }

  @Test
  void anAttemptStartedBeforeTheContextDeadlineCarriesItAndIsCancelledWhenItPasses() throws Exception {
    // A short pushback: attempt 2 starts well before the deadline, then never gets an answer.
    try (Backend backend = new Backend(50, true);
        Channel channel = backend.channel(clock)) {
      Deadline deadline = Deadline.after(Duration.ofMillis(1500), clock);
      Context.CancellableContext ctx = Context.current().withDeadline(deadline);
      CompletableFuture<String> call = ctx.call(
          () -> ClientCalls.futureUnary(channel, FLAKY, CallOptions.DEFAULT, "x"));
      backend.awaitFirstAttemptClosedOnTheClient(channel);
      clock.advance(Duration.ofMillis(50));
      Attempt second = backend.second.get(10, TimeUnit.SECONDS);
      assertThat(second.previousAttempts()).isEqualTo("1");
      // The server's deadline comes from the attempt's grpc-timeout: the context's, remaining.
      assertThat(second.deadline()).as("attempt 2 sent grpc-timeout").isNotNull();
      assertThat(second.deadline().timeRemaining(TimeUnit.MILLISECONDS)).isLessThanOrEqualTo(1450);
      clock.advance(Duration.ofMillis(1450));
      assertThat(outcome(call)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      second.cancelled().get(10, TimeUnit.SECONDS);
      ctx.close();
    }
  }

  @Test
  void cancellingTheContextCancelsAnAttemptStartedAfterABackoff() throws Exception {
    try (Backend backend = new Backend(50, true);
        Channel channel = backend.channel(clock)) {
      Context.CancellableContext ctx = Context.current().withCancellation();
      CompletableFuture<String> call = ctx.call(
          () -> ClientCalls.futureUnary(channel, FLAKY, CallOptions.DEFAULT, "x"));
      backend.awaitFirstAttemptClosedOnTheClient(channel);
      clock.advance(Duration.ofMillis(50));
      Attempt second = backend.second.get(10, TimeUnit.SECONDS);
      assertThat(second.previousAttempts()).isEqualTo("1");
      ctx.cancel(null);
      // Attempt 2 listens to the caller's context like attempt 1 did: the server sees the cancel.
      second.cancelled().get(10, TimeUnit.SECONDS);
      assertThat(outcome(call)).isEqualTo(Status.Code.CANCELLED);
    }
  }
}
