package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.health.HealthClient;
import io.conduit.health.HealthStatus;
import io.conduit.health.HealthStatusManager;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A saturated server refuses new calls at once with a retryable status, keeps serving the calls
 * it admitted and its health checks, and admits calls again once load falls.
 */
@Timeout(60)
class LoadSheddingTest {
  private static final MethodDescriptor<String, String> BLOCK = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Load/Block", EchoService.STRING, EchoService.STRING);

  /** Counted down as each handler starts. */
  private final CountDownLatch[] started = {new CountDownLatch(0)};
  private final CountDownLatch release = new CountDownLatch(1);
  /** Counted down as the server cancels a call (the handler's context). */
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    release.countDown();
    pool.shutdownNow();
  }

  private ServiceDefinition blocking() {
    return ServiceDefinition.builder("test.Load")
        .method(BLOCK, ServerCalls.unary((req, out) -> {
          Context.current().addListener(cancelled::countDown);
          started[0].countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
  }

  private static Channel channelTo(Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  private static List<CompletableFuture<String>> fire(Channel channel, int calls, String tag) {
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      futures.add(ClientCalls.futureUnary(channel, BLOCK, CallOptions.DEFAULT, tag + i));
    }
    return futures;
  }

  private static Status statusOf(CompletableFuture<String> refused) throws Exception {
    try {
      refused.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return ((StatusException) e.getCause()).status();
    }
    throw new AssertionError("the call succeeded: " + refused.get());
  }

  @Test
  void callsBeyondTheQueueBoundAreRefusedWhileAdmittedOnesAndHealthAreServed() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    try (Server server = Server.builder().bind("127.0.0.1", 0).executor(pool).maxQueuedCalls(4)
            .service(blocking()).service(health).build().start();
        Channel channel = channelTo(server)) {
      // Both handler threads busy: from now on every admitted call waits for a thread.
      started[0] = new CountDownLatch(2);
      List<CompletableFuture<String>> running = fire(channel, 2, "running");
      assertThat(started[0].await(10, TimeUnit.SECONDS)).isTrue();

      List<CompletableFuture<String>> more = fire(channel, 20, "more");
      // One connection, so one transport thread admits them in order: four wait for a thread,
      // sixteen are refused at once. Which four depends on the order the streams open in.
      CountDownLatch ended = new CountDownLatch(16);
      more.forEach(call -> call.whenComplete((ok, error) -> ended.countDown()));
      assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
      int refused = 0;
      for (CompletableFuture<String> call : more) {
        if (call.isDone()) {
          Status status = statusOf(call);
          assertThat(status.code()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(status.description()).contains("server overloaded")
              .contains("waiting for a handler thread").contains("maxQueuedCalls is 4");
          refused++;
        }
      }
      assertThat(refused).isEqualTo(16);

      // Health checks have their own thread: answered while every handler thread is stuck.
      assertThat(HealthClient.of(channel).check("")).isEqualTo(HealthStatus.SERVING);

      release.countDown();
      List<CompletableFuture<String>> admitted = new ArrayList<>(running);
      for (CompletableFuture<String> call : more) {
        if (!call.isDone()) {
          admitted.add(call);
        }
      }
      assertThat(admitted).hasSize(6);
      for (CompletableFuture<String> call : admitted) {
        assertThat(call.get(10, TimeUnit.SECONDS)).isNotEmpty();
      }
      // Load fell: new calls are admitted again.
      assertThat(ClientCalls.blockingUnary(channel, BLOCK, CallOptions.DEFAULT, "after"))
          .isEqualTo("after");
    }
  }

  @Test
  void callsBeyondTheConcurrencyLimitAreRefusedUntilOneEnds() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    try (Server server = Server.builder().bind("127.0.0.1", 0).maxConcurrentCalls(2)
            .service(blocking()).service(health).build().start();
        Channel channel = channelTo(server)) {
      started[0] = new CountDownLatch(1);
      CompletableFuture<String> first = fire(channel, 1, "first").get(0);
      assertThat(started[0].await(10, TimeUnit.SECONDS)).isTrue();
      started[0] = new CountDownLatch(1);
      CompletableFuture<String> second = fire(channel, 1, "second").get(0);
      assertThat(started[0].await(10, TimeUnit.SECONDS)).isTrue();

      for (CompletableFuture<String> refused : fire(channel, 3, "over")) {
        Status status = statusOf(refused);
        assertThat(status.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.description()).contains("2 calls are running")
            .contains("maxConcurrentCalls");
      }
      // Health checks are not counted against the limit.
      assertThat(HealthClient.of(channel).check("")).isEqualTo(HealthStatus.SERVING);

      // A cancelled call frees its place: the next one is admitted and runs.
      first.cancel(true);
      assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
      started[0] = new CountDownLatch(1);
      CompletableFuture<String> third = fire(channel, 1, "third").get(0);
      assertThat(started[0].await(10, TimeUnit.SECONDS)).isTrue();

      release.countDown();
      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("second0");
      assertThat(third.get(10, TimeUnit.SECONDS)).isEqualTo("third0");
    }
  }
}
