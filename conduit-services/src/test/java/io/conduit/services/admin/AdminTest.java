package io.conduit.services.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.health.Health;
import io.conduit.health.HealthStatus;
import io.conduit.health.HealthStatusManager;
import io.conduit.services.reflection.ReflectionClient;
import io.conduit.stub.ClientCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One call registers health, both reflection services and channelz, and they answer. */
@Timeout(30)
class AdminTest {

  @Test
  @SuppressWarnings("try") // the server only has to be open while the client asks
  void healthReflectionAndChannelzInOneCall() {
    String name = "admin-" + System.nanoTime();
    Server.Builder builder = Server.builder().inProcess(name);
    HealthStatusManager health = Admin.addTo(builder);
    health.setStatus("some.Service", HealthStatus.NOT_SERVING);
    try (Server server = builder.build().start();
        Channel channel = Channel.builder("inprocess:" + name).build();
        ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      assertThat(reflection.listServices()).containsExactly("grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
          "grpc.channelz.v1.Channelz");
      assertThat(reflection.fileContainingSymbol("grpc.channelz.v1.Channelz").getName())
          .isEqualTo("grpc/channelz/v1/channelz.proto");
      assertThat(reflection.fileContainingSymbol("grpc.health.v1.Health").getName())
          .isEqualTo("grpc/health/v1/health.proto");
      assertThat(ClientCalls.blockingUnary(channel, Health.CHECK, CallOptions.DEFAULT,
          new Health.Request("some.Service")).status()).isEqualTo(HealthStatus.NOT_SERVING);
    }
  }
}
