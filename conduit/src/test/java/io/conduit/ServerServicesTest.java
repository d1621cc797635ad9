package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a server tells its services about itself: its service list and the registration hook. */
@Timeout(10)
class ServerServicesTest {

  @Test
  void listsItsServicesInRegistrationOrderWithTheirSchema() {
    Object schema = new Object();
    ServiceDefinition withSchema = ServiceDefinition.builder("test.Described")
        .schemaDescriptor(schema)
        .build();
    Server server = Server.builder()
        .inProcess("services-" + System.nanoTime())
        .service(EchoService.definition())
        .service(withSchema)
        .intercept(new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
              ServerCallHandler<Q, R> next) {
            return next.startCall(call, headers);
          }
        })
        .build();

    assertThat(server.services()).extracting(ServiceDefinition::name)
        .containsExactly("test.Echo", "test.Described");
    assertThat(server.services().get(0).schemaDescriptor()).isNull();
    assertThat(server.services().get(1).schemaDescriptor()).isSameAs(schema);
  }

  @Test
  void tellsEachRpcServiceTheServerItIsRegisteredOn() {
    List<Server> seen = new ArrayList<>();
    RpcService service = new RpcService() {
      @Override
      public ServiceDefinition definition() {
        return ServiceDefinition.builder("test.Hooked").build();
      }

      @Override
      public void onRegistered(Server server) {
        seen.add(server);
      }
    };
    Server server = Server.builder().inProcess("hooked-" + System.nanoTime()).service(service).build();

    assertThat(seen).containsExactly(server);
  }
}
