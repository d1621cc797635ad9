package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keepalive enforcement (gRFC A9) against grpc-java: a grpc-java channel that pings every second
 * ({@code GrpcJavaKeepAliveClient}, in a JVM of its own) while it holds a call open gets GOAWAY
 * ENHANCE_YOUR_CALM {@code too_many_pings} from a Conduit server with the default settings
 * (pings at most every 5 minutes), and not from one that permits pings every 500 ms.
 */
class GrpcJavaKeepAliveEnforcementTest {
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);

  @Test
  @Timeout(90)
  void defaultServerSendsTooManyPings() throws Exception {
    try (TestServiceImpl service = new TestServiceImpl();
        Server server = InteropTestSupport.startInteropServer(service)) {
      String output = runClient(server);
      assertThat(output)
          .contains("too_many_pings: true")
          .containsPattern("(?m)^call: [A-Z_]+: .*ENHANCE_YOUR_CALM.*too_many_pings")
          .contains("grpc-java log: Received GOAWAY with ENHANCE_YOUR_CALM. Debug data: "
              + "too_many_pings");
    }
  }

  @Test
  @Timeout(90)
  void serverPermittingFrequentPingsLetsTheCallLast() throws Exception {
    try (TestServiceImpl service = new TestServiceImpl();
        Server server = InteropServer.builder(service)
            .bind("127.0.0.1", 0)
            .permitKeepAliveTime(Duration.ofMillis(500))
            .permitKeepAliveWithoutCalls(true)
            .build()
            .start()) {
      String output = runClient(server);
      assertThat(output)
          .contains("call: OK")
          .contains("too_many_pings: false")
          .doesNotContain("ENHANCE_YOUR_CALM");
    }
  }

  private static String runClient(Server server) throws Exception {
    GrpcJavaPeer.Result result = GrpcJavaPeer.run(GrpcJavaPeer.KEEPALIVE_CLIENT_CLASS, List.of(
        "--target=127.0.0.1:" + server.port(), "--keepalive_time_ms=1000", "--duration_ms=6000"),
        CLIENT_TIMEOUT);
    assertThat(result.exitCode()).as("output:%n%s", result.output()).isZero();
    assertThat(result.output()).as("output").contains("keepalive: every 1000 ms");
    return result.output();
  }
}
