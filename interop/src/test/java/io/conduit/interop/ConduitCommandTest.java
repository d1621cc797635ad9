package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import io.conduit.cli.Protosets;
import io.conduit.cli.Run;
import io.grpc.testing.integration.Test;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code conduit} command against grpc-java's interop server, which has no reflection (its
 * schema from a protoset of the grpc.testing protos), and against Conduit's interop server,
 * which has.
 */
@Timeout(120)
class ConduitCommandTest {

  static Run conduit(String... args) {
    return Run.of(args);
  }

  @org.junit.jupiter.api.Test
  void grpcJavasInteropServerOverAProtoset(@TempDir Path dir) throws Exception {
    int port = GrpcJavaPeer.freePort();
    Path log = Files.createTempFile("grpc-java-server-", ".log");
    Process server = GrpcJavaPeer.start(GrpcJavaPeer.SERVER_CLASS,
        List.of("--port=" + port, "--use_tls=false"), log);
    try {
      GrpcJavaPeer.awaitListening(server, port, Duration.ofSeconds(60), log);
      String target = "127.0.0.1:" + port;

      Run noReflection = conduit("list", target, "--plaintext");
      assertThat(noReflection.exit()).isEqualTo(64 + 12);
      assertThat(noReflection.err()).contains("does not support reflection", "--protoset");

      String protoset = Protosets.write(Test.getDescriptor(), dir).toString();
      Run list = conduit("list", target, "--plaintext", "--protoset", protoset);
      assertThat(list.out().lines()).contains("grpc.testing.TestService");

      Run unary = conduit("call", target, "grpc.testing.TestService/UnaryCall", "--plaintext",
          "--protoset", protoset, "-d", "{\"responseSize\": 3}");
      assertThat(unary.exit()).as(unary.err() + GrpcJavaPeer.read(log)).isZero();
      assertThat(unary.out()).isEqualTo("{\"payload\":{\"body\":\"AAAA\"}}\n");

      Run streaming = conduit("call", target, "grpc.testing.TestService/StreamingOutputCall",
          "--plaintext", "--protoset", protoset,
          "-d", "{\"responseParameters\": [{\"size\": 1}, {\"size\": 2}]}");
      assertThat(streaming.exit()).as(streaming.err()).isZero();
      assertThat(streaming.out().lines()).hasSize(2);

      // A status the server sends: its own exit code, the status on stderr.
      Run failing = conduit("call", target, "grpc.testing.TestService/UnaryCall", "--plaintext",
          "--protoset", protoset, "-d", "{\"responseStatus\": {\"code\": 9, \"message\": \"no\"}}");
      assertThat(failing.exit()).isEqualTo(64 + 9);
      assertThat(failing.err()).contains("FAILED_PRECONDITION: no");
    } finally {
      GrpcJavaPeer.stop(server);
      Files.deleteIfExists(log);
    }
  }

  @org.junit.jupiter.api.Test
  void conduitsInteropServerThroughReflection() {
    try (TestServiceImpl service = new TestServiceImpl(null);
        Server server = InteropTestSupport.startInteropServer(service)) {
      String target = "127.0.0.1:" + server.port();
      Run describe = conduit("describe", target, "grpc.testing.TestService", "--plaintext");
      assertThat(describe.exit()).as(describe.err()).isZero();
      assertThat(describe.out()).contains(
          "rpc UnaryCall(.grpc.testing.SimpleRequest) returns (.grpc.testing.SimpleResponse);");
      Run health = conduit("health", target, "grpc.testing.TestService", "--plaintext");
      assertThat(health.out()).isEqualTo("SERVING\n");
      Run unary = conduit("call", target, "grpc.testing.TestService/UnaryCall", "--plaintext",
          "-d", "{\"responseSize\": 3}");
      assertThat(unary.out()).isEqualTo("{\"payload\":{\"body\":\"AAAA\"}}\n");
    }
  }
}
