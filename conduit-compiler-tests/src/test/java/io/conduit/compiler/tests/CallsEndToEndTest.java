package io.conduit.compiler.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ClientCall;
import io.conduit.ClientInterceptor;
import io.conduit.Deadline;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.CallHandle;
import io.conduit.stub.ClientStreamObserver;
import io.conduit.stub.StreamObserver;
import io.conduit.testing.calls.CallsRpc;
import io.conduit.testing.calls.Request;
import io.conduit.testing.calls.Response;
import io.conduit.testing.empty.NothingRpc;
import io.conduit.testing.shared.SharedOuterClass.SharedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The generated stubs of {@code conduit.testing.calls.Calls}, called against a real server. */
@Timeout(30)
class CallsEndToEndTest {
  static final CallsService service = new CallsService();
  static Server server;
  static Channel channel;
  static CallsRpc.BlockingClient blocking;
  static CallsRpc.AsyncClient async;

  @BeforeAll
  static void start() {
    server = Server.builder()
        .bind("127.0.0.1", 0)
        .service(service)
        .service(new NothingRpc.Service() {})
        .build()
        .start();
    channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
    blocking = CallsRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(10));
    async = CallsRpc.newAsyncClient(channel).withDeadline(Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static Request request(String message) {
    return Request.newBuilder().setMessage(message).build();
  }

  static Status.Code codeOf(Throwable t) {
    Throwable cause = t instanceof ExecutionException ? t.getCause() : t;
    assertThat(cause).isInstanceOf(StatusException.class);
    return ((StatusException) cause).status().code();
  }

  // ---------------------------------------------------------------- unary

  @Test
  void blockingUnary() {
    Response response = blocking.unary(request("hello").toBuilder().setValue(42).build());
    assertThat(response.getMessage()).isEqualTo("hello");
    assertThat(response.getValue()).isEqualTo(42);
  }

  @Test
  void futureUnary() throws Exception {
    CompletableFuture<Response> future = async.unary(request("future"));
    assertThat(future.get(10, TimeUnit.SECONDS).getMessage()).isEqualTo("future");
  }

  @Test
  void unaryFailureCarriesTheStatus() {
    Request failing = request("boom").toBuilder().setFailWithCode(Status.Code.NOT_FOUND.value()).build();
    assertThatThrownBy(() -> blocking.unary(failing))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.status().description()).isEqualTo("failed as asked: boom");
        });
    assertThatThrownBy(() -> async.unary(failing).get(10, TimeUnit.SECONDS))
        .satisfies(t -> assertThat(codeOf(t)).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void messagesFromAnotherFileAndPackage() {
    SharedMessage.Nested reply = blocking.shared(SharedMessage.newBuilder().setText("shared").build());
    assertThat(reply.getText()).isEqualTo("shared!");
  }

  @Test
  @SuppressWarnings("deprecation")
  void deprecatedAndIdempotentMethodsWork() {
    assertThat(blocking.old(request("x")).getMessage()).isEqualTo("old x");
    assertThat(blocking.get(request("x")).getMessage()).isEqualTo("get x");
    assertThat(blocking.put(request("x")).getMessage()).isEqualTo("put x");
  }

  // ---------------------------------------------------------------- server streaming

  @Test
  void blockingServerStreaming() {
    List<Integer> indexes = new ArrayList<>();
    try (BlockingIterator<Response> it = blocking.serverStream(request("s").toBuilder().setCount(5).build())) {
      it.forEachRemaining(r -> indexes.add(r.getIndex()));
    }
    assertThat(indexes).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void closingTheIteratorCancelsTheCall() throws InterruptedException {
    service.serverStreamCancelled = new CountDownLatch(1);
    try (BlockingIterator<Response> it =
        blocking.serverStream(request("endless").toBuilder().setCount(Integer.MAX_VALUE).build())) {
      assertThat(it.next().getIndex()).isEqualTo(0);
      assertThat(it.next().getIndex()).isEqualTo(1);
    }
    assertThat(service.serverStreamCancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void theGeneratedServerStreamingHandleCancelsTheCall() throws Exception {
    service.serverStreamCancelled = new CountDownLatch(1);
    Collector<Response> responses = new Collector<>();
    CallHandle handle = async.serverStream(
        request("endless").toBuilder().setCount(Integer.MAX_VALUE).build(), responses);
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (responses.values.isEmpty() && System.nanoTime() < giveUp) {
      Thread.onSpinWait();
    }
    assertThat(responses.values).isNotEmpty();
    handle.cancel("enough", null);
    assertThat(service.serverStreamCancelled.await(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> responses.done.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusException.class).hasMessageContaining("CANCELLED");
  }

  @Test
  void theGeneratedRequestObserverOffersReadinessAndCancel() throws Exception {
    Collector<Response> responses = new Collector<>();
    ClientStreamObserver<Request> requests = async.clientStream(responses);
    requests.setOnReadyHandler(() -> {});
    requests.onNext(request("a"));
    requests.cancel("changed my mind", null);
    assertThatThrownBy(() -> responses.done.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusException.class).hasMessageContaining("changed my mind");
    assertThat(requests.isReady()).isFalse();
  }

  @Test
  void asyncServerStreaming() throws Exception {
    Collector<Response> responses = new Collector<>();
    async.serverStream(request("a").toBuilder().setCount(3).build(), responses);
    assertThat(responses.done.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(responses.values).extracting(Response::getIndex).containsExactly(0, 1, 2);
  }

  @Test
  void serverStreamingFailure() {
    Request failing = request("f").toBuilder().setFailWithCode(Status.Code.ABORTED.value()).build();
    assertThatThrownBy(() -> {
      try (BlockingIterator<Response> it = blocking.serverStream(failing)) {
        it.hasNext();
      }
    }).satisfies(t -> assertThat(codeOf(t)).isEqualTo(Status.Code.ABORTED));
  }

  // ---------------------------------------------------------------- client streaming

  @Test
  void blockingClientStreaming() {
    try (BlockingCall<Request, Response> call = blocking.clientStream()) {
      for (int i = 1; i <= 4; i++) {
        call.send(request(Integer.toString(i)).toBuilder().setValue(i).build());
      }
      Response response = call.finish();
      assertThat(response.getValue()).isEqualTo(10);
      assertThat(response.getMessage()).isEqualTo("1234");
    }
  }

  @Test
  void asyncClientStreaming() throws Exception {
    Collector<Response> responses = new Collector<>();
    StreamObserver<Request> requests = async.clientStream(responses);
    requests.onNext(request("a").toBuilder().setValue(1).build());
    requests.onNext(request("b").toBuilder().setValue(2).build());
    requests.onCompleted();
    assertThat(responses.done.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(responses.values).singleElement()
        .satisfies(r -> assertThat(r.getValue()).isEqualTo(3));
  }

  // ---------------------------------------------------------------- bidi streaming

  @Test
  void blockingBidiStreaming() {
    try (BlockingCall<Request, Response> call = blocking.bidi()) {
      call.send(request("ping"));
      Response first = call.read();
      assertThat(first.getMessage()).isEqualTo("ping");
      assertThat(first.getIndex()).isEqualTo(0);
      call.send(request("pong"));
      assertThat(call.read().getIndex()).isEqualTo(1);
      call.halfClose();
      assertThat(call.read()).isNull();
    }
  }

  @Test
  void blockingBidiFromTwoThreads() throws Exception {
    try (BlockingCall<Request, Response> call = blocking.bidi()) {
      Thread sender = new Thread(() -> {
        for (int i = 0; i < 100; i++) {
          call.send(request("m" + i));
        }
        call.halfClose();
      });
      sender.start();
      List<String> got = new ArrayList<>();
      for (Response r; (r = call.read()) != null; ) {
        got.add(r.getMessage());
      }
      sender.join(10_000);
      assertThat(got).hasSize(100).startsWith("m0", "m1").endsWith("m99");
    }
  }

  @Test
  void asyncBidiStreaming() throws Exception {
    Collector<Response> responses = new Collector<>();
    StreamObserver<Request> requests = async.bidi(responses);
    requests.onNext(request("x"));
    requests.onNext(request("y"));
    requests.onCompleted();
    assertThat(responses.done.get(10, TimeUnit.SECONDS)).isNull();
    assertThat(responses.values).extracting(Response::getMessage).containsExactly("x", "y");
  }

  // ---------------------------------------------------------------- deadlines, defaults, options

  private static com.google.protobuf.Duration millis(long ms) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
  }

  @Test
  void deadlineFromDuration() {
    assertThatThrownBy(() -> blocking.withDeadline(Duration.ofMillis(100)).sleep(millis(5_000)))
        .satisfies(t -> assertThat(codeOf(t)).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(blocking.withDeadline(Duration.ofSeconds(5)).sleep(millis(10)))
        .isEqualTo(Empty.getDefaultInstance());
  }

  @Test
  void deadlineFromDeadline() {
    assertThatThrownBy(() -> async.withDeadline(Deadline.after(Duration.ofMillis(100)))
        .sleep(millis(5_000)).get(10, TimeUnit.SECONDS))
        .satisfies(t -> assertThat(codeOf(t)).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void aDurationDeadlineStartsWithEachCall() throws InterruptedException {
    CallsRpc.BlockingClient client = blocking.withDeadline(Duration.ofMillis(300));
    // Longer than the timeout: a deadline fixed at withDeadline would be over. Real time on
    // purpose: a Duration deadline is measured on the system clock, from each call's start.
    Thread.sleep(400);
    assertThat(client.unary(request("late")).getMessage()).isEqualTo("late");
  }

  @Test
  void methodsNotOverriddenAnswerUnimplemented() {
    assertThatThrownBy(() -> blocking.notImplemented(Empty.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED);
          assertThat(e.status().description()).contains("conduit.testing.calls.Calls/NotImplemented");
        });
    assertThatThrownBy(() -> async.notImplemented(Empty.getDefaultInstance()).get(10, TimeUnit.SECONDS))
        .satisfies(t -> assertThat(codeOf(t)).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  void optionsReachTheCall() {
    List<String> seen = new CopyOnWriteArrayList<>();
    List<CallOptions> options = new CopyOnWriteArrayList<>();
    ClientInterceptor first = recording("first", seen, options);
    ClientInterceptor second = recording("second", seen, null);
    ClientInterceptor outer = recording("outer", seen, null);

    CallsRpc.BlockingClient client = CallsRpc.newBlockingClient(channel)
        .withInterceptors(first, second)
        .withInterceptors(outer)
        .withWaitForReady(true)
        .withCompression("gzip")
        .withDeadline(Duration.ofSeconds(7));
    assertThat(client.unary(request("opts")).getMessage()).isEqualTo("opts");

    assertThat(seen).containsExactly(
        "outer " + CallsRpc.UNARY.fullMethodName(), "first " + CallsRpc.UNARY.fullMethodName(),
        "second " + CallsRpc.UNARY.fullMethodName());
    CallOptions used = options.get(0);
    assertThat(used.isWaitForReady()).isTrue();
    assertThat(used.compression()).isEqualTo("gzip");
    assertThat(used.deadline().timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 7_000L);

    CallOptions replaced = CallOptions.DEFAULT.withMaxInboundMessageSize(1234);
    options.clear();
    client.withOptions(replaced).unary(request("x"));
    assertThat(options).containsExactly(replaced);
  }

  /** Records each call; strips compression before the transport (this test is about stubs). */
  private static ClientInterceptor recording(String name, List<String> seen, List<CallOptions> options) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions callOptions, CallFactory next) {
        seen.add(name + " " + method.fullMethodName());
        if (options != null) {
          options.add(callOptions);
          return next.newCall(method, callOptions.withCompression(null));
        }
        return next.newCall(method, callOptions);
      }
    };
  }

  @Test
  void anEmptyServiceServesNothing() {
    assertThat(new NothingRpc.Service() {}.definition().methods()).isEmpty();
    assertThat(new NothingRpc.Service() {}.definition().name()).isEqualTo("conduit.testing.empty.Nothing");
  }

  /** A StreamObserver that collects values and completes a future at the end. */
  static final class Collector<T> implements StreamObserver<T> {
    final List<T> values = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }
}
