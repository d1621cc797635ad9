package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.await;
import static io.conduit.internal.ChannelTesting.who;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ConnectivityState;
import io.conduit.stub.ClientCalls;
import io.conduit.testing.Dnsmasq;
import io.conduit.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 4, check 2: a channel on a {@code dns://} target follows the records of a real DNS
 * server (dnsmasq) while calls flow, and retries a failed resolution with backoff.
 */
@Timeout(60)
class DnsLoadBalancingTest {
  static final String NAME = "backends.test";
  static final Duration WAIT = Duration.ofSeconds(10);

  List<Backend> backends;
  Backend a;
  Backend b;
  Backend c;
  Dnsmasq dns;

  @BeforeEach
  void start() throws Exception {
    backends = ChannelTesting.samePort("127.0.0.1", "127.0.0.2", "127.0.0.3");
    a = backends.get(0);
    b = backends.get(1);
    c = backends.get(2);
    dns = Dnsmasq.start(Map.of(NAME, List.of("127.0.0.1", "127.0.0.2")));
  }

  @AfterEach
  void stop() {
    if (dns != null) {
      dns.close();
    }
    backends.forEach(Backend::close);
  }

  String target() {
    return "dns://127.0.0.1:" + dns.port() + "/" + NAME + ":" + a.port();
  }

  @Test
  void followsRecordChangesWhileCallsFlow() throws Exception {
    FakeClock clock = new FakeClock();
    try (Channel channel = Channel.builder(target()).loadBalancingPolicy("round_robin").clock(clock)
        .dnsMinRefreshInterval(Duration.ofMillis(50)).dnsRefreshPeriod(Duration.ofMillis(200))
        .build()) {
      ChannelTesting.Load load = new ChannelTesting.Load(channel, 4);
      java.util.function.Supplier<String> details = () -> "; channel " + channel.state(false)
          + ", calls a/b/c " + a.calls + "/" + b.calls + "/" + c.calls + ", DNS answers "
          + dns.tryQuery(NAME) + ", " + load.tally;
      try {
        await("a and b serve", WAIT, () -> a.calls.get() > 50 && b.calls.get() > 50, details);
        assertThat(c.calls.get()).isZero();
        assertThat(c.openConnections()).isZero();

        // a leaves, c joins.
        dns.setRecords(Map.of(NAME, List.of("127.0.0.2", "127.0.0.3")));
        assertThat(c.calls.get()).as("nothing changes before the next refresh").isZero();
        clock.advance(Duration.ofMillis(200));
        await("c serves after re-resolution", WAIT, () -> c.calls.get() > 50, details);
        await("a's connection closed", WAIT, () -> a.openConnections() == 0, details);
        int aCalls = a.calls.get();
        int cCalls = c.calls.get();
        await("more calls on c", WAIT, () -> c.calls.get() > cCalls + 100, details);
        assertThat(a.calls.get()).as("calls on a after its removal").isEqualTo(aCalls);
        // b stayed in the list: same connection all along.
        assertThat(b.clients).as("b's client connections").hasSize(1);
        assertThat(b.openConnections()).isEqualTo(1);
        assertThat(c.openConnections()).isEqualTo(1);

        // a comes back.
        dns.setRecords(Map.of(NAME, List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")));
        int aBack = a.calls.get();
        clock.advance(Duration.ofMillis(200));
        await("a serves again", WAIT, () -> a.calls.get() > aBack + 50, details);
      } finally {
        load.close();
      }
      // Removing a backend drains it: not one call failed.
      assertThat(load.tally.failed()).as("%s", load.tally).isZero();
      assertThat(a.openConnections() + b.openConnections() + c.openConnections()).isEqualTo(3);
    }
  }

  @Test
  void connectionLossTriggersReResolution() throws Exception {
    dns.setRecords(Map.of(NAME, List.of("127.0.0.1")));
    // No periodic refresh: only the lost connection makes the channel ask DNS again.
    FakeClock clock = new FakeClock();
    try (Channel channel = Channel.builder(target()).dnsMinRefreshInterval(Duration.ofMillis(50))
        .clock(clock)
        .reconnectBackoff(Duration.ofMillis(20), 1.6, 0.2, Duration.ofMillis(100), Duration.ofSeconds(1))
        .build()) {
      assertThat(who(channel)).isEqualTo("a");
      dns.setRecords(Map.of(NAME, List.of("127.0.0.2")));
      // After setRecords, whose own checking queries dnsmasq logs too.
      int queries = dns.queriesFor(NAME);
      // Ten minutes pass (short of the 30-minute idle timeout, which would re-resolve): no timer
      // re-resolves while the connection is fine.
      clock.advance(Duration.ofMinutes(10));
      assertThat(who(channel)).as("no re-resolution while the connection is fine").isEqualTo("a");
      assertThat(dns.queriesFor(NAME)).isEqualTo(queries);
      a.kill();
      await("calls reach b", WAIT, () -> {
        try {
          return who(channel).equals("b");
        } catch (RuntimeException e) {
          return false;
        }
      });
      assertThat(dns.queriesFor(NAME)).isGreaterThan(queries);
    }
  }

  /**
   * Issue 17: the one server behind a name is restarted on another address, the way a deploy
   * moves it: DNS (dnsmasq) answers the new address, then the old server stops, gracefully or
   * killed, while callers keep calling. The channel re-resolves on the lost connection and finds
   * the new address; a graceful stop loses no call, a kill only the calls it cut.
   */
  @Test
  void aServerRestartedOnAnotherAddressIsFoundThroughDnsAfterAGracefulStop() throws Exception {
    ChannelTesting.Tally tally = moveTheServer(true);
    assertThat(tally.failed()).as(tally.toString()).isZero();
  }

  @Test
  void aServerRestartedOnAnotherAddressIsFoundThroughDnsAfterAKill() throws Exception {
    ChannelTesting.Tally tally = moveTheServer(false);
    assertThat(tally.failures.keySet()).as(tally.toString()).isSubsetOf(io.conduit.Status.Code.UNAVAILABLE);
    assertThat(tally.failed()).as("only the calls in flight on the killed server: " + tally)
        .isLessThanOrEqualTo(MOVE_CALLERS);
  }

  static final int MOVE_CALLERS = 4;

  private ChannelTesting.Tally moveTheServer(boolean graceful) throws Exception {
    dns.setRecords(Map.of(NAME, List.of("127.0.0.1")));
    ChannelTesting.Tally tally;
    try (Channel channel = Channel.builder(target()).dnsMinRefreshInterval(Duration.ofMillis(50))
        .reconnectBackoff(Duration.ofMillis(20), 1.6, 0.2, Duration.ofMillis(100), Duration.ofSeconds(1))
        .build()) {
      // Each call takes 5 ms on the server, so the old one has calls in flight when it stops.
      ChannelTesting.Load load = new ChannelTesting.Load(channel, MOVE_CALLERS,
          () -> CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "sleep:5");
      tally = load.tally;
      long stopped;
      long found;
      try {
        await("a serves", WAIT, () -> tally.count("a") > 100, tally::toString);
        dns.setRecords(Map.of(NAME, List.of("127.0.0.2")));
        stopped = System.nanoTime();
        if (graceful) {
          a.stopGracefully(WAIT);
        } else {
          a.kill();
        }
        await("calls reach b at the new address", WAIT, () -> tally.count("b") > 0, tally::toString);
        found = System.nanoTime();
        await("b serves", WAIT, () -> tally.count("b") > 200, tally::toString);
      } finally {
        load.close();
      }
      System.out.printf("server moved from a to b through DNS (%s stop, %d callers): first call on "
          + "b %.0f ms after the stop began; %s%n", graceful ? "graceful" : "kill", MOVE_CALLERS,
          (found - stopped) / 1e6, tally);
    }
    return tally;
  }

  @Test
  void failedResolutionIsRetriedWithBackoffNotAfterTheRefreshInterval() throws Exception {
    String late = "late.test";
    // The default 30 s minimum refresh interval; a short resolution backoff.
    FakeClock clock = new FakeClock();
    try (Channel channel = Channel.builder("dns://127.0.0.1:" + dns.port() + "/" + late + ":" + a.port())
        .clock(clock)
        .reconnectBackoff(Duration.ofMillis(100), 1.6, 0.2, Duration.ofMillis(500), Duration.ofSeconds(1))
        .build()) {
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true)
              .withDeadline(io.conduit.Deadline.after(Duration.ofSeconds(5), clock)), "who");
      await("the name fails to resolve", WAIT,
          () -> channel.state(false) == ConnectivityState.TRANSIENT_FAILURE);
      int queries = dns.queriesFor(late);
      // The retry comes after the backoff (100 ms, +/- 20 %), not after the 30 s interval.
      for (int i = 0; i < 2; i++) {
        Duration retry = ChannelConnectivityTest.awaitTimerSooner(clock, Duration.ofSeconds(1));
        assertThat(retry).isBetween(Duration.ofMillis(80), Duration.ofMillis(500));
        clock.advance(retry);
      }
      int before = queries;
      await("queries retried while the name is unknown", WAIT, () -> {
        try {
          return dns.queriesFor(late) > before;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertThat(call).as("a wait-for-ready call waits").isNotDone();
      dns.setRecords(Map.of(NAME, List.of("127.0.0.1", "127.0.0.2"), late, List.of("127.0.0.1")));
      clock.advance(ChannelConnectivityTest.awaitTimerSooner(clock, Duration.ofSeconds(1)));
      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("a");
    }
  }
}
