package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.BlockingCall;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Retries, hedging and throttling per gRFC A6, driven by the service config. */
@Timeout(60)
class RetryTest {
  static final MethodDescriptor<String, String> FLAKY = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Retry/Flaky", EchoService.STRING, EchoService.STRING);
  static final MethodDescriptor<String, String> STREAM = MethodDescriptor.of(
      MethodDescriptor.Type.BIDI_STREAMING, "test.Retry/Stream", EchoService.STRING, EchoService.STRING);

  static final String RETRY_CONFIG = """
      {"methodConfig": [{
        "name": [{"service": "test.Retry"}],
        "retryPolicy": {
          "maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.05s",
          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]
        }}]}""";

  /** Fails the first {@code failures} attempts with {@code code}; records grpc-previous-rpc-attempts. */
  private static Server flakyServer(AtomicInteger attempts, int failures, Status.Code code,
      List<String> previousAttempts, String pushback) {
    return flakyServer(attempts, new AtomicInteger(failures), code, previousAttempts, pushback);
  }

  private static Server flakyServer(AtomicInteger attempts, AtomicInteger failures, Status.Code code,
      List<String> previousAttempts, String pushback) {
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        previousAttempts.add(String.valueOf(headers.get("grpc-previous-rpc-attempts")));
        return next.startCall(call, headers);
      }
    };
    return Server.builder().bind("127.0.0.1", 0).intercept(record)
        .service(ServiceDefinition.builder("test.Retry")
            .method(FLAKY, ServerCalls.unary((req, out) -> {
              if (attempts.incrementAndGet() <= failures.get()) {
                Metadata trailers = new Metadata();
                if (pushback != null) {
                  trailers.add("grpc-retry-pushback-ms", pushback);
                }
                throw code.toStatus().withDescription("attempt " + attempts.get()).asException(trailers);
              }
              out.onNext("ok after " + attempts.get());
              out.onCompleted();
            }))
            .method(STREAM, ServerCalls.<String, String>bidiStreaming(out -> new StreamObserver<String>() {
              @Override
              public void onNext(String value) {
                attempts.incrementAndGet();
                out.onNext(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                out.onError(Status.UNAVAILABLE.withDescription("stream broke").asException());
              }
            }))
            .build())
        .build().start();
  }

  private static Channel channel(Server server, String config) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().defaultServiceConfig(config).build();
  }

  @Test
  void retriesUntilTheServerSucceedsAndTellsItTheAttemptCount() {
    AtomicInteger attempts = new AtomicInteger();
    List<String> previous = new CopyOnWriteArrayList<>();
    try (Server server = flakyServer(attempts, 2, Status.Code.UNAVAILABLE, previous, null);
        Channel channel = channel(server, RETRY_CONFIG)) {
      assertThat(ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x")).isEqualTo("ok after 3");
      assertThat(previous).containsExactly("null", "1", "2");
    }
  }

  @Test
  void givesUpAfterMaxAttempts() {
    AtomicInteger attempts = new AtomicInteger();
    try (Server server = flakyServer(attempts, 100, Status.Code.UNAVAILABLE, new CopyOnWriteArrayList<>(), null);
        Channel channel = channel(server, RETRY_CONFIG)) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(attempts.get()).isEqualTo(4);
    }
  }

  @Test
  void nonRetryableCodesFailAtOnce() {
    AtomicInteger attempts = new AtomicInteger();
    try (Server server = flakyServer(attempts, 1, Status.Code.INTERNAL, new CopyOnWriteArrayList<>(), null);
        Channel channel = channel(server, RETRY_CONFIG)) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.INTERNAL));
      assertThat(attempts.get()).isEqualTo(1);
    }
  }

  @Test
  void pushbackDelaysAndNegativePushbackStops() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    FakeClock clock = new FakeClock();
    try (Server server = flakyServer(attempts, 1, Status.Code.UNAVAILABLE, new CopyOnWriteArrayList<>(), "300");
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().clock(clock)
            .defaultServiceConfig(RETRY_CONFIG).build()) {
      java.util.concurrent.CompletableFuture<String> call =
          ClientCalls.futureUnary(channel, FLAKY, CallOptions.DEFAULT, "x");
      // The second attempt waits for the server's 300 ms pushback, not for the policy's backoff.
      Await.until("the pushback timer", Duration.ofSeconds(5),
          () -> clock.pendingDelays().contains(Duration.ofMillis(300)), () -> "" + clock.pendingDelays());
      clock.advance(Duration.ofMillis(299));
      assertThat(attempts.get()).isEqualTo(1);
      clock.advance(Duration.ofMillis(1));
      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("ok after 2");
    }
    AtomicInteger attempts2 = new AtomicInteger();
    try (Server server = flakyServer(attempts2, 1, Status.Code.UNAVAILABLE, new CopyOnWriteArrayList<>(), "-1");
        Channel channel = channel(server, RETRY_CONFIG)) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x"))
          .isInstanceOf(StatusException.class);
      assertThat(attempts2.get()).isEqualTo(1);
    }
  }

  @Test
  void aStreamingCallStopsRetryingOnceCommitted() {
    AtomicInteger attempts = new AtomicInteger();
    try (Server server = flakyServer(attempts, 0, Status.Code.UNAVAILABLE, new CopyOnWriteArrayList<>(), null);
        Channel channel = channel(server, RETRY_CONFIG);
        BlockingCall<String, String> call = ClientCalls.blockingStreaming(channel, STREAM, CallOptions.DEFAULT)) {
      call.send("a");
      assertThat(call.read()).isEqualTo("a");
      call.halfClose();
      // The response began, so the UNAVAILABLE at the end is final: no replay of "a".
      assertThatThrownBy(call::read).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(attempts.get()).isEqualTo(1);
    }
  }

  @Test
  void throttlingStopsRetriesUntilSuccessesRefillTheBucket() {
    String config = RETRY_CONFIG.replace("\"methodConfig\"",
        "\"retryThrottling\": {\"maxTokens\": 4, \"tokenRatio\": 1}, \"methodConfig\"");
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger(1000);
    try (Server server = flakyServer(attempts, failures, Status.Code.UNAVAILABLE, new CopyOnWriteArrayList<>(), null);
        Channel channel = channel(server, config)) {
      // Each failed attempt costs a token; at 2 of 4 left retries stop.
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x"))
          .isInstanceOf(StatusException.class);
      assertThat(attempts.get()).isEqualTo(2);
      attempts.set(0);
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x"))
          .isInstanceOf(StatusException.class);
      assertThat(attempts.get()).as("throttled: no retry").isEqualTo(1);
      // Successes refill the bucket.
      failures.set(0);
      for (int i = 0; i < 3; i++) {
        ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x");
      }
      failures.set(1000);
      attempts.set(0);
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, FLAKY, CallOptions.DEFAULT, "x"))
          .isInstanceOf(StatusException.class);
      assertThat(attempts.get()).as("retries again").isGreaterThan(1);
    }
  }

  @Test
  void hedgingFinishesAtTheFastBackendsPaceAndCancelsTheSlowAttempt() throws Exception {
    MethodDescriptor<String, String> who = MethodDescriptor.of(
        MethodDescriptor.Type.UNARY, "test.Hedge/Who", EchoService.STRING, EchoService.STRING);
    AtomicInteger slowCancelled = new AtomicInteger();
    AtomicInteger slowStarted = new AtomicInteger();
    AtomicInteger fastStarted = new AtomicInteger();
    ServiceDefinition slow = ServiceDefinition.builder("test.Hedge")
        .method(who, ServerCalls.unary((req, out) -> {
          slowStarted.incrementAndGet();
          out.setOnCancelHandler(slowCancelled::incrementAndGet);
          // Never answers: only a cancel ends this attempt.
        }))
        .build();
    ServiceDefinition fast = ServiceDefinition.builder("test.Hedge")
        .method(who, ServerCalls.unary((req, out) -> {
          fastStarted.incrementAndGet();
          out.onNext("fast");
          out.onCompleted();
        }))
        .build();
    String config = """
        {"loadBalancingConfig": [{"round_robin": {}}],
         "methodConfig": [{"name": [{"service": "test.Hedge"}],
           "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.1s", "nonFatalStatusCodes": []}}]}""";
    FakeClock clock = new FakeClock();
    Duration hedgingDelay = Duration.ofMillis(100);
    try (Server s1 = Server.builder().bind("127.0.0.1", 0).service(slow).build().start();
        Server s2 = Server.builder().bind("127.0.0.1", 0).service(fast).build().start();
        Channel channel = Channel.builder("ipv4:127.0.0.1:" + s1.port() + ",127.0.0.1:" + s2.port())
            .plaintext().defaultServiceConfig(config).clock(clock).build()) {
      // Warm both connections so round_robin alternates: READY, and no connect timeout (20 s by
      // default, on the clock) still pending, so both connections are up. Hedges come at once on
      // the fake clock: they would not wait for a connection still on its way.
      channel.state(true);
      Await.until("both connections", Duration.ofSeconds(10),
          () -> channel.state(false) == io.conduit.ConnectivityState.READY
              && !clock.pendingDelays().contains(Duration.ofSeconds(20)));
      for (int i = 0; i < 4; i++) {
        long start = clock.nanoTime();
        java.util.concurrent.CompletableFuture<String> call = ClientCalls.futureUnary(channel, who,
            CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofSeconds(10), clock)), "x");
        // An attempt on the slow backend waits for the next hedge, due after the delay.
        int arrived = slowStarted.get() + fastStarted.get();
        int fastBefore = fastStarted.get();
        for (int attempt = 1; ; attempt++) {
          int expected = arrived + attempt;
          Await.until("attempt " + attempt + " of call " + i, Duration.ofSeconds(10),
              () -> slowStarted.get() + fastStarted.get() == expected);
          if (fastStarted.get() > fastBefore) {
            break;
          }
          clock.advance(hedgingDelay);
        }
        assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("fast");
        // At the fast backend's pace, never the deadline: one hedging delay, or two when two
        // attempts in a row went to the slow backend. That happens when round_robin's picker
        // is rebuilt between them (a new picker starts at a random backend): the wait above
        // sees the channel READY once one connection is, and the other may report READY later.
        assertThat(Duration.ofNanos(clock.nanoTime() - start))
            .isLessThanOrEqualTo(hedgingDelay.multipliedBy(2));
      }
      Await.until("the slow attempt cancelled", Duration.ofSeconds(5), () -> slowCancelled.get() > 0);
    }
  }

  @Test
  void aRequestTooLargeToReplayCommitsTheAttemptInFlight() throws Exception {
    // Reads every request, then fails retryably without having sent a response.
    MethodDescriptor<String, String> upload = MethodDescriptor.of(
        MethodDescriptor.Type.CLIENT_STREAMING, "test.Retry/Upload", EchoService.STRING, EchoService.STRING);
    AtomicInteger attempts = new AtomicInteger();
    ServiceDefinition svc = ServiceDefinition.builder("test.Retry")
        .method(upload, ServerCalls.<String, String>clientStreaming(out -> {
          attempts.incrementAndGet();
          return new StreamObserver<String>() {
            @Override
            public void onNext(String value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              out.onError(Status.UNAVAILABLE.withDescription("try again").asException());
            }
          };
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channel(server, RETRY_CONFIG)) {
      // 2 x 400 KiB fit in the 1 MiB a call may keep for replay: retried up to maxAttempts.
      assertThat(uploadCode(channel, upload, 400 * 1024)).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(attempts.get()).isEqualTo(4);
      attempts.set(0);
      // 2 x 600 KiB do not: the second message commits the attempt in flight, which is final.
      assertThat(uploadCode(channel, upload, 600 * 1024)).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(attempts.get()).isEqualTo(1);
    }
  }

  private static Status.Code uploadCode(Channel channel, MethodDescriptor<String, String> upload, int size) {
    String chunk = "x".repeat(size);
    try (BlockingCall<String, String> call = ClientCalls.blockingStreaming(channel, upload, CallOptions.DEFAULT)) {
      call.send(chunk);
      call.send(chunk);
      call.finish();
      return Status.Code.OK;
    } catch (StatusException e) {
      return e.status().code();
    }
  }

  @Test
  void hedgesCountTheirPredecessorsAndTheLosersAreCancelled() throws Exception {
    MethodDescriptor<String, String> who = MethodDescriptor.of(
        MethodDescriptor.Type.UNARY, "test.Hedge/Who", EchoService.STRING, EchoService.STRING);
    List<String> previous = new CopyOnWriteArrayList<>();
    List<java.util.concurrent.CompletableFuture<Void>> losersCancelled = new CopyOnWriteArrayList<>();
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        previous.add(String.valueOf(headers.get("grpc-previous-rpc-attempts")));
        return next.startCall(call, headers);
      }
    };
    // Only the third hedge handled is answered (none commits before all three are out): the
    // first two can only end by being cancelled.
    AtomicInteger handled = new AtomicInteger();
    ServiceDefinition svc = ServiceDefinition.builder("test.Hedge")
        .method(who, ServerCalls.unary((req, out) -> {
          if (handled.incrementAndGet() == 3) {
            out.onNext("third");
            out.onCompleted();
          } else {
            java.util.concurrent.CompletableFuture<Void> cancelled = new java.util.concurrent.CompletableFuture<>();
            losersCancelled.add(cancelled);
            out.setOnCancelHandler(() -> cancelled.complete(null));
          }
        }))
        .build()
        .intercept(record);
    String config = """
        {"methodConfig": [{"name": [{"service": "test.Hedge"}],
           "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.05s", "nonFatalStatusCodes": []}}]}""";
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channel(server, config)) {
      assertThat(ClientCalls.blockingUnary(channel, who, CallOptions.DEFAULT, "x")).isEqualTo("third");
      assertThat(previous).containsExactlyInAnyOrder("null", "1", "2");
      assertThat(losersCancelled).hasSize(2);
      for (java.util.concurrent.CompletableFuture<Void> c : losersCancelled) {
        c.get(10, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aCommitForcedByTheReplayLimitCancelsTheOtherHedges() throws Exception {
    MethodDescriptor<String, String> upload = MethodDescriptor.of(
        MethodDescriptor.Type.CLIENT_STREAMING, "test.Hedge/Upload", EchoService.STRING, EchoService.STRING);
    java.util.concurrent.CountDownLatch bothStarted = new java.util.concurrent.CountDownLatch(2);
    List<java.util.concurrent.CompletableFuture<Void>> cancelled = new CopyOnWriteArrayList<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Hedge")
        .method(upload, ServerCalls.<String, String>clientStreaming(out -> {
          java.util.concurrent.CompletableFuture<Void> c = new java.util.concurrent.CompletableFuture<>();
          cancelled.add(c);
          out.setOnCancelHandler(() -> c.complete(null));
          bothStarted.countDown();
          return new StreamObserver<String>() {
            @Override
            public void onNext(String value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              out.onNext("done");
              out.onCompleted();
            }
          };
        }))
        .build();
    String config = """
        {"methodConfig": [{"name": [{"service": "test.Hedge"}],
           "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0.01s", "nonFatalStatusCodes": []}}]}""";
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channel(server, config);
        BlockingCall<String, String> call = ClientCalls.blockingStreaming(channel, upload, CallOptions.DEFAULT)) {
      // Both hedges are out; 2 x 600 KiB is more than the call may keep for replay, so one of
      // them becomes the call and the other must be cancelled.
      assertThat(bothStarted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      String chunk = "x".repeat(600 * 1024);
      call.send(chunk);
      call.send(chunk);
      assertThat(call.finish()).isEqualTo("done");
      java.util.concurrent.CompletableFuture.anyOf(cancelled.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void invalidServiceConfigsAreRejectedClearly() {
    for (String[] bad : new String[][] {
        {"{\"methodConfig\": [{\"name\": [{\"service\": \"a\"}], \"retryPolicy\": {\"maxAttempts\": 1}}]}", "maxAttempts"},
        {"{\"methodConfig\": [{\"name\": [{\"method\": \"M\"}]}]}", "no service"},
        {"{\"methodConfig\": [{\"name\": [{\"service\": \"a\"}], \"timeout\": \"ten\"}]}", "timeout"},
        {"{\"retryThrottling\": {\"maxTokens\": 0, \"tokenRatio\": 1}}", "maxTokens"},
        {"{not json", "JSON"}}) {
      assertThatThrownBy(() -> Channel.builder("localhost:1").plaintext().defaultServiceConfig(bad[0]).build())
          .as(bad[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad[1]);
    }
  }

  @Test
  void methodConfigTimeoutApplies() throws Exception {
    MethodDescriptor<String, String> sleepy = MethodDescriptor.of(
        MethodDescriptor.Type.UNARY, "test.Echo/Unary", EchoService.STRING, EchoService.STRING);
    FakeClock clock = new FakeClock();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition()).build().start();
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().clock(clock)
            .defaultServiceConfig("{\"methodConfig\": [{\"name\": [{\"service\": \"test.Echo\", "
                + "\"method\": \"Unary\"}], \"timeout\": \"0.2s\"}]}").build()) {
      java.util.concurrent.CompletableFuture<String> call =
          ClientCalls.futureUnary(channel, sleepy, CallOptions.DEFAULT, "sleep:3000");
      Await.until("the config's deadline timer", Duration.ofSeconds(5),
          () -> clock.pendingDelays().contains(Duration.ofMillis(200)));
      clock.advance(Duration.ofMillis(200));
      assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).cause()
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }
  }
}
