package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Load balancing across implementations, with grpc-java in JVMs of its own: a grpc-java client
 * with round_robin over three Conduit servers, and the Conduit client with round_robin over three
 * grpc-java servers, on 127.0.0.1, 127.0.0.2 and 127.0.0.3.
 */
class GrpcJavaLoadBalancingTest {
  private static final int NUM_TIMES = 300;
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(90);

  /** grpc-java's channel (GrpcJavaLbClient) over Conduit interop servers. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @Timeout(120)
  class GrpcJavaClientOverConduitServers {
    private ConduitBackends backends;

    @BeforeAll
    void startBackends() {
      backends = ConduitBackends.start(3, "conduit-backend-");
    }

    @AfterAll
    void stopBackends() {
      if (backends != null) {
        backends.close();
      }
    }

    private GrpcJavaPeer.Result lbClient(String policy) throws Exception {
      List<String> args = List.of("--target=" + backends.ipv4Target(), "--lb_policy=" + policy,
          "--num_times=" + NUM_TIMES);
      GrpcJavaPeer.Result result =
          GrpcJavaPeer.run(GrpcJavaPeer.LB_CLIENT_CLASS, args, PEER_TIMEOUT);
      assertThat(result.exitCode())
          .as("GrpcJavaLbClient %s exit code; its output:%n%s", args, result.output())
          .isZero();
      return result;
    }

    @Test
    void roundRobinSpreadsEvenly() throws Exception {
      InteropTestSupport.assertEvenSpread(lbClient("round_robin").output(), backends.serverIds(),
          NUM_TIMES);
    }

    @Test
    void pickFirstSendsEverythingToOne() throws Exception {
      InteropTestSupport.assertOneBackend(lbClient("pick_first").output(), backends.serverIds(),
          NUM_TIMES);
    }
  }

  /** The Conduit interop client's channel over grpc-java servers (GrpcJavaIdServer). */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @Timeout(120)
  class ConduitClientOverGrpcJavaServers {
    private final List<GrpcJavaPeer.IdServer> servers = new ArrayList<>();

    @BeforeAll
    void startGrpcJavaServers() throws Exception {
      // Three JVMs starting at once: about as long as one.
      List<CompletableFuture<GrpcJavaPeer.IdServer>> starting = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        String address = "127.0.0." + i;
        String id = "grpc-java-backend-" + i;
        starting.add(CompletableFuture.supplyAsync(() -> {
          try {
            return GrpcJavaPeer.startIdServer(address, id, Duration.ofSeconds(60));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      // Keep every server that started, so that @AfterAll stops them even if one failed.
      RuntimeException failure = null;
      for (CompletableFuture<GrpcJavaPeer.IdServer> f : starting) {
        try {
          servers.add(f.join());
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      if (failure != null) {
        throw failure;
      }
    }

    @AfterAll
    void stopGrpcJavaServers() throws Exception {
      for (GrpcJavaPeer.IdServer server : servers) {
        server.close();
      }
    }

    private String target() {
      return "ipv4:" + servers.stream()
          .map(s -> s.address().getAddress().getHostAddress() + ":" + s.address().getPort())
          .collect(Collectors.joining(","));
    }

    private List<String> ids() {
      return servers.stream().map(GrpcJavaPeer.IdServer::serverId).toList();
    }

    private InteropTestSupport.ClientResult lbSpread(String policy) {
      InteropTestSupport.ClientResult result = InteropTestSupport.runConduitClient(
          "--server_host=" + target(), "--lb_policy=" + policy, "--test_case=lb_spread",
          "--num_times=" + NUM_TIMES);
      assertThat(result.exitCode())
          .as("Conduit interop client over %s; output:%n%s%ngrpc-java servers:%n%s", target(),
              result.output(), servers.stream().map(s -> GrpcJavaPeer.read(s.log()))
                  .collect(Collectors.joining("\n")))
          .isZero();
      return result;
    }

    @Test
    void roundRobinSpreadsEvenly() {
      InteropTestSupport.assertEvenSpread(lbSpread("round_robin").output(), ids(), NUM_TIMES);
    }

    @Test
    void pickFirstSendsEverythingToOne() {
      InteropTestSupport.assertOneBackend(lbSpread("pick_first").output(), ids(), NUM_TIMES);
    }
  }
}
