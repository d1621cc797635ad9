package io.conduit.services.reflection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.health.HealthStatusManager;
import io.conduit.protobuf.ProtoMarshaller;
import io.conduit.services.test.NotesRpc;
import io.conduit.services.test.Order;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Server reflection as grpcurl uses it, over a real connection: list the services, fetch each
 * one's file, fetch every missing import by name until the set is closed, build the descriptors
 * and call a method with a {@link DynamicMessage} built from them alone.
 */
@Timeout(30)
class ReflectionTest {
  static final io.conduit.MethodDescriptor<String, String> HANDMADE = io.conduit.MethodDescriptor.of(
      io.conduit.MethodDescriptor.Type.UNARY, "test.Handmade/Echo",
      io.conduit.Marshaller.ofBytes(String::getBytes, String::new),
      io.conduit.Marshaller.ofBytes(String::getBytes, String::new));

  private Server server;
  private Channel channel;

  @BeforeEach
  void start() {
    server = Server.builder()
        .bind("127.0.0.1", 0)
        .service(new ShopService())
        .service(new NotesRpc.Service() {})
        .service(ServiceDefinition.builder("test.Handmade")
            .method(HANDMADE, ServerCalls.unary((req, out) -> {
              out.onNext(req);
              out.onCompleted();
            }))
            .build())
        .service(new HealthStatusManager())
        .service(Reflection.service())
        .build()
        .start();
    channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
  }

  @AfterEach
  void stop() {
    channel.close();
    server.close();
  }

  @Test
  void listsExactlyTheServersServicesItselfIncluded() {
    try (ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      assertThat(reflection.listServices()).containsExactly(
          "conduit.services.test.Shop", "conduit.services.test.Notes", "test.Handmade",
          "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
      assertThat(reflection.usesV1alpha()).isFalse();
    }
  }

  @Test
  void everyDescribedServiceResolvesToAClosedSetOfFiles() {
    try (ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      for (String service : reflection.listServices()) {
        if (service.equals("test.Handmade")) {
          assertThatThrownBy(() -> reflection.fileContainingSymbol(service))
              .isInstanceOfSatisfying(StatusException.class,
                  e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
          continue;
        }
        FileDescriptor file = reflection.fileContainingSymbol(service);
        assertThat(file.getServices()).extracting(ServiceDescriptor::getFullName).contains(service);
      }
      assertThat(reflection.receivedFiles()).containsOnlyKeys(
          "conduit/services/test/shop.proto", "conduit/services/test/common.proto",
          "google/protobuf/timestamp.proto", "conduit/services/test/notes.proto",
          "conduit/services/test/extensible.proto", "conduit/services/test/extensions.proto",
          "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto");
      // The standard files are the originals, not this module's renamed copies.
      assertThat(reflection.receivedFiles().get("grpc/reflection/v1/reflection.proto")
          .getOptions().getJavaPackage()).isEqualTo("io.grpc.reflection.v1");
      // What was sent is what was compiled.
      assertThat(reflection.receivedFiles().get("conduit/services/test/shop.proto"))
          .isEqualTo(Order.getDescriptor().getFile().toProto());
    }
  }

  @Test
  void aDynamicCallBuiltFromReflectionAlone() throws Exception {
    FileDescriptor file;
    try (ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      file = reflection.fileContainingSymbol("conduit.services.test.Shop.Buy");
    }
    MethodDescriptor buy = file.findServiceByName("Shop").findMethodByName("Buy");
    Descriptor orderType = buy.getInputType();
    Descriptor itemType = orderType.findNestedTypeByName("Item");
    DynamicMessage item = DynamicMessage.newBuilder(itemType)
        .setField(itemType.findFieldByName("name"), "tea")
        .build();
    DynamicMessage order = DynamicMessage.newBuilder(orderType)
        .addRepeatedField(orderType.findFieldByName("items"), item)
        .addRepeatedField(orderType.findFieldByName("items"), item)
        .build();
    io.conduit.MethodDescriptor<DynamicMessage, DynamicMessage> method = io.conduit.MethodDescriptor.of(
        io.conduit.MethodDescriptor.Type.UNARY, "conduit.services.test.Shop/Buy",
        ProtoMarshaller.of(DynamicMessage.getDefaultInstance(orderType)),
        ProtoMarshaller.of(DynamicMessage.getDefaultInstance(buy.getOutputType())));

    DynamicMessage receipt = ClientCalls.blockingUnary(channel, method, CallOptions.DEFAULT, order);

    DynamicMessage total = (DynamicMessage) receipt.getField(buy.getOutputType().findFieldByName("total"));
    assertThat(total.getField(total.getDescriptorForType().findFieldByName("cents"))).isEqualTo(200L);
  }

  @Test
  void symbolsOfEveryKind() {
    try (ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      for (String symbol : List.of("conduit.services.test.Shop", "conduit.services.test.Shop.Watch",
          "conduit.services.test.Order", "conduit.services.test.Order.Item",
          "conduit.services.test.Order.Item.Size", "conduit.services.test.Kind")) {
        assertThat(reflection.fileContainingSymbol(symbol).getName())
            .as(symbol).isEqualTo("conduit/services/test/shop.proto");
      }
      assertThat(reflection.fileContainingSymbol("conduit.services.test.Money").getName())
          .isEqualTo("conduit/services/test/common.proto");
      assertThat(reflection.fileContainingSymbol("google.protobuf.Timestamp").getName())
          .isEqualTo("google/protobuf/timestamp.proto");
      assertThat(reflection.fileContainingSymbol("conduit.services.test.Holder.priority").getName())
          .isEqualTo("conduit/services/test/extensions.proto");
      assertThat(reflection.fileByName("grpc/health/v1/health.proto").findServiceByName("Health"))
          .isNotNull();
      assertThat(reflection.extensionNumbers("conduit.services.test.Extensible"))
          .containsExactlyInAnyOrder(100, 142);
      assertThat(reflection.extensionNumbers("conduit.services.test.Order")).isEmpty();
    }
  }

  @Test
  void unknownNamesAreNotFoundAndTheStreamGoesOn() {
    try (ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      List<Runnable> unknown = new ArrayList<>();
      unknown.add(() -> reflection.fileContainingSymbol("no.Such"));
      unknown.add(() -> reflection.fileByName("no/such.proto"));
      unknown.add(() -> reflection.extensionNumbers("no.Such"));
      for (Runnable ask : unknown) {
        assertThatThrownBy(ask::run).isInstanceOfSatisfying(StatusException.class,
            e -> assertThat(e.status().code()).isEqualTo(Status.Code.NOT_FOUND));
        // The same stream still answers.
        assertThat(reflection.listServices()).contains("grpc.reflection.v1.ServerReflection");
      }
    }
  }

  @Test
  void aServerWithoutReflectionIsUnimplemented() {
    try (Server bare = Server.builder().bind("127.0.0.1", 0).service(new ShopService()).build().start();
        Channel toBare = Channel.forAddress("127.0.0.1", bare.port()).plaintext().build();
        ReflectionClient reflection = ReflectionClient.open(toBare, CallOptions.DEFAULT)) {
      assertThatThrownBy(reflection::listServices).isInstanceOfSatisfying(StatusException.class,
          e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }
  }

  @Test
  void aClientFallsBackToV1alpha() {
    try (Server old = Server.builder().bind("127.0.0.1", 0).service(new ShopService())
            .service(Reflection.v1alphaService()).build().start();
        Channel toOld = Channel.forAddress("127.0.0.1", old.port()).plaintext().build();
        ReflectionClient reflection = ReflectionClient.open(toOld, CallOptions.DEFAULT)) {
      assertThat(reflection.listServices())
          .containsExactly("conduit.services.test.Shop", "grpc.reflection.v1alpha.ServerReflection");
      assertThat(reflection.usesV1alpha()).isTrue();
      assertThat(reflection.fileContainingSymbol("grpc.reflection.v1alpha.ServerReflection").getName())
          .isEqualTo("grpc/reflection/v1alpha/reflection.proto");
    }
  }

  @Test
  void oneReflectionServicePerServer() {
    io.conduit.RpcService reflection = Reflection.service();
    Server.builder().inProcess("first-" + System.nanoTime()).service(reflection).build();
    assertThatThrownBy(() -> Server.builder().inProcess("second-" + System.nanoTime())
        .service(reflection).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("register a new one on each server");
  }
}
