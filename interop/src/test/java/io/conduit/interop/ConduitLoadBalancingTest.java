package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Conduit interop client's lb_spread over three Conduit interop servers on 127.0.0.1,
 * 127.0.0.2 and 127.0.0.3: round_robin spreads the calls evenly, pick_first sends them all to one.
 */
@Timeout(120)
class ConduitLoadBalancingTest {
  private static final int NUM_TIMES = 300;
  private static final String ROUND_ROBIN_CONFIG =
      "{\"loadBalancingConfig\": [{\"round_robin\": {}}]}";

  private static ConduitBackends backends;

  @BeforeAll
  static void startBackends() {
    backends = ConduitBackends.start(3, "conduit-backend-");
  }

  @AfterAll
  static void stopBackends() {
    if (backends != null) {
      backends.close();
    }
  }

  private static InteropTestSupport.ClientResult lbSpread(String target, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("--server_host=" + target,
        "--use_tls=false", "--test_case=lb_spread", "--num_times=" + NUM_TIMES));
    args.addAll(List.of(more));
    InteropTestSupport.ClientResult result =
        InteropTestSupport.runConduitClient(args.toArray(String[]::new));
    assertThat(result.exitCode()).as("interop client %s; output:%n%s", args, result.output())
        .isZero();
    assertThat(result.output()).contains("PASS lb_spread");
    return result;
  }

  @Test
  void roundRobinSpreadsEvenly() {
    InteropTestSupport.ClientResult result =
        lbSpread(backends.ipv4Target(), "--lb_policy=round_robin");
    InteropTestSupport.assertEvenSpread(result.output(), backends.serverIds(), NUM_TIMES);
  }

  @Test
  void roundRobinFromTheServiceConfig() {
    InteropTestSupport.ClientResult result =
        lbSpread(backends.ipv4Target(), "--service_config_json=" + ROUND_ROBIN_CONFIG);
    InteropTestSupport.assertEvenSpread(result.output(), backends.serverIds(), NUM_TIMES);
  }

  @Test
  void pickFirstSendsEverythingToOne() {
    InteropTestSupport.ClientResult result =
        lbSpread(backends.ipv4Target(), "--lb_policy=pick_first");
    InteropTestSupport.assertOneBackend(result.output(), backends.serverIds(), NUM_TIMES);
  }

  @Test
  void pickFirstIsTheDefault() {
    InteropTestSupport.ClientResult result = lbSpread(backends.ipv4Target());
    InteropTestSupport.assertOneBackend(result.output(), backends.serverIds(), NUM_TIMES);
  }

  @Test
  void everyStandardCasePassesOverRoundRobin() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_host=" + backends.ipv4Target(), "--lb_policy=round_robin", "--test_case=all");
    int cases = InteropClient.TestCase.standardCases().size();
    assertThat(result.exitCode()).as("output:%n%s", result.output()).isZero();
    assertThat(result.output()).contains(cases + " passed, 0 failed");
  }

  @Test
  void unixSocketTarget(@TempDir Path dir) {
    Path socket = dir.resolve("interop.sock");
    try (TestServiceImpl service = new TestServiceImpl("unix-backend")) {
      Server server = InteropServer.builder(service)
          .address(UnixDomainSocketAddress.of(socket))
          .build()
          .start();
      try {
        InteropTestSupport.ClientResult result = lbSpread("unix:" + socket, "--server_port=1");
        InteropTestSupport.assertOneBackend(result.output(), List.of("unix-backend"), NUM_TIMES);
      } finally {
        server.close();
      }
    }
  }

  /** The standard flags with an IPv6 host, where the machine has IPv6 loopback. */
  @Test
  void ipv6Host() {
    Server server;
    TestServiceImpl service = new TestServiceImpl("ipv6-backend");
    try {
      server = InteropServer.builder(service).bind("::1", 0).build().start();
    } catch (RuntimeException noIpv6) {
      service.close();
      Assumptions.abort("no IPv6 loopback here: " + noIpv6);
      return;
    }
    try {
      InteropTestSupport.ClientResult plain = lbSpread("::1", "--server_port=" + server.port());
      InteropTestSupport.assertOneBackend(plain.output(), List.of("ipv6-backend"), NUM_TIMES);
      InteropTestSupport.ClientResult target =
          lbSpread("ipv6:[::1]:" + server.port(), "--lb_policy=round_robin");
      InteropTestSupport.assertOneBackend(target.output(), List.of("ipv6-backend"), NUM_TIMES);
    } finally {
      server.close();
      service.close();
    }
  }

  /** Targets that name no port: --server_port is their port. The backends share one port. */
  @Test
  void serverPortIsTheDefaultPortOfTheTarget() throws Exception {
    try (ConduitBackends onePort = ConduitBackends.startOnOnePort(3, "one-port-backend-")) {
      int port = onePort.port(0);
      List<String> ids = onePort.serverIds();

      InteropTestSupport.ClientResult ipv4 = lbSpread("ipv4:127.0.0.1,127.0.0.2,127.0.0.3",
          "--server_port=" + port, "--lb_policy=round_robin");
      InteropTestSupport.assertEvenSpread(ipv4.output(), ids, NUM_TIMES);

      InteropTestSupport.ClientResult localhost =
          lbSpread("dns:///localhost", "--server_port=" + port);
      InteropTestSupport.assertOneBackend(localhost.output(), List.of(ids.get(0)), NUM_TIMES);

      try (TestDnsServer dns = TestDnsServer.start("backends.test",
          List.of("127.0.0.1", "127.0.0.2", "127.0.0.3"))) {
        InteropTestSupport.ClientResult resolved = lbSpread(
            "dns://" + dns.address() + "/backends.test", "--server_port=" + port,
            "--lb_policy=round_robin");
        InteropTestSupport.assertEvenSpread(resolved.output(), ids, NUM_TIMES);
      }
    }
  }
}
