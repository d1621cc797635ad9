package io.conduit.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.services.admin.Admin;
import io.conduit.services.reflection.ReflectionClient;
import io.conduit.xds.internal.proto.ClientStatusDiscoveryServiceRpc;
import io.conduit.xds.internal.proto.ClientStatusRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** With this module present, the admin services include CSDS, and it answers. */
@Timeout(30)
class CsdsAdminServiceProviderTest {

  @Test
  @SuppressWarnings("try") // the server only has to be open while the client asks
  void adminRegistersCsds() {
    String name = "admin-csds-" + System.nanoTime();
    Server.Builder builder = Server.builder().inProcess(name);
    Admin.addTo(builder);
    try (Server server = builder.build().start();
        Channel channel = Channel.builder("inprocess:" + name).build();
        ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      assertThat(reflection.listServices())
          .contains("envoy.service.status.v3.ClientStatusDiscoveryService", "grpc.health.v1.Health");
      // No xDS client in this JVM: CSDS answers with none.
      assertThat(ClientStatusDiscoveryServiceRpc.newBlockingClient(channel)
          .fetchClientStatus(ClientStatusRequest.getDefaultInstance()).getConfigList()).isEmpty();
    }
  }
}
