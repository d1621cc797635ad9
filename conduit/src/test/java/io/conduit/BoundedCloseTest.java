package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code close(Duration)} on servers and channels: in-flight calls may finish within the
 * timeout; after it they are cancelled; a handler that ignores the cancellation makes it report
 * false instead of blocking.
 */
@Timeout(60)
class BoundedCloseTest {
  private static final MethodDescriptor<String, String> HOLD = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Close/Hold", EchoService.STRING, EchoService.STRING);

  private final CountDownLatch started = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  /** Completes with whether the handler's context was cancelled when it returned. */
  private final CompletableFuture<Boolean> handlerSawCancel = new CompletableFuture<>();

  @AfterEach
  void tearDown() {
    release.countDown();
  }

  /** Holds each call until released, or until its call is cancelled when {@code cancellable}. */
  private ServiceDefinition holding(boolean cancellable) {
    return ServiceDefinition.builder("test.Close")
        .method(HOLD, ServerCalls.unary((req, out) -> {
          if (cancellable) {
            Context.current().addListener(release::countDown);
          }
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          handlerSawCancel.complete(Context.current().isCancelled());
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
  }

  private static Channel channelTo(Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  private static Status statusOf(CompletableFuture<String> call) throws Exception {
    try {
      call.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return ((StatusException) e.getCause()).status();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void serverCloseLetsInFlightCallsFinishWithinTheTimeoutAndRefusesNewOnes() throws Exception {
    Server server = Server.builder().bind("127.0.0.1", 0).service(holding(false)).build().start();
    try (Channel channel = channelTo(server)) {
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, HOLD, CallOptions.DEFAULT, "a");
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(
          () -> server.close(Duration.ofSeconds(30)));
      while (!server.isShutdown()) {
        Thread.onSpinWait();
      }
      // Shut down but not terminated: the call holds it open, and new calls are refused.
      assertThat(server.isTerminated()).isFalse();
      assertThat(closed).isNotDone();
      try (Channel late = channelTo(server)) {
        assertThatThrownBy(() -> ClientCalls.blockingUnary(late, HOLD, CallOptions.DEFAULT, "late"))
            .isInstanceOfSatisfying(StatusException.class,
                e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      }

      release.countDown();
      assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("a");
      assertThat(closed.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(handlerSawCancel.get()).isFalse();
      assertThat(server.isTerminated()).isTrue();
    }
  }

  @Test
  void serverCloseCancelsCallsThatOutlastTheTimeout() throws Exception {
    Server server = Server.builder().bind("127.0.0.1", 0).service(holding(true)).build().start();
    try (Channel channel = channelTo(server)) {
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, HOLD, CallOptions.DEFAULT, "a");
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      assertThat(server.close(Duration.ofMillis(50))).isTrue();
      assertThat(handlerSawCancel.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(statusOf(inFlight).code()).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);
    }
  }

  @Test
  void serverCloseReportsAHandlerThatIgnoresCancellation() throws Exception {
    Server server = Server.builder().bind("127.0.0.1", 0).service(holding(false)).build().start();
    try (Channel channel = channelTo(server)) {
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, HOLD, CallOptions.DEFAULT, "a");
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      // The server's own executor still runs the handler: not terminated, and close says so.
      assertThat(server.close(Duration.ofMillis(50))).isFalse();
      assertThat(server.isTerminated()).isFalse();
      assertThat(statusOf(inFlight).code()).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED);

      release.countDown();
      assertThat(handlerSawCancel.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void channelCloseLetsInFlightCallsFinishThenCancelsTheRest() throws Exception {
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(holding(true)).build().start()) {
      Channel channel = channelTo(server);
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, HOLD, CallOptions.DEFAULT, "a");
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(
          () -> channel.close(Duration.ofSeconds(30)));
      while (!channel.isShutdown()) {
        Thread.onSpinWait();
      }
      assertThat(closed).isNotDone();
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, HOLD, CallOptions.DEFAULT, "new"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      release.countDown();
      assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("a");
      assertThat(closed.get(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void channelCloseCancelsCallsThatOutlastTheTimeout() throws Exception {
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(holding(true)).build().start()) {
      Channel channel = channelTo(server);
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, HOLD, CallOptions.DEFAULT, "a");
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      assertThat(channel.close(Duration.ofMillis(50))).isTrue();
      assertThat(statusOf(inFlight).code()).isEqualTo(Status.Code.UNAVAILABLE);
      // The server sees the cancellation (the stream's reset) and its handler returns.
      assertThat(handlerSawCancel.get(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
