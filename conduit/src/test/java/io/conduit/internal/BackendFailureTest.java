package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 4, check 3: under steady load over three round_robin backends one is killed; only the
 * calls already on it fail (UNAVAILABLE), the rest go to the others, and the backend gets
 * traffic again once it is back.
 */
@Timeout(60)
class BackendFailureTest {
  static final int THREADS = 12;
  static final Duration WAIT = Duration.ofSeconds(10);

  List<Backend> backends;

  @BeforeEach
  void start() {
    backends = List.of(Backend.start("a", "127.0.0.1", 0), Backend.start("b", "127.0.0.2", 0),
        Backend.start("c", "127.0.0.3", 0));
  }

  @AfterEach
  void stop() {
    backends.forEach(Backend::close);
  }

  @Test
  void killedBackendCostsOnlyItsInFlightCalls() throws Exception {
    Backend b = backends.get(1);
    String target = "ipv4:" + backends.stream().map(Backend::hostPort).collect(Collectors.joining(","));
    try (Channel channel = Channel.builder(target).loadBalancingPolicy("round_robin")
        .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(1))
        .build()) {
      // Every call takes 20 ms on the server, so each backend always has calls in flight.
      Map<Long, Status> failures = new ConcurrentHashMap<>();
      AtomicInteger failureSeq = new AtomicInteger();
      Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
      List<Thread> threads = new ArrayList<>();
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      for (int i = 0; i < THREADS; i++) {
        Thread t = new Thread(() -> {
          while (!stop.get()) {
            try {
              String who = ClientCalls.blockingUnary(channel, Backend.WHO,
                  CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "sleep:20");
              answers.computeIfAbsent(who, k -> new AtomicInteger()).incrementAndGet();
            } catch (StatusException e) {
              failures.put(System.nanoTime() * 100 + failureSeq.incrementAndGet() % 100, e.status());
            }
          }
        });
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      try {
        await("all three serve", WAIT, () -> backends.stream().allMatch(x -> x.calls.get() > 20));
        assertThat(failures).isEmpty();

        // b dies with calls certainly in flight: it holds the ones it gets from now on.
        b.holdAll();
        await("a call held on b", WAIT, () -> b.held.get() > 0);
        b.kill();
        int bCallsAtKill = b.calls.get();
        // The others carry on.
        int aCalls = backends.get(0).calls.get();
        int cCalls = backends.get(2).calls.get();
        await("a and c serve after the kill", WAIT,
            () -> backends.get(0).calls.get() > aCalls + 50 && backends.get(2).calls.get() > cCalls + 50);
        int failedAfterKill = failures.size();
        // Only calls that were on b when it died failed: at most one per load thread.
        assertThat(failedAfterKill).as("failed calls %s", failures).isBetween(1, THREADS);
        assertThat(failures.values()).extracting(Status::code).containsOnly(Status.Code.UNAVAILABLE);
        assertThat(b.calls.get()).isEqualTo(bCallsAtKill);

        // Once the balancer has seen the loss: no failure at all.
        int a2 = backends.get(0).calls.get();
        await("more calls", WAIT, () -> backends.get(0).calls.get() > a2 + 100);
        assertThat(failures).as("failures after the balancer saw the loss").hasSize(failedAfterKill);

        // b comes back on the same address and port and gets its share again.
        b.restart();
        int bBack = b.calls.get();
        await("b serves again", WAIT, () -> b.calls.get() > bBack + 50);
        assertThat(failures).as("failures while b came back").hasSize(failedAfterKill);
      } finally {
        stop.set(true);
        for (Thread t : threads) {
          t.join(10_000);
        }
      }
      assertThat(answers.keySet()).containsExactlyInAnyOrder("a", "b", "c");
    }
  }

  /**
   * Issue 17: every backend in turn is stopped gracefully (GOAWAY, in-flight calls drain) and
   * started again on its address, as a rolling deploy does, under steady load: no call fails,
   * and each backend serves again after its restart.
   */
  @Test
  void gracefulRollingRestartOfEveryBackendLosesNoCall() throws Exception {
    String target = "ipv4:" + backends.stream().map(Backend::hostPort).collect(Collectors.joining(","));
    ChannelTesting.Tally tally;
    StringBuilder figures = new StringBuilder();
    try (Channel channel = Channel.builder(target).loadBalancingPolicy("round_robin")
        .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(1))
        .build()) {
      // Each call takes 5 ms on the server, so a draining backend has calls in flight.
      ChannelTesting.Load load = new ChannelTesting.Load(channel, THREADS,
          () -> CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "sleep:5");
      tally = load.tally;
      try {
        await("all three serve", WAIT, () -> backends.stream().allMatch(x -> x.calls.get() > 20),
            tally::toString);
        for (Backend b : backends) {
          int before = b.calls.get();
          b.stopGracefully(WAIT);
          int drained = b.calls.get() - before;
          int others = otherCalls(b);
          await("the others serve while " + b + " is down", WAIT, () -> otherCalls(b) > others + 300,
              tally::toString);
          b.restart();
          int back = b.calls.get();
          await(b + " serves again", WAIT, () -> b.calls.get() > back + 200, tally::toString);
          figures.append(String.format("%n  %s: %d calls arrived while it drained, serving again "
              + "after its restart", b, drained));
        }
      } finally {
        load.close();
      }
    }
    int answered = tally.byBackend.values().stream().mapToInt(java.util.concurrent.atomic.AtomicInteger::get).sum();
    System.out.printf("rolling restart of 3 backends under %d callers: %d calls answered, %d failed%s%n",
        THREADS, answered, tally.failed(), figures);
    assertThat(tally.failed()).as(tally.toString()).isZero();
    assertThat(tally.snapshot().keySet()).containsExactlyInAnyOrder("a", "b", "c");
  }

  private int otherCalls(Backend b) {
    return backends.stream().filter(x -> x != b).mapToInt(x -> x.calls.get()).sum();
  }
}
