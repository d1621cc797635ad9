package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * grpc-java's official interop client, in a JVM of its own, against the Conduit interop server:
 * the standard cases, the probing client_compressed_* included, and the {@code _noprobe} variants.
 */
class GrpcJavaClientAgainstConduitServerTest {
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

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
  @MethodSource("io.conduit.interop.InteropTestSupport#grpcJavaClientCases")
  void passes(InteropClient.TestCase testCase) throws Exception {
    GrpcJavaPeer.Result result =
        GrpcJavaPeer.runClient(server.port(), testCase.caseName(), CLIENT_TIMEOUT);
    assertThat(result.exitCode())
        .as("grpc-java TestServiceClient --test_case=%s exit code; its output:%n%s",
            testCase.caseName(), result.output())
        .isZero();
    assertThat(result.output()).contains("Test completed.");
  }
}
