package io.conduit.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HealthTest {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> WHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Who/Who", STRING, STRING);

  private static Server server(String name, HealthStatusManager health) {
    ServiceDefinition who = ServiceDefinition.builder("test.Who")
        .method(WHO, ServerCalls.unary((req, out) -> {
          out.onNext(name);
          out.onCompleted();
        }))
        .build();
    return Server.builder().bind("127.0.0.1", 0).service(health).service(who).build().start();
  }

  @Test
  void checkAnswersStatusesAndNotFound() {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("test.Who", HealthStatus.NOT_SERVING);
    try (Server server = server("a", health);
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      assertThat(ClientCalls.blockingUnary(channel, Health.CHECK, CallOptions.DEFAULT,
          new Health.Request("")).status()).isEqualTo(HealthStatus.SERVING);
      assertThat(ClientCalls.blockingUnary(channel, Health.CHECK, CallOptions.DEFAULT,
          new Health.Request("test.Who")).status()).isEqualTo(HealthStatus.NOT_SERVING);
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, Health.CHECK, CallOptions.DEFAULT,
          new Health.Request("no.Such")))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
    }
  }

  @Test
  void watchStreamsEveryChange() {
    HealthStatusManager health = new HealthStatusManager();
    try (Server server = server("a", health);
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
        BlockingIterator<Health.Response> watch = ClientCalls.blockingServerStreaming(channel,
            Health.WATCH, CallOptions.DEFAULT, new Health.Request("test.Who"))) {
      assertThat(watch.next().status()).isEqualTo(HealthStatus.SERVICE_UNKNOWN);
      health.setStatus("test.Who", HealthStatus.SERVING);
      assertThat(watch.next().status()).isEqualTo(HealthStatus.SERVING);
      health.setStatus("test.Who", HealthStatus.NOT_SERVING);
      assertThat(watch.next().status()).isEqualTo(HealthStatus.NOT_SERVING);
      health.clearStatus("test.Who");
      assertThat(watch.next().status()).isEqualTo(HealthStatus.SERVICE_UNKNOWN);
    }
  }

  @Test
  void shutdownTurnsEverythingNotServing() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    Server server = server("a", health);
    try (Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
        BlockingIterator<Health.Response> watch = ClientCalls.blockingServerStreaming(channel,
            Health.WATCH, CallOptions.DEFAULT, new Health.Request(""))) {
      assertThat(watch.next().status()).isEqualTo(HealthStatus.SERVING);
      server.shutdown();
      assertThat(watch.next().status()).isEqualTo(HealthStatus.NOT_SERVING);
      health.setStatus("", HealthStatus.SERVING);
      assertThat(health.status("")).isEqualTo(HealthStatus.NOT_SERVING);
    } finally {
      server.shutdownNow();
    }
  }

  private static Map<String, Integer> spread(Channel channel, int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(ClientCalls.blockingUnary(channel, WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), ""), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobinWithHealthChecksSkipsBackendsThatAreNotServing() throws Exception {
    HealthStatusManager healthA = new HealthStatusManager();
    HealthStatusManager healthB = new HealthStatusManager();
    healthA.setStatus("test.Who", HealthStatus.SERVING);
    healthB.setStatus("test.Who", HealthStatus.SERVING);
    try (Server a = server("a", healthA);
        Server b = server("b", healthB);
        Channel channel = Channel.builder("ipv4:127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port())
            .plaintext()
            .defaultServiceConfig("{\"loadBalancingConfig\":[{\"round_robin\":{}}],"
                + "\"healthCheckConfig\":{\"serviceName\":\"test.Who\"}}")
            .build()) {
      assertThat(waitForSpread(channel, 2)).containsKeys("a", "b");
      healthB.setStatus("test.Who", HealthStatus.NOT_SERVING);
      assertThat(waitForSpread(channel, 1)).containsOnlyKeys("a");
      assertThat(spread(channel, 50)).containsOnlyKeys("a");
      healthB.setStatus("test.Who", HealthStatus.SERVING);
      assertThat(waitForSpread(channel, 2)).containsKeys("a", "b");
    }
  }

  /** Calls until the last 20 calls hit exactly {@code backends} backends. */
  private static Map<String, Integer> waitForSpread(Channel channel, int backends) throws Exception {
    java.util.concurrent.atomic.AtomicReference<Map<String, Integer>> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    try {
      io.conduit.testing.Await.until(backends + " backends", Duration.ofSeconds(10), () -> {
        last.set(spread(channel, 20));
        return last.get().size() == backends;
      });
    } catch (AssertionError timedOut) {
      // The caller's assertion on the spread says what went wrong.
    }
    return last.get();
  }

  @Test
  void healthChecksAgainstAServerWithoutTheServiceCountAsHealthy() {
    ServiceDefinition who = ServiceDefinition.builder("test.Who")
        .method(WHO, ServerCalls.unary((req, out) -> {
          out.onNext("plain");
          out.onCompleted();
        }))
        .build();
    try (Server plain = Server.builder().bind("127.0.0.1", 0).service(who).build().start();
        Channel channel = Channel.builder("ipv4:127.0.0.1:" + plain.port()).plaintext()
            .defaultServiceConfig("{\"healthCheckConfig\":{\"serviceName\":\"\"}}").build()) {
      assertThat(ClientCalls.blockingUnary(channel, WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "")).isEqualTo("plain");
    }
  }
}
