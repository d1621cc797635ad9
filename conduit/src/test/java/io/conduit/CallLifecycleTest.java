package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cancellation, deadlines, metadata, interceptors, stream limits, reconnects and shutdown. */
@Timeout(60)
class CallLifecycleTest {
  static final MethodDescriptor<String, String> WAIT = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Life/Wait", EchoService.STRING, EchoService.STRING);
  static final MethodDescriptor<String, String> RELAY = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Life/Relay", EchoService.STRING, EchoService.STRING);

  private static Channel channelTo(Server server) {
    return Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  @Test
  void clientCancellationReachesTheServer() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Boolean> serverSawCancel = new CompletableFuture<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(WAIT, ServerCalls.unary((req, out) -> {
          out.setOnCancelHandler(() -> serverSawCancel.complete(Context.current().isCancelled()));
          started.countDown();
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, WAIT, CallOptions.DEFAULT, "x");
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      call.cancel(true);
      assertThat(serverSawCancel.get(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void deadlinePropagatesToCallsMadeByTheServer() throws Exception {
    AtomicReference<Channel> self = new AtomicReference<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(WAIT, ServerCalls.unary((req, out) -> {
          Deadline d = Context.current().deadline();
          out.onNext(d == null ? "none" : Long.toString(d.timeRemaining(TimeUnit.MILLISECONDS)));
          out.onCompleted();
        }))
        .method(RELAY, ServerCalls.unary((req, out) -> {
          // No deadline set here: the incoming call's deadline applies.
          out.onNext(ClientCalls.blockingUnary(self.get(), WAIT, CallOptions.DEFAULT, req));
          out.onCompleted();
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      self.set(channel);
      String remaining = ClientCalls.blockingUnary(channel, RELAY,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(3)), "x");
      assertThat(Long.parseLong(remaining)).isBetween(1L, 3000L);
    }
  }

  @Test
  void cancellationPropagatesToCallsMadeByTheServer() throws Exception {
    AtomicReference<Channel> self = new AtomicReference<>();
    CountDownLatch innerStarted = new CountDownLatch(1);
    CompletableFuture<Void> innerCancelled = new CompletableFuture<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(WAIT, ServerCalls.unary((req, out) -> {
          out.setOnCancelHandler(() -> innerCancelled.complete(null));
          innerStarted.countDown();
        }))
        .method(RELAY, ServerCalls.unary((req, out) -> {
          try {
            out.onNext(ClientCalls.blockingUnary(self.get(), WAIT, CallOptions.DEFAULT, req));
            out.onCompleted();
          } catch (StatusException e) {
            out.onError(e);
          }
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server)) {
      self.set(channel);
      CompletableFuture<String> outer = ClientCalls.futureUnary(channel, RELAY, CallOptions.DEFAULT, "x");
      assertThat(innerStarted.await(5, TimeUnit.SECONDS)).isTrue();
      outer.cancel(true);
      innerCancelled.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void metadataAndInterceptorsBothWays() throws Exception {
    byte[] binary = {0, 1, 2, (byte) 0xFE, (byte) 0xFF};
    ServerInterceptor echoHeaders = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.add("x-echo", headers.get("x-ascii"));
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            trailers.addBinary("x-echo-bin", headers.getBinary("x-data-bin"));
            super.close(status, trailers);
          }
        }, headers);
      }
    };
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> responseTrailers = new AtomicReference<>();
    ClientInterceptor addHeaders = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
          CallFactory next) {
        return new ForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.add("x-ascii", "hello world").addBinary("x-data-bin", binary);
            super.start(new ForwardingClientCall.ForwardingListener<>(listener) {
              @Override
              public void onHeaders(Metadata h) {
                responseHeaders.set(h);
                super.onHeaders(h);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                responseTrailers.set(trailers);
                super.onClose(status, trailers);
              }
            }, headers);
          }
        };
      }
    };
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition())
            .intercept(echoHeaders).build().start();
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext()
            .intercept(addHeaders).build()) {
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "hi"))
          .isEqualTo("hi");
      assertThat(responseHeaders.get().get("x-echo")).isEqualTo("hello world");
      assertThat(responseTrailers.get().getBinary("x-echo-bin")).isEqualTo(binary);
      assertThat(responseTrailers.get().containsKey("grpc-status")).isFalse();
      // Only application metadata: none of the headers the transport owns.
      assertThat(responseHeaders.get().keys()).containsExactly("x-echo");
      assertThat(responseTrailers.get().keys()).containsExactly("x-echo-bin");
    }
  }

  @Test
  void attachHeadersAddsMetadataToEveryCall() throws Exception {
    AtomicReference<Metadata> seen = new AtomicReference<>();
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        seen.set(headers);
        return next.startCall(call, headers);
      }
    };
    Metadata apiKey = new Metadata().add("x-api-key", "secret");
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition())
            .intercept(capture).build().start();
        Channel channel = channelTo(server)) {
      CallFactory withKey = ClientInterceptor.intercept(channel,
          List.of(ClientInterceptor.attachHeaders(apiKey)));
      apiKey.add("x-later", "not sent");
      ClientCalls.blockingUnary(withKey, EchoService.UNARY, CallOptions.DEFAULT, "a");
      assertThat(seen.get().get("x-api-key")).isEqualTo("secret");
      assertThat(seen.get().containsKey("x-later")).isFalse();
      assertThat(seen.get().get("user-agent")).isNull();
      assertThat(seen.get().keys()).containsExactly("x-api-key");
    }
  }

  /**
   * A handler that holds each call until {@code permits} lets it go ("warm" goes at once),
   * counting the calls it holds and the most it held at once.
   */
  private static ServiceDefinition heldCalls(java.util.concurrent.Semaphore permits,
      AtomicInteger active, AtomicInteger maxActive) {
    return ServiceDefinition.builder("test.Life")
        .method(WAIT, ServerCalls.unary((req, out) -> {
          maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
          try {
            if (!req.equals("warm") && !permits.tryAcquire(20, TimeUnit.SECONDS)) {
              throw new AssertionError("never released: " + req);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            active.decrementAndGet();
          }
          out.onNext(req);
          out.onCompleted();
        }))
        .build();
  }

  @Test
  void callsBeyondMaxConcurrentStreamsWaitForASlot() throws Exception {
    AtomicInteger active = new AtomicInteger();
    AtomicInteger maxActive = new AtomicInteger();
    java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(0);
    ServiceDefinition svc = heldCalls(permits, active, maxActive);
    try (Server server = Server.builder().bind("127.0.0.1", 0).maxConcurrentStreams(4)
            .service(svc).build().start();
        Channel channel = channelTo(server)) {
      List<CompletableFuture<String>> calls = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        calls.add(ClientCalls.futureUnary(channel, WAIT, CallOptions.DEFAULT, "c" + i));
      }
      // Four calls fill the streams; the other 36 wait for a slot.
      Await.until("four calls on the server", Duration.ofSeconds(10), () -> active.get() == 4);
      assertThat(calls).filteredOn(CompletableFuture::isDone).isEmpty();
      permits.release(40);
      for (int i = 0; i < 40; i++) {
        assertThat(calls.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("c" + i);
      }
      assertThat(maxActive.get()).isBetween(1, 4);
    }
  }

  @Test
  void moreConnectionsPerBackendCarryLoadBeyondOneConnectionsStreamLimit() throws Exception {
    for (int perBackend : new int[] {1, 4}) {
      AtomicInteger active = new AtomicInteger();
      AtomicInteger maxActive = new AtomicInteger();
      java.util.Set<String> peers = java.util.concurrent.ConcurrentHashMap.newKeySet();
      java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(0);
      ServiceDefinition svc = heldCalls(permits, active, maxActive)
          .intercept(new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
              peers.add(String.valueOf(call.remoteAddress()));
              return next.startCall(call, headers);
            }
          });
      try (Server server = Server.builder().bind("127.0.0.1", 0).maxConcurrentStreams(2)
              .service(svc).build().start();
          Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext()
              .maxConnectionsPerBackend(perBackend).build()) {
        ClientCalls.blockingUnary(channel, WAIT, CallOptions.DEFAULT, "warm");
        List<CompletableFuture<String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        // Calls are held on the server, so the first connection's two streams stay busy: the
        // calls of later rounds find it full, which is when another connection may open.
        for (int round = 0; round < 3; round++) {
          for (int i = 0; i < 8; i++) {
            calls.add(ClientCalls.futureUnary(channel, WAIT, CallOptions.DEFAULT, "c" + i));
          }
          Await.until("the first connection full", Duration.ofSeconds(10), () -> active.get() >= 2);
        }
        if (perBackend > 1) {
          // The next calls go to another connection once it is up.
          Await.until("calls beyond one connection's limit", Duration.ofSeconds(10), () -> {
            calls.add(ClientCalls.futureUnary(channel, WAIT, CallOptions.DEFAULT, "more"));
            return active.get() > 2;
          });
        }
        permits.release(Integer.MAX_VALUE / 2);
        for (CompletableFuture<String> c : calls) {
          c.get(30, TimeUnit.SECONDS);
        }
        assertThat(calls).hasSizeGreaterThanOrEqualTo(24);
        if (perBackend == 1) {
          assertThat(peers).hasSize(1);
          assertThat(maxActive.get()).isLessThanOrEqualTo(2);
        } else {
          assertThat(peers).hasSizeBetween(2, 4);
          assertThat(maxActive.get()).isGreaterThan(2);
        }
      }
    }
  }

  @Test
  void reconnectsOnTheNextCallAfterTheConnectionCloses() throws Exception {
    Server first = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition()).build().start();
    int port = first.port();
    try (Channel channel = channelTo(first)) {
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "a"))
          .isEqualTo("a");
      first.shutdownNow();
      assertThat(first.awaitTermination(Duration.ofSeconds(5))).isTrue();
      try (Server second = Server.builder().bind("127.0.0.1", port).service(EchoService.definition())
          .build().start()) {
        assertThat(second.port()).isEqualTo(port);
        AtomicReference<String> reply = new AtomicReference<>();
        Await.until("a call on the new server", Duration.ofSeconds(5), () -> {
          try {
            reply.set(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "b"));
            return true;
          } catch (StatusException e) {
            assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE);
            return false;
          }
        });
        assertThat(reply.get()).isEqualTo("b");
      }
    }
  }

  @Test
  void gracefulShutdownLetsInFlightCallsFinish() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(WAIT, ServerCalls.unary((req, out) -> {
          started.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          out.onNext("done");
          out.onCompleted();
        }))
        .build();
    Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
    try (Channel channel = channelTo(server)) {
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, WAIT, CallOptions.DEFAULT, "x");
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      server.shutdown();
      assertThat(server.isShutdown()).isTrue();
      assertThat(server.awaitTermination(Duration.ofMillis(200))).isFalse();
      // New connections are refused once the listener is closed.
      try (Channel late = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
        assertThatThrownBy(() -> ClientCalls.blockingUnary(late, EchoService.UNARY,
            CallOptions.DEFAULT, "y"))
            .isInstanceOfSatisfying(StatusException.class,
                e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      }
      release.countDown();
      assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("done");
      assertThat(server.awaitTermination(Duration.ofSeconds(5))).isTrue();
      assertThat(server.isTerminated()).isTrue();
    }
  }

  @Test
  void shutdownNowCancelsInFlightCalls() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Void> cancelled = new CompletableFuture<>();
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(WAIT, ServerCalls.unary((req, out) -> {
          out.setOnCancelHandler(() -> cancelled.complete(null));
          started.countDown();
        }))
        .build();
    Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
    try (Channel channel = channelTo(server)) {
      CompletableFuture<String> inFlight = ClientCalls.futureUnary(channel, WAIT, CallOptions.DEFAULT, "x");
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      server.shutdownNow();
      cancelled.get(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> inFlight.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StatusException.class);
      assertThat(server.awaitTermination(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void channelShutdownRefusesNewCalls() throws Exception {
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition())
        .build().start()) {
      Channel channel = channelTo(server);
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, "a"))
          .isEqualTo("a");
      channel.shutdown();
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, EchoService.UNARY,
          CallOptions.DEFAULT, "b"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(channel.awaitTermination(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void serverEndingABidiCallEarlyFreesTheStream() throws Exception {
    MethodDescriptor<String, String> bidi = MethodDescriptor.of(
        MethodDescriptor.Type.BIDI_STREAMING, "test.Life/Bidi", EchoService.STRING, EchoService.STRING);
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(bidi, ServerCalls.unimplemented(bidi.fullMethodName()))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start()) {
      Channel channel = channelTo(server);
      try (io.conduit.stub.BlockingCall<String, String> call =
          ClientCalls.blockingStreaming(channel, bidi, CallOptions.DEFAULT)) {
        // The server ends the call as soon as its headers arrive, so the send may already
        // find it over (and throw its status) or the read does.
        assertThatThrownBy(() -> {
          call.send("x");
          call.read();
        }).isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      }
      channel.shutdown();
      // The stream is closed on both sides, so the connection closes at once.
      assertThat(channel.awaitTermination(Duration.ofSeconds(2))).isTrue();
    }
  }

  @Test
  void aStreamingHandlerWaitsForASlowClientInsteadOfBuffering() throws Exception {
    MethodDescriptor<String, String> flood = MethodDescriptor.of(
        MethodDescriptor.Type.SERVER_STREAMING, "test.Life/Flood", EchoService.STRING, EchoService.STRING);
    AtomicInteger produced = new AtomicInteger();
    AtomicReference<Thread> producer = new AtomicReference<>();
    String chunk = "x".repeat(16 * 1024);
    ServiceDefinition svc = ServiceDefinition.builder("test.Life")
        .method(flood, ServerCalls.serverStreaming((req, out) -> {
          producer.set(Thread.currentThread());
          for (int i = 0; i < 2000; i++) {
            out.onNext(chunk);
            produced.incrementAndGet();
          }
          out.onCompleted();
        }))
        .build();
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(svc).build().start();
        Channel channel = channelTo(server);
        io.conduit.stub.BlockingIterator<String> it = ClientCalls.blockingServerStreaming(
            channel, flood, CallOptions.DEFAULT, "go")) {
      for (int i = 0; i < 10; i++) {
        it.next();
      }
      // The handler runs ahead until back-pressure stops it: it waits for the call to be ready.
      Await.until("the handler to wait for the slow client", Duration.ofSeconds(20),
          () -> waitsForReadiness(producer.get()), () -> "produced " + produced.get());
      // 2000 x 16 KiB = 32 MiB would be produced without back-pressure; windows and the
      // send threshold allow a few MiB.
      assertThat(produced.get()).isLessThan(600);
      int read = 10;
      while (it.hasNext()) {
        it.next();
        read++;
      }
      assertThat(read).isEqualTo(2000);
    }
  }

  /** Whether {@code t} is parked in the server stub's wait for a ready call. */
  private static boolean waitsForReadiness(Thread t) {
    if (t == null || t.getState() != Thread.State.TIMED_WAITING) {
      return false;
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getMethodName().equals("awaitReady")) {
        return true;
      }
    }
    return false;
  }

  @Test
  void largeMessagesCrossManyFramesBothWays() throws Exception {
    String big = "x".repeat(3 * 1024 * 1024);
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition())
            .build().start();
        Channel channel = channelTo(server)) {
      assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY, CallOptions.DEFAULT, big))
          .isEqualTo(big);
    }
  }
}
