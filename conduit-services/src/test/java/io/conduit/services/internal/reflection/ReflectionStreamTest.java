package io.conduit.services.internal.reflection;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.services.internal.proto.reflection.v1.ExtensionRequest;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRequest;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionResponse;
import io.conduit.services.test.ShopRpc;
import io.conduit.services.test.Order;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The answers of one reflection stream, message by message. */
class ReflectionStreamTest {

  private static ServiceDefinition shop() {
    return ServiceDefinition.builder(ShopRpc.SERVICE_NAME)
        .schemaDescriptor(Order.getDescriptor().getFile().findServiceByName("Shop"))
        .build();
  }

  private static List<String> names(ServerReflectionResponse response) throws InvalidProtocolBufferException {
    List<String> names = new ArrayList<>();
    for (ByteString bytes : response.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      names.add(FileDescriptorProto.parseFrom(bytes).getName());
    }
    return names;
  }

  @Test
  void eachImportGoesOncePerStreamAndTheHostAndRequestAreEchoed() throws Exception {
    ReflectionStream stream = new ReflectionStream(new SchemaIndex(List.of(shop())));
    ServerReflectionRequest byName = ServerReflectionRequest.newBuilder()
        .setHost("shop.example:443")
        .setFileByFilename("conduit/services/test/shop.proto")
        .build();

    ServerReflectionResponse first = stream.answer(byName);
    assertThat(first.getValidHost()).isEqualTo("shop.example:443");
    assertThat(first.getOriginalRequest()).isEqualTo(byName);
    assertThat(names(first)).containsExactly("conduit/services/test/shop.proto",
        "conduit/services/test/common.proto", "google/protobuf/timestamp.proto");

    // Asked for again: the file itself, not the imports this stream has had.
    assertThat(names(stream.answer(ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("conduit.services.test.Order.Item").build())))
        .containsExactly("conduit/services/test/shop.proto");
    // A new stream starts afresh.
    assertThat(names(new ReflectionStream(new SchemaIndex(List.of(shop()))).answer(byName))).hasSize(3);
  }

  @Test
  void errorsAreAnswersOnTheStream() {
    ReflectionStream stream = new ReflectionStream(new SchemaIndex(List.of(shop())));

    ServerReflectionResponse unknown = stream.answer(ServerReflectionRequest.newBuilder()
        .setFileContainingExtension(ExtensionRequest.newBuilder()
            .setContainingType("conduit.services.test.Order").setExtensionNumber(9))
        .build());
    assertThat(unknown.getErrorResponse().getErrorCode()).isEqualTo(Status.Code.NOT_FOUND.value());
    assertThat(unknown.getErrorResponse().getErrorMessage()).contains("conduit.services.test.Order");

    ServerReflectionResponse empty = stream.answer(ServerReflectionRequest.getDefaultInstance());
    assertThat(empty.getErrorResponse().getErrorCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
  }

  /** A file of about {@code kib} KiB: one message with a long-named field per KiB. */
  private static FileDescriptorProto.Builder bulky(String name, int kib) {
    DescriptorProto.Builder message = DescriptorProto.newBuilder().setName("Bulk");
    String padding = "f".repeat(1000);
    for (int i = 0; i < kib; i++) {
      message.addField(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.newBuilder()
          .setName(padding + i).setNumber(i + 1)
          .setType(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_BOOL)
          .setLabel(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL));
    }
    return FileDescriptorProto.newBuilder().setName(name).setPackage(name.replace(".proto", ""))
        .addMessageType(message);
  }

  @Test
  void aHugeFileSetIsAnsweredInBoundedPiecesThatAClientCanComplete() throws Exception {
    // Five imports of 1.5 MiB each: more than one answer may carry.
    List<FileDescriptor> imports = new ArrayList<>();
    FileDescriptorProto.Builder root = FileDescriptorProto.newBuilder().setName("root.proto")
        .setPackage("root")
        .addMessageType(DescriptorProto.newBuilder().setName("Empty"))
        .addService(ServiceDescriptorProto.newBuilder().setName("Big")
            .addMethod(MethodDescriptorProto.newBuilder().setName("Call")
                .setInputType(".root.Empty").setOutputType(".root.Empty")));
    for (int i = 0; i < 5; i++) {
      String name = "bulk" + i + ".proto";
      imports.add(FileDescriptor.buildFrom(bulky(name, 1536).build(), new FileDescriptor[0]));
      root.addDependency(name);
    }
    FileDescriptor rootFile = FileDescriptor.buildFrom(root.build(), imports.toArray(new FileDescriptor[0]));
    ReflectionStream stream = new ReflectionStream(new SchemaIndex(List.of(
        ServiceDefinition.builder("root.Big").schemaDescriptor(rootFile.findServiceByName("Big")).build())));

    ServerReflectionResponse first = stream.answer(ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol("root.Big").build());
    assertThat(first.getSerializedSize()).isLessThan(4 * 1024 * 1024);
    List<String> sent = names(first);
    assertThat(sent).first().isEqualTo("root.proto");
    assertThat(sent).hasSizeLessThan(6);

    // What was left out comes when asked for by name, each answer bounded.
    for (int i = 0; i < 5; i++) {
      String name = "bulk" + i + ".proto";
      if (!sent.contains(name)) {
        ServerReflectionResponse more = stream.answer(ServerReflectionRequest.newBuilder()
            .setFileByFilename(name).build());
        assertThat(more.getSerializedSize()).isLessThan(4 * 1024 * 1024);
        assertThat(names(more)).containsExactly(name);
      }
    }
  }
}
