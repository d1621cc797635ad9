package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.run;
import static io.conduit.internal.ChannelTesting.who;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Channel;
import io.conduit.ConnectivityState;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 4, check 1: round_robin spreads calls evenly over backends, pick_first uses one. */
@Timeout(60)
class LoadBalancingTest {
  static final int CALLS = 3000;
  static List<Backend> backends;
  static String target;

  @BeforeAll
  static void startBackends() {
    backends = List.of(Backend.start("a", "127.0.0.1", 0), Backend.start("b", "127.0.0.2", 0),
        Backend.start("c", "127.0.0.3", 0));
    target = "ipv4:" + backends.stream().map(Backend::hostPort).collect(Collectors.joining(","));
  }

  @AfterAll
  static void stopBackends() {
    backends.forEach(Backend::close);
  }

  @BeforeEach
  void resetCounts() {
    backends.forEach(b -> {
      b.calls.set(0);
      b.clients.clear();
    });
  }

  Channel channel;

  @AfterEach
  void closeChannel() {
    if (channel != null) {
      channel.close();
    }
  }

  @Test
  void roundRobinSpreadsEvenly() throws Exception {
    channel = Channel.builder(target).loadBalancingPolicy("round_robin").build();
    assertEvenSpread(CALLS);
  }

  @Test
  void roundRobinFromDefaultServiceConfig() throws Exception {
    channel = Channel.builder(target)
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"round_robin\":{}}]}").build();
    assertEvenSpread(CALLS / 5);
  }

  @Test
  void serviceConfigWinsOverBuilderPolicy() throws Exception {
    // The builder's policy applies only when the service config names none.
    channel = Channel.builder(target).loadBalancingPolicy("pick_first")
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"no_such_policy\":{}},{\"round_robin\":{}}]}")
        .build();
    assertEvenSpread(CALLS / 5);
  }

  @Test
  void pickFirstSendsEverythingToOne() throws Exception {
    channel = Channel.builder(target).build();
    ChannelTesting.Tally tally = run(channel, CALLS / 3, 16);
    assertThat(tally.failed()).as("%s", tally).isZero();
    // The first address that connects takes every call; the others are never even connected.
    assertThat(tally.snapshot()).containsExactly(java.util.Map.entry("a", CALLS / 3));
    assertThat(backends.get(0).calls.get()).isEqualTo(CALLS / 3);
    assertThat(backends.get(1).openConnections() + backends.get(2).openConnections()).isZero();
    assertThat(backends.get(0).openConnections()).isEqualTo(1);
  }

  @Test
  void pickFirstExplicitPolicy() throws Exception {
    channel = Channel.builder(target)
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"pick_first\":{}}]}").build();
    ChannelTesting.Tally tally = run(channel, 300, 8);
    assertThat(tally.snapshot()).as("%s", tally).containsExactly(java.util.Map.entry("a", 300));
  }

  @Test
  void pickFirstShuffleStillUsesOneBackend() throws Exception {
    channel = Channel.builder(target).defaultServiceConfig(
        "{\"loadBalancingConfig\":[{\"pick_first\":{\"shuffleAddressList\":true}}]}").build();
    ChannelTesting.Tally tally = run(channel, 300, 8);
    assertThat(tally.failed()).isZero();
    assertThat(tally.snapshot()).as("%s", tally).hasSize(1);
  }

  @Test
  void unreachableAddressesAreSkipped() throws Exception {
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      dead = s.getLocalPort();
    }
    String withDead = "ipv4:127.0.0.1:" + dead + "," + backends.get(1).hostPort() + "," + backends.get(2).hostPort();
    channel = Channel.builder(withDead).build();
    ChannelTesting.Tally tally = run(channel, 30, 4);
    assertThat(tally.snapshot()).as("pick_first: the first address that works").containsExactly(
        java.util.Map.entry("b", 30));
    channel.close();
    channel = Channel.builder(withDead).loadBalancingPolicy("round_robin").build();
    who(channel);
    ChannelTesting.await("b and c connected", Duration.ofSeconds(5),
        () -> backends.get(1).openConnections() == 1 && backends.get(2).openConnections() == 1);
    tally = run(channel, 60, 4);
    assertThat(tally.failed()).isZero();
    assertThat(tally.count("b")).isEqualTo(30);
    assertThat(tally.count("c")).isEqualTo(30);
  }

  private void assertEvenSpread(int calls) throws Exception {
    // A first call connects the channel; round_robin then connects every backend.
    who(channel);
    ChannelTesting.await("all backends connected", Duration.ofSeconds(5),
        () -> backends.stream().allMatch(b -> b.openConnections() == 1));
    assertThat(channel.state(false)).isEqualTo(ConnectivityState.READY);
    ChannelTesting.Tally tally = run(channel, calls, 16);
    assertThat(tally.failed()).as("%s", tally).isZero();
    for (Backend b : backends) {
      // Each backend's share within +/- 10 %.
      assertThat(tally.count(b.id)).as("share of %s in %s", b.id, tally)
          .isBetween(calls / 3 - calls / 30, calls / 3 + calls / 30);
    }
    // One connection per backend, however many calls.
    for (Backend b : backends) {
      assertThat(b.openConnections()).as("connections to %s", b.id).isEqualTo(1);
      assertThat(b.clients).as("client connections seen by %s", b.id).hasSize(1);
    }
  }
}
