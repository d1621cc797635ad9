package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Conduit interop client against grpc-java's interop server, in a JVM of its own. */
class ConduitClientAgainstGrpcJavaServerTest {
  private static Process server;
  private static Path log;
  private static int port;

  @BeforeAll
  static void startGrpcJavaServer() throws Exception {
    port = GrpcJavaPeer.freePort();
    log = Files.createTempFile("grpc-java-server-", ".log");
    server = GrpcJavaPeer.start(GrpcJavaPeer.SERVER_CLASS,
        List.of("--port=" + port, "--use_tls=false"), log);
    GrpcJavaPeer.awaitListening(server, port, Duration.ofSeconds(60), log);
  }

  @AfterAll
  static void stopGrpcJavaServer() throws Exception {
    GrpcJavaPeer.stop(server);
    if (log != null) {
      Files.deleteIfExists(log);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(InteropClient.TestCase.class)
  @Timeout(90)
  void passes(InteropClient.TestCase testCase) {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(port, testCase);
    assertThat(result.exitCode())
        .as("Conduit interop client --test_case=%s against grpc-java; client output:%n%s%n"
            + "grpc-java server output:%n%s", testCase.caseName(), result.output(),
            GrpcJavaPeer.read(log))
        .isZero();
    assertThat(result.output()).contains("PASS " + testCase.caseName());
  }
}
