package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Command-line handling of the interop programs. */
class InteropFlagsTest {

  @Test
  void clientRejectsTls() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_port=1", "--use_tls=true", "--test_case=empty_unary");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.output()).contains("--use_tls=true is not supported");
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
  void serverFlags() throws Exception {
    assertThat(InteropServer.parsePort(new String[] {"--port=10000", "--use_tls=false"}))
        .isEqualTo(10000);
    assertThat(InteropServer.parsePort(new String[0])).isEqualTo(8080);
    assertThatThrownBy(() -> InteropServer.parsePort(new String[] {"--port=1", "--use_tls=true"}))
        .hasMessageContaining("--use_tls=true is not supported");
    assertThatThrownBy(() -> InteropServer.parsePort(new String[] {"--port=70000"}))
        .hasMessageContaining("--port must be a port number");
    assertThatThrownBy(() -> InteropServer.parsePort(new String[] {"--tls"}))
        .hasMessageContaining("needs a value");
  }
}
