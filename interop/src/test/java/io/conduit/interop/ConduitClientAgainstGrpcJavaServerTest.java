package io.conduit.interop;

import io.grpc.testing.integration.TestServiceRpc;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.stub.ClientCalls;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Conduit interop client against grpc-java's interop server, in a JVM of its own: the standard
 * cases, with the {@code _noprobe} variants of client_compressed_* (grpc-java's server does not
 * check expect_compressed).
 */
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
  @MethodSource("io.conduit.interop.InteropTestSupport#grpcJavaServerCases")
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

  /**
   * grpc-java's TestServiceServer does not check expect_compressed: the probe of
   * client_compressed_unary must fail and point at the _noprobe variant.
   */
  @Test
  @Timeout(60)
  void compressedRequestProbeFailsClearlyAgainstAServerWithoutTheCheck() {
    InteropTestSupport.ClientResult result =
        InteropTestSupport.runConduitClient(port, InteropClient.TestCase.CLIENT_COMPRESSED_UNARY);
    assertThat(result.exitCode()).as("output:%n%s", result.output()).isEqualTo(1);
    assertThat(result.output())
        .contains("FAIL client_compressed_unary: the CompressedRequest probe")
        .contains("should fail with INVALID_ARGUMENT, got OK")
        .contains("needs client_compressed_unary_noprobe");
  }

  /** grpc-java's TestServiceServer fills no server_id: lb_spread must say so, not count "". */
  @Test
  @Timeout(60)
  void lbSpreadFailsClearlyWithoutServerId() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_host=127.0.0.1", "--server_port=" + port, "--test_case=lb_spread",
        "--num_times=5");
    assertThat(result.exitCode()).as("output:%n%s", result.output()).isEqualTo(1);
    assertThat(result.output())
        .contains("FAIL lb_spread: call 1 of 5: the response carries no server_id");
    assertThat(InteropTestSupport.backends(result.output())).isEmpty();
  }

  /**
   * Not one of the listed cases, but grpc-java's own very_large_response: a 10 MiB response,
   * many times the stream's flow-control window, must reach a client whose limit allows it.
   */
  @Test
  @Timeout(60)
  void veryLargeResponse() {
    int size = 10 * 1024 * 1024;
    try (Channel channel = Channel.forAddress("127.0.0.1", port).plaintext()
        .maxInboundMessageSize(16 * 1024 * 1024)
        .build()) {
      SimpleResponse response = ClientCalls.blockingUnary(channel, TestServiceRpc.UNARY_CALL,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)),
          SimpleRequest.newBuilder().setResponseSize(size).build());
      assertThat(response.getPayload().getBody().size()).isEqualTo(size);
    }
  }
}
