package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The interop cases over TLS with the standard test certificates: grpc-java's interop client
 * against the Conduit server, and the Conduit client against grpc-java's server and Conduit's, all
 * with {@code --use_tls=true --use_test_ca=true --server_host_override=foo.test.google.fr}.
 */
class TlsInteropTest {
  private static final List<String> TLS_FLAGS = List.of("--use_tls=true", "--use_test_ca=true",
      "--server_host_override=" + InteropTls.TEST_HOST);

  private static TestServiceImpl service;
  private static Server server;
  private static Process grpcJavaServer;
  private static Path grpcJavaLog;
  private static int grpcJavaPort;

  @BeforeAll
  static void start() throws Exception {
    service = new TestServiceImpl();
    server = InteropServer.builder(service).bind("127.0.0.1", 0).tls(InteropTls.serverTls())
        .build().start();
    grpcJavaPort = GrpcJavaPeer.freePort();
    grpcJavaLog = Files.createTempFile("grpc-java-tls-server-", ".log");
    grpcJavaServer = GrpcJavaPeer.start(GrpcJavaPeer.SERVER_CLASS,
        List.of("--port=" + grpcJavaPort, "--use_tls=true"), grpcJavaLog);
    GrpcJavaPeer.awaitListening(grpcJavaServer, grpcJavaPort, Duration.ofSeconds(60), grpcJavaLog);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (service != null) {
      service.close();
    }
    if (grpcJavaServer != null) {
      GrpcJavaPeer.stop(grpcJavaServer);
    }
    if (grpcJavaLog != null) {
      Files.deleteIfExists(grpcJavaLog);
    }
  }

  private static String[] conduitClientArgs(int port, List<InteropClient.TestCase> cases) {
    List<String> args = new java.util.ArrayList<>(List.of("--server_host=127.0.0.1",
        "--server_port=" + port));
    args.addAll(TLS_FLAGS);
    args.add("--test_case=" + cases.stream().map(InteropClient.TestCase::caseName)
        .collect(Collectors.joining(",")));
    return args.toArray(new String[0]);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.conduit.interop.InteropTestSupport#grpcJavaClientCases")
  @Timeout(90)
  void grpcJavaClientAgainstConduitServer(InteropClient.TestCase testCase) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("--server_host=127.0.0.1",
        "--server_port=" + server.port(), "--test_case=" + testCase.caseName()));
    args.addAll(TLS_FLAGS);
    GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.CLIENT_CLASS, args,
        Duration.ofSeconds(60));
    assertThat(result.exitCode())
        .as("grpc-java TestServiceClient over TLS --test_case=%s; its output:%n%s",
            testCase.caseName(), result.output())
        .isZero();
    assertThat(result.output()).contains("Test completed.");
  }

  @Test
  @Timeout(300)
  void conduitClientAgainstGrpcJavaServer() {
    // Not the probing client_compressed_* (grpc-java's server does not check expect_compressed).
    List<InteropClient.TestCase> cases = java.util.Arrays.stream(InteropClient.TestCase.values())
        .filter(c -> !java.util.Set.of("lb_spread", "client_compressed_unary",
            "client_compressed_streaming").contains(c.caseName()))
        .toList();
    InteropTestSupport.ClientResult result =
        InteropTestSupport.runConduitClient(conduitClientArgs(grpcJavaPort, cases));
    assertThat(result.exitCode())
        .as("Conduit client over TLS against grpc-java; output:%n%s%ngrpc-java server:%n%s",
            result.output(), GrpcJavaPeer.read(grpcJavaLog))
        .isZero();
    for (InteropClient.TestCase c : cases) {
      assertThat(result.output()).contains("PASS " + c.caseName());
    }
  }

  @Test
  @Timeout(300)
  void conduitClientAgainstConduitServer() {
    List<InteropClient.TestCase> cases = InteropTestSupport.standardCases();
    InteropTestSupport.ClientResult result =
        InteropTestSupport.runConduitClient(conduitClientArgs(server.port(), cases));
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  @Test
  @Timeout(60)
  void withoutTheTestCaTheServerIsNotTrusted() {
    InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
        "--server_host=127.0.0.1", "--server_port=" + server.port(), "--use_tls=true",
        "--server_host_override=" + InteropTls.TEST_HOST, "--test_case=empty_unary");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.output()).contains("not signed by a trusted CA");
  }
}
