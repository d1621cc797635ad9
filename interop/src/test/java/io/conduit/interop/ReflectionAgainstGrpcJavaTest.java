package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.services.reflection.ReflectionClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Conduit's server reflection against grpc-java's own (ProtoReflectionServiceV1 and the v1alpha
 * ProtoReflectionService, in a JVM of their own) with the same services registered (the interop
 * service and the admin ones: health, reflection, channelz): the same service list, and for each service the same closed set of files, byte for byte
 * as parsed.
 */
@Timeout(120)
class ReflectionAgainstGrpcJavaTest {

  /** What a grpcurl-like client learns: the services, and every file reached from them. */
  record Seen(List<String> services, Map<String, FileDescriptorProto> files) {}

  private static Seen explore(InetSocketAddress address) {
    try (Channel channel = Channel.forAddress(address.getHostString(), address.getPort())
            .plaintext().build();
        ReflectionClient reflection = ReflectionClient.open(channel,
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)))) {
      List<String> services = reflection.listServices();
      for (String service : services) {
        reflection.fileContainingSymbol(service);
      }
      return new Seen(services, new TreeMap<>(reflection.receivedFiles()));
    }
  }

  @Test
  void sameServicesAndSameFilesAsGrpcJava() throws Exception {
    Seen grpcJava;
    try (GrpcJavaPeer.Listening peer = GrpcJavaPeer.startListening(
        GrpcJavaPeer.REFLECTION_SERVER_CLASS, List.of("--port=0"), Duration.ofSeconds(60))) {
      grpcJava = explore(peer.address());
    }
    Seen conduit;
    try (TestServiceImpl service = new TestServiceImpl(null);
        Server server = InteropTestSupport.startInteropServer(service)) {
      conduit = explore(new InetSocketAddress("127.0.0.1", server.port()));
    }

    // grpc-java lists in the order of a hash map; Conduit in registration order. Conduit's
    // Admin.addTo also registers CSDS, because conduit-xds is on this class path; grpc-java's
    // peer registers its services one by one, without it. CSDS's files (Conduit's trimmed Envoy
    // protos, and the well-known types they import) are the only ones grpc-java does not serve.
    String csds = "envoy.service.status.v3.ClientStatusDiscoveryService";
    assertThat(conduit.services()).containsExactly("grpc.testing.TestService",
        "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection", "grpc.channelz.v1.Channelz", csds);
    assertThat(conduit.services().stream().filter(name -> !name.equals(csds)))
        .containsExactlyInAnyOrderElementsOf(grpcJava.services());
    assertThat(conduit.files().keySet()).containsAll(grpcJava.files().keySet());
    assertThat(conduit.files().keySet().stream()
            .filter(name -> !grpcJava.files().containsKey(name)))
        .isNotEmpty()
        .allMatch(name -> name.startsWith("envoy/") || name.startsWith("google/protobuf/"));
    for (String name : grpcJava.files().keySet()) {
      assertThat(conduit.files().get(name)).as(name).isEqualTo(grpcJava.files().get(name));
    }
  }
}
