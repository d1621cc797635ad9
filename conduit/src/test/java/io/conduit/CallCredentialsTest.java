package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.StreamObserver;
import io.conduit.testing.TestCerts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Call credentials reach the server over TLS, are refused over plaintext, bad ones fail. */
@Timeout(30)
class CallCredentialsTest {
  static final List<String> seenTokens = new CopyOnWriteArrayList<>();
  static final List<String> tenants = new CopyOnWriteArrayList<>();
  static Server tlsServer;
  static Server plainServer;
  static ChannelTls trustCa;

  final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void start() {
    TestCerts certs = TestCerts.get();
    trustCa = ChannelTls.builder().trustPem(certs.ca.certPem()).build();
    ServerInterceptor recordTenant = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        tenants.add(String.valueOf(headers.get("x-tenant")));
        return next.startCall(call, headers);
      }
    };
    BearerTokenInterceptor auth = new BearerTokenInterceptor(Set.of("good", "t1", "t2"), seenTokens::add);
    tlsServer = Server.builder().bind("127.0.0.1", 0)
        .tls(ServerTls.fromPem(certs.server.certChainPem(), certs.server.privateKeyPem()))
        .intercept(auth, recordTenant).service(EchoService.definition()).build().start();
    plainServer = Server.builder().bind("127.0.0.1", 0)
        .intercept(auth, recordTenant).service(EchoService.definition()).build().start();
  }

  @AfterAll
  static void stop() {
    tlsServer.close();
    plainServer.close();
  }

  @BeforeEach
  void clear() {
    seenTokens.clear();
    tenants.clear();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  Channel tls(CallCredentials creds) {
    return tls(creds, Clock.SYSTEM);
  }

  Channel tls(CallCredentials creds, Clock clock) {
    Channel.Builder b = Channel.builder("localhost:" + tlsServer.port()).tls(trustCa).clock(clock);
    if (creds != null) {
      b.callCredentials(creds);
    }
    Channel c = b.build();
    toClose.add(c);
    return c;
  }

  Channel plaintext(CallCredentials creds) {
    Channel c = Channel.forAddress("127.0.0.1", plainServer.port()).plaintext()
        .callCredentials(creds).build();
    toClose.add(c);
    return c;
  }

  static String unary(Channel channel, CallOptions options, String request) {
    return ClientCalls.blockingUnary(channel, EchoService.UNARY,
        options.withTimeout(Duration.ofSeconds(10)), request);
  }

  static Status.Code code(Runnable call) {
    try {
      call.run();
    } catch (StatusException e) {
      return e.status().code();
    }
    return Status.Code.OK;
  }

  @Test
  void channelTokenReachesServerOverTls() {
    Channel c = tls(CallCredentials.bearer(() -> "good"));
    assertThat(unary(c, CallOptions.DEFAULT, "hi")).isEqualTo("hi");
    assertThat(seenTokens).containsExactly("good");
  }

  @Test
  void missingTokenIsUnauthenticated() {
    Channel c = tls(null);
    assertThatThrownBy(() -> unary(c, CallOptions.DEFAULT, "hi"))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.status().description()).isEqualTo("missing bearer token");
        });
  }

  @Test
  void badTokenIsUnauthenticated() {
    Channel c = tls(CallCredentials.bearer(() -> "forged"));
    assertThatThrownBy(() -> unary(c, CallOptions.DEFAULT, "hi"))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.status().description()).isEqualTo("invalid bearer token");
        });
    assertThat(seenTokens).containsExactly("forged");
  }

  @Test
  void refusedOverPlaintextWithoutReachingTheServer() {
    Channel c = plaintext(CallCredentials.bearer(() -> "good"));
    assertThatThrownBy(() -> unary(c, CallOptions.DEFAULT, "hi"))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.status().description()).contains("TLS");
        });
    assertThat(seenTokens).isEmpty();
    assertThat(tenants).isEmpty();
  }

  @Test
  void allowedOverPlaintextWhenAsked() {
    Channel c = plaintext(CallCredentials.bearer(() -> "good").allowingPlaintext());
    assertThat(unary(c, CallOptions.DEFAULT, "hi")).isEqualTo("hi");
    assertThat(seenTokens).containsExactly("good");
  }

  @Test
  void perCallCredentialsAddToTheChannels() {
    Channel c = tls(CallCredentials.bearer(() -> "good"));
    CallCredentials tenant = info -> {
      Metadata md = new Metadata();
      md.add("x-tenant", "acme:" + info.method().fullMethodName() + ":" + info.secure());
      return CompletableFuture.completedFuture(md);
    };
    assertThat(unary(c, CallOptions.DEFAULT.withCallCredentials(tenant), "hi")).isEqualTo("hi");
    assertThat(tenants).containsExactly("acme:test.Echo/Unary:true");
    assertThat(seenTokens).containsExactly("good");
  }

  @Test
  void perCallCredentialsAloneAreRefusedOverPlaintext() {
    Channel c = Channel.forAddress("127.0.0.1", plainServer.port()).plaintext().build();
    toClose.add(c);
    assertThat(code(() -> unary(c,
        CallOptions.DEFAULT.withCallCredentials(CallCredentials.bearer(() -> "good")), "hi")))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  /** Hands out a token that it refreshes, asynchronously, after {@code uses} calls. */
  static final class RefreshingToken implements CallCredentials {
    final AtomicInteger refreshes = new AtomicInteger();
    final int uses;
    CompletableFuture<String> current;
    int used;

    RefreshingToken(int uses) {
      this.uses = uses;
    }

    @Override
    public synchronized CompletionStage<Metadata> requestMetadata(RequestInfo info) {
      if (current == null || used == uses) {
        int n = refreshes.incrementAndGet();
        // A token service answering a little later, on another thread.
        current = CompletableFuture.supplyAsync(() -> "t" + n,
            CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
        used = 0;
      }
      used++;
      return current.thenApply(CallCredentials::bearerMetadata);
    }
  }

  @Test
  void asyncTokenIsRefreshedWhenTheCredentialsWant() {
    RefreshingToken creds = new RefreshingToken(2);
    Channel c = tls(creds);
    for (int i = 0; i < 4; i++) {
      assertThat(unary(c, CallOptions.DEFAULT, "m" + i)).isEqualTo("m" + i);
    }
    assertThat(seenTokens).containsExactly("t1", "t1", "t2", "t2");
    assertThat(creds.refreshes).hasValue(2);
  }

  @Test
  void messagesSentBeforeTheTokenArrivesAreKeptInOrder() throws Exception {
    CompletableFuture<Metadata> token = new CompletableFuture<>();
    java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
    Channel c = tls(info -> {
      asked.countDown();
      return token;
    });
    CompletableFuture<String> result = new CompletableFuture<>();
    StreamObserver<String> requests = ClientCalls.asyncClientStreaming(c, EchoService.CLIENT_STREAM,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), new StreamObserver<>() {
          @Override
          public void onNext(String value) {
            result.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext("a");
    requests.onNext("b");
    requests.onNext("c");
    requests.onCompleted();
    // The call has asked for its token and waits for it, with the messages queued behind.
    assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(result).isNotDone();
    token.complete(CallCredentials.bearerMetadata("good"));
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("a,b,c");
  }

  @Test
  void failingCredentialsFailTheCall() {
    Channel c = tls(info -> CompletableFuture.failedFuture(
        Status.UNAUTHENTICATED.withDescription("token service says no").asException()));
    assertThatThrownBy(() -> unary(c, CallOptions.DEFAULT, "hi"))
        .isInstanceOfSatisfying(StatusException.class, e -> {
          assertThat(e.status().code()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.status().description()).isEqualTo("token service says no");
        });
    Channel broken = tls(info -> CompletableFuture.failedFuture(new IllegalStateException("boom")));
    assertThat(code(() -> unary(broken, CallOptions.DEFAULT, "hi"))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(seenTokens).isEmpty();
  }

  @Test
  void credentialsThatNeverAnswerHitTheDeadline() throws Exception {
    io.conduit.testing.FakeClock clock = new io.conduit.testing.FakeClock();
    Channel c = tls(info -> new CompletableFuture<>(), clock);
    CompletableFuture<String> call = ClientCalls.futureUnary(c, EchoService.UNARY,
        CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofMillis(300), clock)), "hi");
    io.conduit.testing.Await.until("the deadline timer", Duration.ofSeconds(5),
        () -> clock.pendingDelays().contains(Duration.ofMillis(300)));
    clock.advance(Duration.ofMillis(299));
    assertThat(call).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(StatusException.class, e ->
            assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void cancelWhileWaitingForCredentials() throws Exception {
    Channel c = tls(info -> new CompletableFuture<>());
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<String, String> call = c.newCall(EchoService.UNARY, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.sendMessage("x");
    call.cancel("changed my mind", null);
    Status s = closed.get(5, TimeUnit.SECONDS);
    assertThat(s.code()).isEqualTo(Status.Code.CANCELLED);
    assertThat(s.description()).isEqualTo("changed my mind");
  }
}
