package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Conduit interop client against the Conduit interop server: every case, lb_spread too. */
class ConduitClientAgainstConduitServerTest {
  private static TestServiceImpl service;
  private static Server server;

  @BeforeAll
  static void startServer() {
    service = new TestServiceImpl();
    server = InteropTestSupport.startInteropServer(service);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(InteropClient.TestCase.class)
  @Timeout(90)
  void passes(InteropClient.TestCase testCase) {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(server.port(), testCase);
    assertThat(result.exitCode())
        .as("Conduit interop client --test_case=%s; output:%n%s", testCase.caseName(),
            result.output())
        .isZero();
    assertThat(result.output()).contains("PASS " + testCase.caseName());
  }

  @Test
  @Timeout(180)
  void allCasesInOneRunOnOneChannel() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_host=127.0.0.1", "--server_port=" + server.port(), "--use_tls=false",
        "--test_case=all");
    int cases = InteropClient.TestCase.standardCases().size();
    assertThat(result.exitCode()).as("output:%n%s", result.output()).isZero();
    assertThat(result.output()).contains(cases + " passed, 0 failed");
  }
}
