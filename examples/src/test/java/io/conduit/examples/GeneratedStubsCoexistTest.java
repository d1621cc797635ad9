package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Marshaller;
import io.grpc.MethodDescriptor;
import io.grpc.examples.helloworld.GreeterGrpc;
import io.grpc.examples.helloworld.GreeterRpc;
import io.grpc.examples.helloworld.HelloRequest;
import io.grpc.examples.routeguide.RouteGuideGrpc;
import io.grpc.examples.routeguide.RouteGuideRpc;
import io.grpc.examples.routeguide.RouteNote;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * grpc-java's stubs ({@code GreeterGrpc}) and Conduit's ({@code GreeterRpc}) sit side by side in
 * the package of the message classes they share, and describe the same methods.
 */
class GeneratedStubsCoexistTest {

  @Test
  void greeterStubs() {
    assertThat(GreeterRpc.class.getPackage()).isSameAs(GreeterGrpc.class.getPackage());
    assertThat(GreeterRpc.class.getPackageName()).isEqualTo("io.grpc.examples.helloworld");
    assertThat(GreeterRpc.SERVICE_NAME).isEqualTo(GreeterGrpc.SERVICE_NAME);
    assertSame(GreeterRpc.SAY_HELLO, GreeterGrpc.getSayHelloMethod());

    // Both marshal the one HelloRequest class: what Conduit writes, grpc-java reads.
    HelloRequest request = HelloRequest.newBuilder().setName("both").build();
    Marshaller<HelloRequest> conduit = GreeterRpc.SAY_HELLO.requestMarshaller();
    ByteBuffer bytes = ByteBuffer.allocate(conduit.serializedSize(request));
    conduit.write(request, bytes);
    assertThat(GreeterGrpc.getSayHelloMethod().parseRequest(
        new ByteArrayInputStream(bytes.array()))).isEqualTo(request);
  }

  @Test
  void routeGuideStubs() {
    assertThat(RouteGuideRpc.class.getPackage()).isSameAs(RouteGuideGrpc.class.getPackage());
    assertThat(RouteGuideRpc.SERVICE_NAME).isEqualTo(RouteGuideGrpc.SERVICE_NAME);
    assertSame(RouteGuideRpc.GET_FEATURE, RouteGuideGrpc.getGetFeatureMethod());
    assertSame(RouteGuideRpc.LIST_FEATURES, RouteGuideGrpc.getListFeaturesMethod());
    assertSame(RouteGuideRpc.RECORD_ROUTE, RouteGuideGrpc.getRecordRouteMethod());
    assertSame(RouteGuideRpc.ROUTE_CHAT, RouteGuideGrpc.getRouteChatMethod());
    assertThat(List.of(RouteGuideRpc.GET_FEATURE.type(), RouteGuideRpc.LIST_FEATURES.type(),
        RouteGuideRpc.RECORD_ROUTE.type(), RouteGuideRpc.ROUTE_CHAT.type()))
        .map(Enum::name)
        .containsExactly("UNARY", "SERVER_STREAMING", "CLIENT_STREAMING", "BIDI_STREAMING");

    // RouteChat's two marshallers produce the same class, RouteNote.
    RouteNote note = RouteGuideChecks.NOTES.get(0);
    assertThat(RouteGuideGrpc.getRouteChatMethod().parseResponse(
        RouteGuideGrpc.getRouteChatMethod().streamResponse(note)))
        .isEqualTo(RouteGuideRpc.ROUTE_CHAT.responseMarshaller()
            .parse(ByteBuffer.wrap(note.toByteArray())));
  }

  /** Same name and the same kind of streaming on each side. */
  private static void assertSame(io.conduit.MethodDescriptor<?, ?> conduit,
      MethodDescriptor<?, ?> grpcJava) {
    assertThat(conduit.fullMethodName()).isEqualTo(grpcJava.getFullMethodName());
    assertThat(conduit.type().name()).isEqualTo(grpcJava.getType().name());
  }
}
