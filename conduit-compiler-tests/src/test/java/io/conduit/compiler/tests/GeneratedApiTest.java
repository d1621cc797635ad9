package io.conduit.compiler.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import conduit.testing.outer.CustomOuter;
import conduit.testing.outer.NestedRpc;
import io.conduit.Channel;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.testing.calls.CallsRpc;
import io.conduit.testing.calls.Request;
import io.conduit.testing.clash.ClashRpc;
import io.conduit.testing.clash.ClashRpc_;
import io.conduit.testing.clash.ClashRpc__;
import io.conduit.testing.editions.Editions;
import io.conduit.testing.editions.Editions2023Rpc;
import io.conduit.testing.editions2024.Editions2024Proto;
import io.conduit.testing.editions2024.Editions2024Rpc;
import io.conduit.testing.editions2024.TopLevel;
import io.conduit.testing.naming.AsyncClient;
import io.conduit.testing.naming.BlockingClient;
import io.conduit.testing.naming.NamingRpc;
import io.conduit.testing.naming.Service;
import io.conduit.testing.shared.SharedOuterClass;
import java.lang.reflect.AnnotatedElement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shape of the generated code: names, descriptors, annotations, Java class names of
 * messages. Most of it is proven by this file compiling at all.
 */
@Timeout(30)
class GeneratedApiTest {

  @Test
  void definitionsCarryTheirServicesProtoDescriptor() {
    Object schema = new CallsRpc.Service() {}.definition().schemaDescriptor();
    assertThat(schema).isInstanceOf(com.google.protobuf.Descriptors.ServiceDescriptor.class);
    var service = (com.google.protobuf.Descriptors.ServiceDescriptor) schema;
    assertThat(service.getFullName()).isEqualTo(CallsRpc.SERVICE_NAME);
    assertThat(service.getFile().getName()).isEqualTo("conduit/testing/calls.proto");
    // The outer class of a file with java_outer_classname, and a service without methods.
    assertThat(((com.google.protobuf.Descriptors.ServiceDescriptor)
        new NestedRpc.Service() {}.definition().schemaDescriptor()).getFile())
        .isSameAs(CustomOuter.getDescriptor());
    assertThat(new io.conduit.testing.empty.NothingRpc.Service() {}.definition().schemaDescriptor())
        .isNotNull();
    // Interceptors wrap the handlers and keep the schema.
    ServiceDefinition definition = new CallsRpc.Service() {}.definition();
    assertThat(definition.intercept(List.of()).schemaDescriptor()).isSameAs(definition.schemaDescriptor());
  }

  @Test
  void descriptors() {
    assertThat(CallsRpc.SERVICE_NAME).isEqualTo("conduit.testing.calls.Calls");
    assertThat(CallsRpc.UNARY.type()).isEqualTo(MethodDescriptor.Type.UNARY);
    assertThat(CallsRpc.SERVER_STREAM.type()).isEqualTo(MethodDescriptor.Type.SERVER_STREAMING);
    assertThat(CallsRpc.CLIENT_STREAM.type()).isEqualTo(MethodDescriptor.Type.CLIENT_STREAMING);
    assertThat(CallsRpc.BIDI.type()).isEqualTo(MethodDescriptor.Type.BIDI_STREAMING);
    assertThat(CallsRpc.BIDI.fullMethodName()).isEqualTo("conduit.testing.calls.Calls/Bidi");
    assertThat(CallsRpc.UNARY.isIdempotent()).isFalse();
    assertThat(CallsRpc.GET.isIdempotent()).isTrue();
    assertThat(CallsRpc.GET.isSafe()).isTrue();
    assertThat(CallsRpc.PUT.isIdempotent()).isTrue();
    assertThat(CallsRpc.PUT.isSafe()).isFalse();
    // Telemetry reports generated methods by name (gRFC A66), whatever their idempotency.
    assertThat(List.of(CallsRpc.UNARY, CallsRpc.GET, CallsRpc.PUT, CallsRpc.BIDI))
        .allMatch(io.conduit.MethodDescriptor::isGenerated);

    Request request = Request.newBuilder().setMessage("m").setValue(7).build();
    java.nio.ByteBuffer buffer =
        java.nio.ByteBuffer.allocate(CallsRpc.UNARY.requestMarshaller().serializedSize(request));
    CallsRpc.UNARY.requestMarshaller().write(request, buffer);
    buffer.flip();
    assertThat(CallsRpc.UNARY.requestMarshaller().parse(buffer)).isEqualTo(request);
  }

  @Test
  void definitionWiresEveryMethodInOrder() {
    ServiceDefinition definition = new CallsRpc.Service() {}.definition();
    assertThat(definition.name()).isEqualTo(CallsRpc.SERVICE_NAME);
    assertThat(definition.methods()).extracting(m -> m.descriptor().methodName())
        .containsExactly("Unary", "ServerStream", "ClientStream", "Bidi", "NotImplemented",
            "Sleep", "Old", "Get", "Put", "Shared");
    assertThat(definition.method("conduit.testing.calls.Calls/Get").descriptor())
        .isSameAs(CallsRpc.GET);
  }

  @Test
  void deprecationIsCarriedOver() throws Exception {
    Class<?> blockingClient = CallsRpc.BlockingClient.class;
    assertDeprecated(CallsRpc.class.getField("OLD"), true);
    assertDeprecated(CallsRpc.class.getField("UNARY"), false);
    assertDeprecated(CallsRpc.Service.class.getMethod("old", Request.class, ServerStreamObserver.class), true);
    assertDeprecated(blockingClient.getMethod("old", Request.class), true);
    assertDeprecated(CallsRpc.AsyncClient.class.getMethod("old", Request.class), true);
    assertDeprecated(blockingClient.getMethod("unary", Request.class), false);

    Class<?> retired = Class.forName("io.conduit.testing.empty.RetiredRpc");
    assertDeprecated(retired, true);
    assertDeprecated(CallsRpc.class, false);
  }

  private static void assertDeprecated(AnnotatedElement element, boolean deprecated) {
    assertThat(element.isAnnotationPresent(Deprecated.class)).as("%s deprecated", element)
        .isEqualTo(deprecated);
  }

  @Test
  void javaNamesOfCollidingMethods() {
    // Declaration order: get_foo, GetFoo, getFoo share the Java name getFoo.
    assertThat(NamingRpc.GET_FOO.methodName()).isEqualTo("get_foo");
    assertThat(NamingRpc.GET_FOO_2.methodName()).isEqualTo("GetFoo");
    assertThat(NamingRpc.GET_FOO_3.methodName()).isEqualTo("getFoo");
    assertThat(NamingRpc.CLASS.methodName()).isEqualTo("class");
    assertThat(NamingRpc.SERVICE.methodName()).isEqualTo("Service");
    assertThat(NamingRpc.SERVICE_NAME).isEqualTo("conduit.testing.naming.Naming");
    assertThat(NamingRpc.SERVICE_NAME_.methodName()).isEqualTo("ServiceName");
    assertThat(NamingRpc.SERVICE_NAME__2.methodName()).isEqualTo("SERVICE_NAME");
    assertThat(NamingRpc.HTTP_GET.methodName()).isEqualTo("HTTPGet");
    assertThat(NamingRpc.LEADING.methodName()).isEqualTo("_leading");
    assertThat(NamingRpc.LEADING_2.methodName()).isEqualTo("Leading");

    assertThat(methodNames(NamingRpc.BlockingClient.class)).contains(
        "getFoo", "getFoo_2", "getFoo_3", "class_", "service", "blockingClient", "asyncClient",
        "definition_", "withDeadline_", "toString_", "hashCode_", "getClass_", "wait_", "yield_",
        "serviceName", "serviceName_2", "httpGet", "callOptions_", "uses", "usesOld", "time",
        "leading", "leading_2");
  }

  private static List<String> methodNames(Class<?> type) {
    return java.util.Arrays.stream(type.getDeclaredMethods()).map(java.lang.reflect.Method::getName)
        .sorted().collect(Collectors.toList());
  }

  @Test
  void messageClassesFollowTheJavaOptions() {
    // java_multiple_files = false without java_outer_classname, a message named like the file.
    MethodDescriptor<SharedOuterClass.SharedMessage, SharedOuterClass.SharedMessage.Nested> shared =
        CallsRpc.SHARED;
    assertThat(shared.fullMethodName()).isEqualTo("conduit.testing.calls.Calls/Shared");
    // No java_package, java_outer_classname = CustomOuter, nested messages.
    MethodDescriptor<CustomOuter.Outer.Inner.Deeper, CustomOuter.Outer.Inner> deep = NestedRpc.DEEP;
    assertThat(deep.fullMethodName()).isEqualTo("conduit.testing.outer.Nested/Deep");
    // Editions 2023 (outer class from the file name) and 2024 (top level unless nested in file).
    MethodDescriptor<Editions.EditionsRequest, Editions.EditionsRequest> e2023 = Editions2023Rpc.CALL;
    MethodDescriptor<TopLevel, Editions2024Proto.InFile> e2024 = Editions2024Rpc.CALL;
    assertThat(e2023.serviceName()).isEqualTo("conduit.testing.editions.Editions2023");
    assertThat(e2024.serviceName()).isEqualTo("conduit.testing.editions2024.Editions2024");
    // A service class that would clash with a message class gets a trailing _ (and __ ignoring case).
    MethodDescriptor<ClashRpc, ClashRpc> clash = ClashRpc_.CALL;
    assertThat(clash.fullMethodName()).isEqualTo("conduit.testing.clash.Clash/Call");
    assertThat(ClashRpc__.CALL.fullMethodName()).isEqualTo("conduit.testing.clash.clash/Call");
  }

  @Test
  void serviceInTheUnnamedPackage() throws Exception {
    Class<?> stub = Class.forName("NoPackageRpc");
    assertThat(stub.getField("SERVICE_NAME").get(null)).isEqualTo("NoPackage");
  }

  /** Renamed methods are still wired to the right proto methods. */
  @Test
  void renamedMethodsServeTheirProtoMethods() {
    NamingRpc.Service naming = new NamingRpc.Service() {
      @Override
      public void class_(Service request, ServerStreamObserver<BlockingClient> responseObserver) {
        responseObserver.onNext(BlockingClient.getDefaultInstance());
        responseObserver.onCompleted();
      }

      @Override
      public void getFoo_2(io.conduit.testing.naming.String request,
          ServerStreamObserver<io.conduit.testing.naming.String> responseObserver) {
        responseObserver.onNext(io.conduit.testing.naming.String.newBuilder()
            .setValue("GetFoo:" + request.getValue()).build());
        responseObserver.onCompleted();
      }

      @Override
      public void yield_(io.conduit.testing.naming.String request,
          ServerStreamObserver<io.conduit.testing.naming.String> responseObserver) {
        responseObserver.onNext(request);
        responseObserver.onCompleted();
      }

      @Override
      public void service(AsyncClient request,
          ServerStreamObserver<io.conduit.testing.naming.String> responseObserver) {
        responseObserver.onNext(io.conduit.testing.naming.String.newBuilder().setValue("svc").build());
        responseObserver.onCompleted();
      }
    };
    try (Server server = Server.builder().bind("127.0.0.1", 0).service(naming).build().start();
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      NamingRpc.BlockingClient client =
          NamingRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(10));
      io.conduit.testing.naming.String hi =
          io.conduit.testing.naming.String.newBuilder().setValue("hi").build();
      assertThat(client.class_(Service.getDefaultInstance())).isEqualTo(BlockingClient.getDefaultInstance());
      assertThat(client.getFoo_2(hi).getValue()).isEqualTo("GetFoo:hi");
      assertThat(client.yield_(hi).getValue()).isEqualTo("hi");
      assertThat(client.service(AsyncClient.getDefaultInstance()).getValue()).isEqualTo("svc");
      // Not overridden: UNIMPLEMENTED, for every call type.
      assertThatThrownBy(() -> client.getFoo(hi))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      assertThatThrownBy(() -> client.blockingClient(hi).hasNext())
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      try (BlockingCall<io.conduit.testing.naming.String, io.conduit.testing.naming.String> call =
          client.asyncClient()) {
        assertThatThrownBy(call::finish).isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      }
      try (BlockingCall<io.conduit.testing.naming.String, io.conduit.testing.naming.String> call =
          client.withDeadline_()) {
        assertThatThrownBy(call::read).isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
      }
    }
  }

}
