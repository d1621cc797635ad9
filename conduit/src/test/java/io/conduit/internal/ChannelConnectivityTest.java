package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.await;
import static io.conduit.internal.ChannelTesting.statusOf;
import static io.conduit.internal.ChannelTesting.who;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ClientCalls;
import io.conduit.testing.FakeClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 4, check 4: reconnect backoff, idle timeout, wait-for-ready and connectivity states, with
 * short settings instead of long sleeps.
 */
@Timeout(30)
class ChannelConnectivityTest {

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** Records every state the channel reports through notifyWhenStateChanged. */
  static List<ConnectivityState> watch(Channel channel) {
    List<ConnectivityState> seen = new CopyOnWriteArrayList<>();
    watch(channel, channel.state(false), seen);
    return seen;
  }

  private static void watch(Channel channel, ConnectivityState from, List<ConnectivityState> seen) {
    channel.notifyWhenStateChanged(from, () -> {
      ConnectivityState now = channel.state(false);
      seen.add(now);
      if (now != ConnectivityState.SHUTDOWN) {
        watch(channel, now, seen);
      }
    });
  }

  static void awaitState(Channel channel, ConnectivityState wanted) throws InterruptedException {
    await("channel " + wanted + " (now " + channel.state(false) + ")", Duration.ofSeconds(5),
        () -> channel.state(false) == wanted);
  }

  // ---------------------------------------------------------------- backoff

  /** The next timer's delay, once one due sooner than {@code before} is set. */
  static Duration awaitTimerSooner(FakeClock clock, Duration before) throws InterruptedException {
    await("a timer due within " + before, Duration.ofSeconds(5), () -> {
      Duration next = clock.untilNextTimer();
      return next != null && next.compareTo(before) < 0;
    }, () -> "pending: " + clock.pendingDelays());
    return clock.untilNextTimer();
  }

  @Test
  void reconnectAttemptsFollowTheBackoff() throws Exception {
    FakeClock clock = new FakeClock();
    // A server that accepts and hangs up at once: every attempt fails before HTTP/2 starts.
    List<Long> attempts = new CopyOnWriteArrayList<>();
    long[] expected = {100, 200, 400, 400};
    int port;
    try (ServerSocket refuser = new ServerSocket()) {
      refuser.bind(new InetSocketAddress("127.0.0.1", 0));
      port = refuser.getLocalPort();
      Thread acceptor = new Thread(() -> {
        while (true) {
          try {
            Socket s = refuser.accept();
            attempts.add(clock.nanoTime());
            s.close();
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      try (Channel channel = Channel.forAddress("127.0.0.1", port).clock(clock)
          .reconnectBackoff(Duration.ofMillis(100), 2, 0, Duration.ofMillis(400), Duration.ofSeconds(1))
          .build()) {
        assertThat(channel.state(true)).isEqualTo(ConnectivityState.IDLE);
        for (int i = 0; i < expected.length; i++) {
          int before = i + 1;
          await("attempt " + before, Duration.ofSeconds(5), () -> attempts.size() >= before);
          // The failed attempt's backoff timer (the connect timeout, 1 s, is cancelled by then).
          assertThat(awaitTimerSooner(clock, Duration.ofSeconds(1)))
              .as("backoff before attempt %d", i + 2).isEqualTo(Duration.ofMillis(expected[i]));
          awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
          clock.advance(Duration.ofMillis(expected[i]));
        }
        await("5 attempts", Duration.ofSeconds(5), () -> attempts.size() >= 5);
        awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
        // Fail fast: a call without wait-for-ready fails with the connection error, without the
        // clock moving (it would not end waiting for the next attempt).
        CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
            CallOptions.DEFAULT, "who");
        assertThat(statusOf(call).code()).isEqualTo(Status.Code.UNAVAILABLE);
      }
    }
    // Each attempt starts when the clock reaches the end of its backoff: not before, not after.
    for (int i = 0; i < expected.length; i++) {
      long gapMs = TimeUnit.NANOSECONDS.toMillis(attempts.get(i + 1) - attempts.get(i));
      assertThat(gapMs).as("gap before attempt %d", i + 2).isEqualTo(expected[i]);
    }
  }

  @Test
  void connectAttemptThatNeverCompletesTimesOut() throws Exception {
    // TCP connects, but the server never answers with HTTP/2 SETTINGS.
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress("127.0.0.1", 0));
      List<Socket> accepted = new CopyOnWriteArrayList<>();
      Thread acceptor = new Thread(() -> {
        while (true) {
          try {
            accepted.add(silent.accept());
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      FakeClock clock = new FakeClock();
      try (Channel channel = Channel.forAddress("127.0.0.1", silent.getLocalPort()).clock(clock)
          .reconnectBackoff(Duration.ofMillis(100), 1.6, 0, Duration.ofSeconds(1), Duration.ofMillis(800))
          .build()) {
        channel.state(true);
        awaitState(channel, ConnectivityState.CONNECTING);
        await("connected at TCP level", Duration.ofSeconds(5), () -> accepted.size() == 1);
        // The attempt may take max(backoff, minConnectTimeout) = 800 ms, then it fails.
        clock.advance(Duration.ofMillis(799));
        assertThat(channel.state(false)).isEqualTo(ConnectivityState.CONNECTING);
        clock.advance(Duration.ofMillis(1));
        awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
        assertThat(accepted).hasSize(1);
        clock.advance(Duration.ofMillis(100));
        await("the next attempt", Duration.ofSeconds(5), () -> accepted.size() >= 2);
      } finally {
        for (Socket s : accepted) {
          s.close();
        }
      }
    }
  }

  @Test
  void reconnectsByItselfWhenTheBackendReturns() throws Exception {
    try (Backend backend = Backend.start("a", "127.0.0.1", 0);
        Channel channel = Channel.forAddress("127.0.0.1", backend.port())
            .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(200), Duration.ofSeconds(1))
            .build()) {
      assertThat(who(channel)).isEqualTo("a");
      backend.kill();
      // pick_first goes IDLE when its connection goes away; the next call tries and fails.
      awaitState(channel, ConnectivityState.IDLE);
      assertThatThrownBy(() -> who(channel)).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
      backend.restart();
      // No call needed: the subchannel retries on its backoff and the channel becomes READY.
      awaitState(channel, ConnectivityState.READY);
      assertThat(who(channel)).isEqualTo("a");
    }
  }

  // ---------------------------------------------------------------- idle

  @Test
  void idleTimeoutClosesConnectionsAndTheNextCallReconnects() throws Exception {
    FakeClock clock = new FakeClock();
    try (Backend backend = Backend.start("a", "127.0.0.1", 0);
        Channel channel = Channel.forAddress("127.0.0.1", backend.port()).clock(clock)
            .idleTimeout(Duration.ofMillis(200)).build()) {
      assertThat(who(channel)).isEqualTo("a");
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.READY);
      assertThat(backend.openConnections()).isEqualTo(1);
      CountDownLatch left = new CountDownLatch(1);
      channel.notifyWhenStateChanged(ConnectivityState.READY, left::countDown);
      // The idle timer starts when the call ends; the channel stays READY until it is due.
      assertThat(awaitTimerSooner(clock, Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(200));
      clock.advance(Duration.ofMillis(199));
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.READY);
      clock.advance(Duration.ofMillis(1));
      assertThat(left.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.IDLE);
      await("connection closed", Duration.ofSeconds(5), () -> backend.openConnections() == 0);
      assertThat(who(channel)).isEqualTo("a");
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.READY);
      assertThat(backend.clients).as("a new connection after idle").hasSize(2);
    }
  }

  @Test
  void idleTimeoutCountsFromTheLastCall() throws Exception {
    FakeClock clock = new FakeClock();
    try (Backend backend = Backend.start("a", "127.0.0.1", 0);
        Channel channel = Channel.forAddress("127.0.0.1", backend.port()).clock(clock)
            .idleTimeout(Duration.ofMillis(600)).build()) {
      // A call every 150 ms for 1.5 s: never 600 ms without one, so never idle.
      for (int i = 0; i < 10; i++) {
        assertThat(who(channel)).isEqualTo("a");
        assertThat(channel.state(false)).isEqualTo(ConnectivityState.READY);
        clock.advance(Duration.ofMillis(150));
      }
      assertThat(backend.clients).as("one connection all along").hasSize(1);
      // 600 ms after the last call, it is.
      clock.advance(Duration.ofMillis(600));
      awaitState(channel, ConnectivityState.IDLE);
    }
  }

  @Test
  void longCallKeepsTheChannelOutOfIdle() throws Exception {
    FakeClock clock = new FakeClock();
    try (Backend backend = Backend.start("a", "127.0.0.1", 0);
        Channel channel = Channel.forAddress("127.0.0.1", backend.port()).clock(clock)
            .idleTimeout(Duration.ofMillis(100)).build()) {
      assertThat(who(channel)).isEqualTo("a");
      CompletableFuture<String> longCall = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      await("the call on the server", Duration.ofSeconds(5), () -> backend.held.get() == 1);
      // Five idle timeouts pass while the call runs.
      clock.advance(Duration.ofMillis(500));
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.READY);
      backend.release();
      assertThat(longCall.get(5, TimeUnit.SECONDS)).isEqualTo("a");
      assertThat(backend.clients).hasSize(1);
    }
  }

  @Test
  void idleRoundRobinChannelComesBack() throws Exception {
    FakeClock clock = new FakeClock();
    try (Backend a = Backend.start("a", "127.0.0.1", 0); Backend b = Backend.start("b", "127.0.0.2", 0);
        Channel channel = Channel.builder("ipv4:" + a.hostPort() + "," + b.hostPort()).clock(clock)
            .loadBalancingPolicy("round_robin").idleTimeout(Duration.ofMillis(150)).build()) {
      ChannelTesting.run(channel, 20, 4);
      assertThat(awaitTimerSooner(clock, Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(150));
      clock.advance(Duration.ofMillis(150));
      awaitState(channel, ConnectivityState.IDLE);
      await("connections closed", Duration.ofSeconds(5),
          () -> a.openConnections() + b.openConnections() == 0);
      ChannelTesting.Tally tally = ChannelTesting.run(channel, 20, 4);
      assertThat(tally.failed()).isZero();
      assertThat(tally.snapshot()).containsOnlyKeys("a", "b");
    }
  }

  @Test
  void callsRacingTheIdleTimeoutNeverFail() throws Exception {
    // The channel goes idle between calls over and over; no call may fail for it.
    try (Backend backend = Backend.start("a", "127.0.0.1", 0);
        Channel channel = Channel.forAddress("127.0.0.1", backend.port())
            .idleTimeout(Duration.ofMillis(1)).build()) {
      List<Thread> threads = new ArrayList<>();
      ChannelTesting.Tally tally = new ChannelTesting.Tally();
      for (int i = 0; i < 3; i++) {
        Thread t = new Thread(() -> {
          java.util.Random random = new java.util.Random();
          for (int n = 0; n < 40; n++) {
            try {
              tally.record(who(channel), null);
            } catch (RuntimeException e) {
              tally.record(null, e);
            }
            try {
              // Real time on purpose: random pauses against a 1 ms idle timer on the real clock
              // make the races (timer against new call) this test is about.
              Thread.sleep(random.nextInt(15));
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join(20_000);
      }
      assertThat(tally.failed()).as("%s", tally).isZero();
      assertThat(tally.count("a")).isEqualTo(120);
      assertThat(backend.clients.size()).as("went idle in between").isGreaterThan(1);
    }
  }

  @Test
  void shutdownLetsCallsInFlightFinish() throws Exception {
    try (Backend backend = Backend.start("a", "127.0.0.1", 0)) {
      Channel channel = Channel.forAddress("127.0.0.1", backend.port()).build();
      assertThat(who(channel)).isEqualTo("a");
      CompletableFuture<String> slow = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      await("slow call on the server", Duration.ofSeconds(5), () -> backend.held.get() == 1);
      channel.shutdown();
      assertThat(channel.isShutdown()).isTrue();
      assertThat(statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x")).code())
          .isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(channel.isTerminated()).isFalse();
      backend.release();
      assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("a");
      assertThat(channel.awaitTermination(Duration.ofSeconds(5))).isTrue();
      await("connection closed", Duration.ofSeconds(5), () -> backend.openConnections() == 0);
    }
  }

  // ---------------------------------------------------------------- wait-for-ready

  @Test
  void waitForReadyCallWaitsForABackend() throws Exception {
    int port = freePort();
    FakeClock clock = new FakeClock();
    try (Channel channel = Channel.forAddress("127.0.0.1", port).clock(clock)
        .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(100), Duration.ofSeconds(1))
        .build()) {
      CompletableFuture<String> waiting = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true)
              .withDeadline(io.conduit.Deadline.after(Duration.ofSeconds(10), clock)), "who");
      awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
      // Without wait-for-ready: UNAVAILABLE at once.
      assertThat(statusOf(ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "who")).code())
          .isEqualTo(Status.Code.UNAVAILABLE);
      // Two more backoffs, two more failed attempts: the call waits on.
      for (int i = 0; i < 2; i++) {
        clock.advance(awaitTimerSooner(clock, Duration.ofSeconds(1)));
      }
      awaitTimerSooner(clock, Duration.ofSeconds(1));
      assertThat(waiting).isNotDone();
      try (Backend backend = Backend.start("late", "127.0.0.1", port)) {
        clock.advance(awaitTimerSooner(clock, Duration.ofSeconds(1)));
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(backend.id);
      }
    }
  }

  @Test
  void withoutWaitForReadyFailsFastAfterTheFirstAttempt() throws Exception {
    int port = freePort();
    FakeClock clock = new FakeClock();
    // A 10 s first backoff: the call must not wait for a second attempt. The clock never moves,
    // so a call that waited for one would never end.
    try (Channel channel = Channel.forAddress("127.0.0.1", port).clock(clock)
        .reconnectBackoff(Duration.ofSeconds(10), 1.6, 0.2, Duration.ofSeconds(20), Duration.ofSeconds(20))
        .build()) {
      Status s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "who"));
      assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.description()).contains("127.0.0.1:" + port);
    }
  }

  @Test
  void waitForReadyCallWithDeadlineExpires() throws Exception {
    int port = freePort();
    FakeClock clock = new FakeClock();
    try (Channel channel = Channel.forAddress("127.0.0.1", port).clock(clock).build()) {
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true)
              .withDeadline(io.conduit.Deadline.after(Duration.ofMillis(300), clock)), "who");
      await("the deadline timer", Duration.ofSeconds(5),
          () -> clock.pendingDelays().contains(Duration.ofMillis(300)));
      clock.advance(Duration.ofMillis(299));
      assertThat(call).isNotDone();
      clock.advance(Duration.ofMillis(1));
      assertThat(statusOf(call).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  // ---------------------------------------------------------------- states

  @Test
  void stateTransitions() throws Exception {
    try (Backend backend = Backend.start("a", "127.0.0.1", 0)) {
      FakeClock clock = new FakeClock();
      Channel channel = Channel.forAddress("127.0.0.1", backend.port()).clock(clock)
          .reconnectBackoff(Duration.ofMillis(50), 1.6, 0.2, Duration.ofMillis(100), Duration.ofSeconds(1))
          .build();
      try {
        assertThat(channel.state(false)).isEqualTo(ConnectivityState.IDLE);
        List<ConnectivityState> seen = watch(channel);
        // No timer, however long: the channel connects only when asked.
        assertThat(clock.pendingTimers()).isZero();
        clock.advance(Duration.ofHours(1));
        assertThat(seen).as("nothing happens without a request").isEmpty();
        assertThat(channel.state(false)).isEqualTo(ConnectivityState.IDLE);

        channel.state(true);
        awaitState(channel, ConnectivityState.READY);
        await("watcher saw READY", Duration.ofSeconds(5), () -> seen.contains(ConnectivityState.READY));
        // The watcher reads the state when it runs: CONNECTING may be over by then.
        assertThat(seen.get(0)).isIn(ConnectivityState.CONNECTING, ConnectivityState.READY);
        assertThat(backend.openConnections()).as("connected without any call").isEqualTo(1);

        backend.kill();
        awaitState(channel, ConnectivityState.IDLE);
        // An IDLE channel asked to connect tries, and fails.
        channel.state(true);
        awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
        backend.restart();
        clock.advance(awaitTimerSooner(clock, Duration.ofSeconds(1)));
        awaitState(channel, ConnectivityState.READY);
      } finally {
        channel.shutdown();
      }
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.SHUTDOWN);
      assertThat(channel.awaitTermination(Duration.ofSeconds(5))).isTrue();
      CountDownLatch immediate = new CountDownLatch(1);
      channel.notifyWhenStateChanged(ConnectivityState.READY, immediate::countDown);
      assertThat(immediate.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void shutdownFailsWaitingCalls() throws Exception {
    int port = freePort();
    Channel channel = Channel.forAddress("127.0.0.1", port).build();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(10)), "who"));
    }
    awaitState(channel, ConnectivityState.TRANSIENT_FAILURE);
    channel.shutdownNow();
    for (CompletableFuture<String> call : calls) {
      assertThat(statusOf(call).code()).isEqualTo(Status.Code.UNAVAILABLE);
    }
    assertThat(channel.awaitTermination(Duration.ofSeconds(5))).isTrue();
    assertThat(statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x")).code())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }
}
