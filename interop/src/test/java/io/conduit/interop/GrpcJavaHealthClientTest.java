package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * grpc-java's health client ({@code HealthGrpc} of grpc-services, in a JVM of its own) against the
 * Conduit interop server's {@code grpc.health.v1.Health}.
 */
class GrpcJavaHealthClientTest {
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

  @Test
  @Timeout(90)
  void checkReadsServing() throws Exception {
    try (TestServiceImpl service = new TestServiceImpl();
        Server server = InteropTestSupport.startInteropServer(service)) {
      GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.HEALTH_CLIENT_CLASS, List.of(
          "--target=127.0.0.1:" + server.port(),
          "--check=,grpc.testing.TestService,no.such.Service"), CLIENT_TIMEOUT);
      assertThat(result.exitCode()).as("output:%n%s", result.output()).isZero();
      assertThat(result.output())
          .contains("check \"\": SERVING")
          .contains("check \"grpc.testing.TestService\": SERVING")
          .contains("check \"no.such.Service\": NOT_FOUND");
    }
  }

  /**
   * Watch reads SERVING, then NOT_SERVING as soon as the server starts shutting down; the server
   * keeps serving the open Watch until the client ends it, then terminates.
   */
  @Test
  @Timeout(90)
  void watchReadsServingThenNotServingWhenTheServerShutsDown() throws Exception {
    Path log = Files.createTempFile("grpc-java-health-client-", ".log");
    try (TestServiceImpl service = new TestServiceImpl();
        Server server = InteropTestSupport.startInteropServer(service)) {
      Process client = GrpcJavaPeer.start(GrpcJavaPeer.HEALTH_CLIENT_CLASS, List.of(
          "--target=127.0.0.1:" + server.port(), "--check=", "--watch=",
          "--watch_until=NOT_SERVING", "--timeout_ms=60000"), log);
      try {
        GrpcJavaPeer.awaitOutput(client, log, "watch \"\": SERVING", Duration.ofSeconds(60));
        server.shutdown();
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).as("client exited; output:%n%s",
            GrpcJavaPeer.read(log)).isTrue();
        String output = GrpcJavaPeer.read(log);
        assertThat(client.exitValue()).as("output:%n%s", output).isZero();
        assertThat(output).contains("check \"\": SERVING")
            .containsSubsequence("watch \"\": SERVING", "watch \"\": NOT_SERVING");
        assertThat(server.awaitTermination(Duration.ofSeconds(10)))
            .as("the server terminated once the Watch ended").isTrue();
      } finally {
        GrpcJavaPeer.stop(client);
      }
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
