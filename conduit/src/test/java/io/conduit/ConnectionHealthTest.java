package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.Await;
import io.conduit.testing.BlackholeProxy;
import io.conduit.testing.FakeClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Keepalive, keepalive enforcement, graceful shutdown and connection age (issue 5). */
@Timeout(90)
class ConnectionHealthTest {
  static final MethodDescriptor<String, String> WHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Health/Who", EchoService.STRING, EchoService.STRING);

  /** A server that answers its name, after sleeping the request's milliseconds if any. */
  private static Server namedServer(String name, int port, Server.Builder extra,
      Set<String> peers) {
    ServiceDefinition svc = ServiceDefinition.builder("test.Health")
        .method(WHO, ServerCalls.unary((req, out) -> {
          if (!req.isEmpty()) {
            try {
              // Service time, not a wait: the load tests need calls in flight when servers go.
              Thread.sleep(Long.parseLong(req));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          out.onNext(name);
          out.onCompleted();
        }))
        .build();
    ServerInterceptor recordPeer = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (peers != null) {
          peers.add(String.valueOf(call.remoteAddress()));
        }
        return next.startCall(call, headers);
      }
    };
    return extra.bind("127.0.0.1", port).service(svc).intercept(recordPeer).build().start();
  }

  private static String target(int... ports) {
    StringBuilder sb = new StringBuilder("ipv4:");
    for (int i = 0; i < ports.length; i++) {
      sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(ports[i]);
    }
    return sb.toString();
  }

  @Test
  void keepaliveFindsASilentlyDeadConnectionAndCallsMoveOn() throws Exception {
    FakeClock clock = new FakeClock();
    Duration keepAliveTime = Duration.ofSeconds(1);
    Duration keepAliveTimeout = Duration.ofSeconds(1);
    try (Server a = namedServer("a", 0, Server.builder(), null);
        Server b = namedServer("b", 0, Server.builder(), null);
        BlackholeProxy proxy = new BlackholeProxy(new InetSocketAddress("127.0.0.1", a.port()));
        Channel channel = Channel.builder(target(proxy.port(), b.port())).plaintext()
            .loadBalancingPolicy("round_robin").clock(clock)
            .keepAliveTime(keepAliveTime).keepAliveTimeout(keepAliveTimeout)
            .build()) {
      Set<String> seen = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 50 && seen.size() < 2; i++) {
        seen.add(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, ""));
      }
      assertThat(seen).containsExactlyInAnyOrder("a", "b");
      proxy.blackhole();
      // Round robin alternates: of four calls, two go to b and are answered, two hang on the
      // dead path until keepalive finds it dead.
      List<Future<String>> calls = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < 4; i++) {
        calls.add(pool.submit(() -> ClientCalls.blockingUnary(channel, WHO,
            CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofSeconds(20), clock)), "")));
      }
      Await.until("b's answers", Duration.ofSeconds(10),
          () -> calls.stream().filter(Future::isDone).count() == 2);
      // b has no calls left, so only the dead connection pings: once the clock passes
      // keepAliveTime, not before; and it is given up keepAliveTimeout later, not before.
      clock.advance(keepAliveTime.minusMillis(1));
      assertThat(clock.untilNextTimer()).as("the keepalive timers").isEqualTo(Duration.ofMillis(1));
      clock.advance(Duration.ofMillis(1));
      clock.advance(keepAliveTimeout.minusMillis(1));
      assertThat(calls.stream().filter(Future::isDone).count()).isEqualTo(2);
      clock.advance(Duration.ofMillis(1));
      int failed = 0;
      for (Future<String> f : calls) {
        try {
          assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo("b");
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOfSatisfying(StatusException.class,
              se -> assertThat(se.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
          failed++;
        }
      }
      pool.shutdown();
      assertThat(failed).isGreaterThan(0);
      // The dead connection is gone from the pick: later calls succeed on b.
      for (int i = 0; i < 20; i++) {
        assertThat(ClientCalls.blockingUnary(channel, WHO,
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "")).isEqualTo("b");
      }
    }
  }

  @Test
  void withoutKeepaliveACallOnASilentlyDeadConnectionHangsUntilItsDeadline() throws Exception {
    FakeClock clock = new FakeClock();
    try (Server a = namedServer("a", 0, Server.builder(), null);
        BlackholeProxy proxy = new BlackholeProxy(new InetSocketAddress("127.0.0.1", a.port()));
        Channel channel = Channel.builder(target(proxy.port())).plaintext().clock(clock).build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("a");
      proxy.blackhole();
      CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
        try {
          return ClientCalls.blockingUnary(channel, WHO,
              CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofSeconds(3), clock)), "");
        } catch (StatusException e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
      // The call's deadline timer is set: from now on only the clock can end the call.
      Await.until("the call's deadline timer", Duration.ofSeconds(10),
          () -> Duration.ofSeconds(3).equals(clock.untilNextTimer()));
      clock.advance(Duration.ofMillis(2999));
      assertThat(call).isNotDone();
      clock.advance(Duration.ofMillis(1));
      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }
  }

  /** Advances {@code clock} to its next timer if that is due within {@code within}. */
  private static void advanceToTimerWithin(FakeClock clock, Duration within) {
    Duration next = clock.untilNextTimer();
    if (next != null && next.compareTo(within) <= 0) {
      clock.advance(next);
    }
  }

  @Test
  void serverSaysTooManyPingsAndTheClientDoublesItsKeepaliveTime() throws Exception {
    FakeClock clock = new FakeClock();
    try (Server server = namedServer("s", 0, Server.builder().clock(clock), null);
        Channel channel = Channel.builder(target(server.port())).plaintext().clock(clock)
            .keepAliveTime(Duration.ofMillis(300)).keepAliveWithoutCalls(true).build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("s");
      // Each ping goes out when its timer is due; the next timer is set when the ACK comes back.
      Await.until("too_many_pings", Duration.ofSeconds(10), () -> {
        advanceToTimerWithin(clock, Duration.ofMillis(300));
        return !channel.keepAliveTime().equals(Duration.ofMillis(300));
      });
      assertThat(channel.keepAliveTime()).isEqualTo(Duration.ofMillis(600));
      // The channel reconnects and keeps working.
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("s");
    }
  }

  @Test
  void largeMessagesWithBdpPingsAreNotPunishedAsTooManyPings() {
    String big = "x".repeat(1024 * 1024);
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(EchoService.definition())
            .build().start();
        Channel channel = Channel.builder(target(server.port())).plaintext().build()) {
      for (int i = 0; i < 30; i++) {
        assertThat(ClientCalls.blockingUnary(channel, EchoService.UNARY,
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)), big)).hasSize(big.length());
      }
    }
  }

  @Test
  void permittedPingsAreNotPunished() throws Exception {
    FakeClock clock = new FakeClock();
    try (Server server = namedServer("s", 0, Server.builder().clock(clock)
            .permitKeepAliveTime(Duration.ofMillis(100)).permitKeepAliveWithoutCalls(true), null);
        Channel channel = Channel.builder(target(server.port())).plaintext().clock(clock)
            .keepAliveTime(Duration.ofMillis(300)).keepAliveWithoutCalls(true).build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("s");
      // 2.5 s of pings every 300 ms, each one's ACK awaited before the next is due.
      long start = clock.nanoTime();
      Await.until("2.5 s of keepalive pings", Duration.ofSeconds(10), () -> {
        advanceToTimerWithin(clock, Duration.ofMillis(300));
        return clock.nanoTime() - start >= Duration.ofMillis(2500).toNanos();
      });
      // A GOAWAY for them would come before this answer on the same connection.
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("s");
      assertThat(channel.keepAliveTime()).isEqualTo(Duration.ofMillis(300));
    }
  }

  /** Sends calls from a few threads until stopped; counts outcomes, and answers by server. */
  private static final class Load {
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger ok = new AtomicInteger();
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    final CountDownLatch done = new CountDownLatch(4);

    Load(Channel channel, String request) {
      for (int t = 0; t < 4; t++) {
        pool.execute(() -> {
          try {
            while (!stop.get()) {
              sent.incrementAndGet();
              try {
                String server = ClientCalls.blockingUnary(channel, WHO,
                    CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), request);
                answers.computeIfAbsent(server, k -> new AtomicInteger()).incrementAndGet();
                ok.incrementAndGet();
              } catch (StatusException e) {
                failures.merge(e.status().toString(), 1, Integer::sum);
              }
            }
          } finally {
            done.countDown();
          }
        });
      }
    }

    /** Waits until {@code server} has answered {@code calls} more calls than it had. */
    void awaitAnswers(String server, int calls) throws InterruptedException {
      AtomicInteger count = answers.computeIfAbsent(server, k -> new AtomicInteger());
      int target = count.get() + calls;
      Await.until(calls + " answers from " + server, Duration.ofSeconds(20),
          () -> count.get() >= target, () -> "answers: " + answers + ", failures: " + failures);
    }

    void stop() throws InterruptedException {
      stop.set(true);
      done.await(20, TimeUnit.SECONDS);
      pool.shutdown();
    }
  }

  @Test
  void rollingRestartUnderLoadFailsNoCall() throws Exception {
    Server s1 = namedServer("1", 0, Server.builder(), null);
    Server s2 = namedServer("2", 0, Server.builder(), null);
    int p1 = s1.port();
    int p2 = s2.port();
    // On the real clock: the load runs in real time, and the short reconnect backoff paces the
    // reconnects to each restarted server. The test waits for answers, not for time.
    try (Channel channel = Channel.builder(target(p1, p2)).plaintext()
        .loadBalancingPolicy("round_robin")
        .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(5))
        .build()) {
      Load load = new Load(channel, "5");
      load.awaitAnswers("1", 20);
      load.awaitAnswers("2", 20);
      // Each server goes away in turn while calls are in flight on it, and comes back.
      s1.shutdown();
      assertThat(s1.awaitTermination(Duration.ofSeconds(10))).isTrue();
      s1 = namedServer("1 again", p1, Server.builder(), null);
      load.awaitAnswers("1 again", 20);
      s2.shutdown();
      assertThat(s2.awaitTermination(Duration.ofSeconds(10))).isTrue();
      s2 = namedServer("2 again", p2, Server.builder(), null);
      load.awaitAnswers("2 again", 20);
      load.awaitAnswers("1 again", 20);
      load.stop();
      assertThat(load.failures).as("failed calls of %d sent", load.sent.get()).isEmpty();
      assertThat(load.ok.get()).isEqualTo(load.sent.get());
    } finally {
      s1.close();
      s2.close();
    }
  }

  @Test
  void maxConnectionAgeReplacesConnectionsWithoutFailingCalls() throws Exception {
    Set<String> peers = ConcurrentHashMap.newKeySet();
    FakeClock serverClock = new FakeClock();
    Duration maxAge = Duration.ofMillis(400);
    try (Server server = namedServer("s", 0, Server.builder().clock(serverClock)
            .maxConnectionAge(maxAge).maxConnectionAgeGrace(Duration.ofSeconds(5)), peers);
        Channel channel = Channel.builder(target(server.port())).plaintext()
            .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(5))
            .build()) {
      Load load = new Load(channel, "2");
      load.awaitAnswers("s", 20);
      for (int connections = 1; connections < 3; connections++) {
        // The age is jittered by up to 10 %: past 440 ms every connection has reached it.
        serverClock.advance(maxAge.multipliedBy(11).dividedBy(10));
        int before = connections;
        Await.until("a new connection", Duration.ofSeconds(20), () -> peers.size() > before);
      }
      load.awaitAnswers("s", 20);
      load.stop();
      assertThat(load.failures).as("failed calls of %d sent", load.sent.get()).isEmpty();
      // Several connections (client ports) served the calls, one after another.
      assertThat(peers).hasSizeGreaterThanOrEqualTo(3);
    }
  }
}
