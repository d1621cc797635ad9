package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.BlackholeProxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    try (Server a = namedServer("a", 0, Server.builder(), null);
        Server b = namedServer("b", 0, Server.builder(), null);
        BlackholeProxy proxy = new BlackholeProxy(new InetSocketAddress("127.0.0.1", a.port()));
        Channel channel = Channel.builder(target(proxy.port(), b.port())).plaintext()
            .loadBalancingPolicy("round_robin")
            .keepAliveTime(Duration.ofSeconds(1)).keepAliveTimeout(Duration.ofSeconds(1))
            .build()) {
      Set<String> seen = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 50 && seen.size() < 2; i++) {
        seen.add(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, ""));
      }
      assertThat(seen).containsExactlyInAnyOrder("a", "b");
      proxy.blackhole();
      // Calls now on the dead path fail within about keepAliveTime + keepAliveTimeout.
      long start = System.nanoTime();
      List<Future<String>> calls = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      for (int i = 0; i < 4; i++) {
        calls.add(pool.submit(() -> ClientCalls.blockingUnary(channel, WHO,
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)), "")));
      }
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
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
      // The dead connection is gone from the pick: later calls succeed on b.
      for (int i = 0; i < 20; i++) {
        assertThat(ClientCalls.blockingUnary(channel, WHO,
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "")).isEqualTo("b");
      }
    }
  }

  @Test
  void withoutKeepaliveACallOnASilentlyDeadConnectionHangsUntilItsDeadline() throws Exception {
    try (Server a = namedServer("a", 0, Server.builder(), null);
        BlackholeProxy proxy = new BlackholeProxy(new InetSocketAddress("127.0.0.1", a.port()));
        Channel channel = Channel.builder(target(proxy.port())).plaintext().build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("a");
      proxy.blackhole();
      long start = System.nanoTime();
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(3)), ""))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(2900));
    }
  }

  @Test
  void serverSaysTooManyPingsAndTheClientDoublesItsKeepaliveTime() throws Exception {
    try (Server server = namedServer("s", 0, Server.builder(), null);
        Channel channel = Channel.builder(target(server.port())).plaintext()
            .keepAliveTime(Duration.ofMillis(300)).keepAliveWithoutCalls(true).build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("s");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (channel.keepAliveTime().equals(Duration.ofMillis(300)) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
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
    try (Server server = namedServer("s", 0, Server.builder()
            .permitKeepAliveTime(Duration.ofMillis(100)).permitKeepAliveWithoutCalls(true), null);
        Channel channel = Channel.builder(target(server.port())).plaintext()
            .keepAliveTime(Duration.ofMillis(300)).keepAliveWithoutCalls(true).build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT, "")).isEqualTo("s");
      Thread.sleep(2500);
      assertThat(channel.keepAliveTime()).isEqualTo(Duration.ofMillis(300));
    }
  }

  /** Sends calls from a few threads until stopped; counts outcomes. */
  private static final class Load {
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger ok = new AtomicInteger();
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
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
                ClientCalls.blockingUnary(channel, WHO,
                    CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), request);
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
    try (Channel channel = Channel.builder(target(p1, p2)).plaintext()
        .loadBalancingPolicy("round_robin")
        .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(5))
        .build()) {
      Load load = new Load(channel, "5");
      Thread.sleep(500);
      s1.shutdown();
      assertThat(s1.awaitTermination(Duration.ofSeconds(10))).isTrue();
      s1 = namedServer("1", p1, Server.builder(), null);
      Thread.sleep(700);
      s2.shutdown();
      assertThat(s2.awaitTermination(Duration.ofSeconds(10))).isTrue();
      s2 = namedServer("2", p2, Server.builder(), null);
      Thread.sleep(700);
      load.stop();
      assertThat(load.failures).as("failed calls of %d sent", load.sent.get()).isEmpty();
      assertThat(load.ok.get()).isEqualTo(load.sent.get()).isGreaterThan(100);
    } finally {
      s1.close();
      s2.close();
    }
  }

  @Test
  void maxConnectionAgeReplacesConnectionsWithoutFailingCalls() throws Exception {
    Set<String> peers = ConcurrentHashMap.newKeySet();
    try (Server server = namedServer("s", 0, Server.builder()
            .maxConnectionAge(Duration.ofMillis(400)).maxConnectionAgeGrace(Duration.ofSeconds(5)), peers);
        Channel channel = Channel.builder(target(server.port())).plaintext()
            .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(5))
            .build()) {
      Load load = new Load(channel, "2");
      Thread.sleep(2500);
      load.stop();
      assertThat(load.failures).as("failed calls of %d sent", load.sent.get()).isEmpty();
      // Several connections (client ports) served the calls, one after another.
      assertThat(peers).hasSizeGreaterThanOrEqualTo(3);
    }
  }
}
