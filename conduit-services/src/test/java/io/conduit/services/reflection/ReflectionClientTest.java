package io.conduit.services.reflection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.services.internal.proto.reflection.v1.FileDescriptorResponse;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRequest;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionResponse;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRpc;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a reflection server that misbehaves: files that import each other. */
@Timeout(30)
class ReflectionClientTest {

  /** A reflection service that answers every question with one of {@code files}. */
  private static ServiceDefinition answering(Map<String, FileDescriptorProto> files, String forSymbol) {
    return ServiceDefinition.builder(ServerReflectionRpc.SERVICE_NAME)
        .method(ServerReflectionRpc.SERVER_REFLECTION_INFO, ServerCalls.bidiStreaming(responses ->
            new StreamObserver<ServerReflectionRequest>() {
              @Override
              public void onNext(ServerReflectionRequest request) {
                String name = request.hasFileByFilename() ? request.getFileByFilename() : forSymbol;
                responses.onNext(ServerReflectionResponse.newBuilder()
                    .setFileDescriptorResponse(FileDescriptorResponse.newBuilder()
                        .addFileDescriptorProto(files.get(name).toByteString()))
                    .build());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                responses.onCompleted();
              }
            }))
        .build();
  }

  @Test
  @SuppressWarnings("try") // the server only has to be open while the client asks
  void filesThatImportEachOtherAreAnErrorNotAHang() {
    FileDescriptorProto a = FileDescriptorProto.newBuilder().setName("a.proto").addDependency("b.proto").build();
    FileDescriptorProto b = FileDescriptorProto.newBuilder().setName("b.proto").addDependency("a.proto").build();
    String name = "cyclic-" + System.nanoTime();
    try (Server server = Server.builder().inProcess(name)
            .service(answering(Map.of("a.proto", a, "b.proto", b), "a.proto")).build().start();
        Channel channel = Channel.builder("inprocess:" + name).build();
        ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
      assertThatThrownBy(() -> reflection.fileContainingSymbol("a.Anything"))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.status().code()).isEqualTo(Status.Code.INTERNAL);
            assertThat(e.status().description()).contains("cycle");
          });
      // Both files were asked for once and kept.
      assertThat(reflection.receivedFiles()).containsOnlyKeys("a.proto", "b.proto");
    }
  }
}
