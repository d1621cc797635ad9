package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;

/** Command-line handling of the interop programs. */
class InteropFlagsTest {

  @Test
  void clientRejectsABadTlsFlag() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_port=1", "--use_tls=yes", "--test_case=empty_unary");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.output()).contains("--use_tls must be true or false");
  }

  @Test
  void clientRejectsUnknownTestCaseAndFlag() {
    assertThat(InteropTestSupport.runConduitClient("--use_tls=false", "--test_case=empty_unary,nope"))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(2);
          assertThat(r.output()).contains("unknown test case 'nope'");
        });
    assertThat(InteropTestSupport.runConduitClient("--server_hots=localhost"))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(2);
          assertThat(r.output()).contains("unknown flag --server_hots");
        });
    assertThat(InteropTestSupport.runConduitClient("--server_port=http"))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(2);
          assertThat(r.output()).contains("--server_port must be a port number");
        });
  }

  @Test
  void clientHelpListsEveryCase() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient("--help");
    assertThat(result.exitCode()).isZero();
    for (InteropClient.TestCase c : InteropClient.TestCase.values()) {
      assertThat(result.output()).contains(c.caseName());
    }
  }

  @Test
  void clientReportsAnUnreachableServerAsAFailure() throws Exception {
    // Nothing listens on a port that was just free: every case must fail, clearly and quickly.
    int port = GrpcJavaPeer.freePort();
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_host=127.0.0.1", "--server_port=" + port, "--test_case=empty_unary");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("FAIL empty_unary: ").contains("UNAVAILABLE");
  }

  @Test
  void clientRejectsBadChannelSettings() {
    assertThat(InteropTestSupport.runConduitClient("--server_host=ipv4:127.0.0.1:1",
        "--lb_policy=nearest", "--test_case=empty_unary"))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(2);
          assertThat(r.output()).contains("cannot make a channel to ipv4:127.0.0.1:1")
              .contains("nearest");
        });
    assertThat(InteropTestSupport.runConduitClient("--server_host=127.0.0.1",
        "--service_config_json={\"loadBalancingConfig\": [", "--test_case=empty_unary"))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(2);
          assertThat(r.output()).contains("cannot make a channel to 127.0.0.1:8080");
        });
    assertThat(InteropTestSupport.runConduitClient("--server_host=ipv4:127.0.0.1:http",
        "--test_case=empty_unary"))
        .satisfies(r -> {
          assertThat(r.exitCode()).as("output:%n%s", r.output()).isEqualTo(2);
          assertThat(r.output()).contains("cannot make a channel to ipv4:127.0.0.1:http");
        });
    assertThat(InteropTestSupport.runConduitClient("--server_host=ipv4:localhost:5001",
        "--test_case=empty_unary"))
        .satisfies(r -> {
          assertThat(r.exitCode()).as("output:%n%s", r.output()).isEqualTo(2);
          assertThat(r.output()).contains("cannot make a channel to ipv4:localhost:5001");
        });
    assertThat(InteropTestSupport.runConduitClient("--num_times=0", "--test_case=lb_spread"))
        .satisfies(r -> {
          assertThat(r.exitCode()).isEqualTo(2);
          assertThat(r.output()).contains("--num_times must be a positive number: 0");
        });
  }

  @Test
  void allRunsTheStandardCasesOnly() {
    assertThat(InteropClient.TestCase.standardCases())
        .doesNotContain(InteropClient.TestCase.LB_SPREAD,
            InteropClient.TestCase.CLIENT_COMPRESSED_UNARY_NOPROBE,
            InteropClient.TestCase.CLIENT_COMPRESSED_STREAMING_NOPROBE)
        .contains(InteropClient.TestCase.CLIENT_COMPRESSED_UNARY,
            InteropClient.TestCase.SERVER_COMPRESSED_UNARY,
            InteropClient.TestCase.CLIENT_COMPRESSED_STREAMING,
            InteropClient.TestCase.SERVER_COMPRESSED_STREAMING)
        .hasSize(InteropClient.TestCase.values().length - 3);
    assertThat(InteropTestSupport.runConduitClient("--help").output())
        .contains("lb_spread (not in \"all\")")
        .contains("client_compressed_unary_noprobe (not in \"all\")");
  }

  @Test
  void lbSpreadFailsClearlyWhenNoBackendAnswers() throws Exception {
    int port = GrpcJavaPeer.freePort();
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_host=ipv4:127.0.0.1:" + port, "--lb_policy=round_robin",
        "--test_case=lb_spread", "--num_times=10");
    assertThat(result.exitCode()).as("output:%n%s", result.output()).isEqualTo(1);
    assertThat(result.output())
        .contains("FAIL lb_spread: call 1 of 10 failed with UNAVAILABLE: ");
    assertThat(InteropTestSupport.backends(result.output())).isEmpty();
  }

  @Test
  void serverFlags() throws Exception {
    assertThat(InteropServer.parse(new String[] {"--port=10000", "--use_tls=false"}))
        .isEqualTo(new InteropServer.Options(new InetSocketAddress(10000), null));
    assertThat(InteropServer.parse(new String[0]).address())
        .isEqualTo(new InetSocketAddress(8080));
    assertThat(InteropServer.parse(new String[] {"--port=1", "--use_tls=true"}).useTls()).isTrue();
    assertThatThrownBy(() -> InteropServer.parse(new String[] {"--port=1", "--use_tls=yes"}))
        .hasMessageContaining("--use_tls must be true or false");
    assertThatThrownBy(() -> InteropServer.parse(new String[] {"--port=70000"}))
        .hasMessageContaining("--port must be a port number");
    assertThatThrownBy(() -> InteropServer.parse(new String[] {"--tls"}))
        .hasMessageContaining("needs a value");
  }

  @Test
  void serverBindAndServerId() throws Exception {
    assertThat(InteropServer.parse(new String[] {"--bind=127.0.0.2", "--port=5001",
        "--server_id=b"}))
        .isEqualTo(new InteropServer.Options(new InetSocketAddress("127.0.0.2", 5001), "b"));
    assertThat(InteropServer.parse(new String[] {"--bind=[::1]", "--port=5001"}).address())
        .isEqualTo(new InetSocketAddress("::1", 5001));
    assertThat(InteropServer.parse(new String[] {"--bind=unix:/tmp/interop.sock"}).address())
        .isEqualTo(UnixDomainSocketAddress.of("/tmp/interop.sock"));
    assertThat(InteropServer.parse(new String[] {"--bind=unix:///tmp/interop.sock"}).address())
        .isEqualTo(UnixDomainSocketAddress.of("/tmp/interop.sock"));
    assertThatThrownBy(() -> InteropServer.parse(new String[] {"--bind=unix:"}))
        .hasMessageContaining("needs a path");
    assertThatThrownBy(() -> InteropServer.parse(new String[] {"--bind=no-such-host.invalid"}))
        .hasMessageContaining("cannot resolve 'no-such-host.invalid'");
    assertThatThrownBy(() -> InteropServer.parse(new String[] {"--server_id="}))
        .hasMessageContaining("--server_id must not be empty");
  }

  @Test
  void serverIdDefaultsToHostAndPid() {
    try (TestServiceImpl first = new TestServiceImpl();
        TestServiceImpl named = new TestServiceImpl("x")) {
      assertThat(first.serverId()).startsWith("conduit-")
          .contains("-" + ProcessHandle.current().pid());
      assertThat(named.serverId()).isEqualTo("x");
      try (TestServiceImpl second = new TestServiceImpl()) {
        assertThat(second.serverId()).isNotEqualTo(first.serverId());
      }
    }
  }
}
