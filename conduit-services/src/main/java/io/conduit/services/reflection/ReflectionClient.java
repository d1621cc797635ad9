package io.conduit.services.reflection;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRequest;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionResponse;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRpc;
import io.conduit.services.internal.reflection.ReflectionService;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.ClientCalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A client of server reflection that works as grpcurl does: one stream for all its questions,
 * {@code grpc.reflection.v1} first and {@code v1alpha} when the server has only that, every
 * imported file the answers leave out asked for by name until the set is complete, and the
 * files built into {@link FileDescriptor}s.
 *
 * <pre>{@code
 * try (ReflectionClient reflection = ReflectionClient.open(channel, CallOptions.DEFAULT)) {
 *   for (String service : reflection.listServices()) {
 *     FileDescriptor file = reflection.fileContainingSymbol(service);
 *   }
 * }
 * }</pre>
 *
 * <p>Failures throw {@link StatusException}: NOT_FOUND for names the server does not know,
 * UNIMPLEMENTED when the server has no reflection service. Not thread-safe.
 */
public final class ReflectionClient implements AutoCloseable {
  private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> V1ALPHA =
      MethodDescriptor.of(MethodDescriptor.Type.BIDI_STREAMING,
          ReflectionService.V1ALPHA + "/ServerReflectionInfo",
          ServerReflectionRpc.SERVER_REFLECTION_INFO.requestMarshaller(),
          ServerReflectionRpc.SERVER_REFLECTION_INFO.responseMarshaller());

  private final CallFactory channel;
  private final CallOptions options;
  private BlockingCall<ServerReflectionRequest, ServerReflectionResponse> call;
  private boolean v1alpha;
  private final Map<String, FileDescriptorProto> received = new HashMap<>();
  private final Map<String, FileDescriptor> built = new HashMap<>();

  private ReflectionClient(CallFactory channel, CallOptions options) {
    this.channel = channel;
    this.options = options;
  }

  /**
   * A client asking over {@code channel}; the stream opens with the first question.
   *
   * @param channel the channel (or any call factory) to the server
   * @param options the options of the reflection call, such as its deadline
   * @return a client; close it to end the stream
   */
  public static ReflectionClient open(CallFactory channel, CallOptions options) {
    return new ReflectionClient(channel, options);
  }

  /** {@return whether the server answered on the older {@code v1alpha} protocol} */
  public boolean usesV1alpha() {
    return v1alpha;
  }

  /** {@return the full names of the server's services} */
  public List<String> listServices() {
    ServerReflectionResponse response = ask(ServerReflectionRequest.newBuilder().setListServices(""));
    List<String> names = new ArrayList<>();
    response.getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName()));
    return names;
  }

  /**
   * The file declaring a service, method, message, enum or extension, with its imports built.
   *
   * @param fullName the symbol's full name, e.g. {@code grpc.health.v1.Health.Check}
   * @return the file declaring the symbol
   */
  public FileDescriptor fileContainingSymbol(String fullName) {
    return fileFrom(ask(ServerReflectionRequest.newBuilder().setFileContainingSymbol(fullName)));
  }

  /**
   * The file of this name ({@code grpc/health/v1/health.proto}), with its imports built.
   *
   * @param name the file's name as the server registered it
   * @return the file of that name
   */
  public FileDescriptor fileByName(String name) {
    FileDescriptor known = built.get(name);
    return known != null ? known : fileFrom(ask(ServerReflectionRequest.newBuilder().setFileByFilename(name)));
  }

  /**
   * The numbers of the extensions of {@code messageType} the server knows.
   *
   * @param messageType the full name of the extended message, e.g. {@code my.pkg.Extensible}
   * @return the extension field numbers, as the server lists them
   */
  public List<Integer> extensionNumbers(String messageType) {
    return ask(ServerReflectionRequest.newBuilder().setAllExtensionNumbersOfType(messageType))
        .getAllExtensionNumbersResponse().getExtensionNumberList();
  }

  /**
   * Every file received so far, as sent.
   *
   * @return the received files, by file name
   */
  public Map<String, FileDescriptorProto> receivedFiles() {
    return Map.copyOf(received);
  }

  private FileDescriptor fileFrom(ServerReflectionResponse response) {
    List<ByteString> files = response.getFileDescriptorResponse().getFileDescriptorProtoList();
    if (files.isEmpty()) {
      throw Status.INTERNAL.withDescription("reflection answered without a file").asException();
    }
    String first = null;
    for (ByteString bytes : files) {
      FileDescriptorProto proto = parse(bytes);
      received.putIfAbsent(proto.getName(), proto);
      first = first == null ? proto.getName() : first;
    }
    // The server may leave out files it sent before on this stream, or that did not fit: ask.
    for (List<String> missing = missing(first); !missing.isEmpty(); missing = missing(first)) {
      for (String name : missing) {
        for (ByteString bytes : ask(ServerReflectionRequest.newBuilder().setFileByFilename(name))
            .getFileDescriptorResponse().getFileDescriptorProtoList()) {
          FileDescriptorProto proto = parse(bytes);
          received.putIfAbsent(proto.getName(), proto);
        }
        if (!received.containsKey(name)) {
          throw Status.INTERNAL.withDescription("reflection did not send " + name).asException();
        }
      }
    }
    return build(first, new HashSet<>());
  }

  private List<String> missing(String root) {
    List<String> missing = new ArrayList<>();
    collectMissing(root, new HashSet<>(), missing);
    return missing;
  }

  private void collectMissing(String name, Set<String> visited, List<String> missing) {
    if (!visited.add(name)) {
      return;
    }
    FileDescriptorProto proto = received.get(name);
    if (proto == null) {
      missing.add(name);
      return;
    }
    for (String dependency : proto.getDependencyList()) {
      collectMissing(dependency, visited, missing);
    }
  }

  private FileDescriptor build(String name, Set<String> inProgress) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    if (!inProgress.add(name)) {
      throw Status.INTERNAL.withDescription("the server's files import each other in a cycle: " + name)
          .asException();
    }
    FileDescriptorProto proto = received.get(name);
    FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
    for (int i = 0; i < dependencies.length; i++) {
      dependencies[i] = build(proto.getDependency(i), inProgress);
    }
    try {
      FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw Status.INTERNAL.withDescription("invalid file " + name + " from reflection: "
          + e.getMessage()).asException();
    }
  }

  private static FileDescriptorProto parse(ByteString bytes) {
    try {
      return FileDescriptorProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL.withDescription("reflection sent a file that does not parse: "
          + e.getMessage()).asException();
    }
  }

  private ServerReflectionResponse ask(ServerReflectionRequest.Builder request) {
    ServerReflectionResponse response = exchange(request.build());
    if (response.hasErrorResponse()) {
      throw Status.fromCodeValue(response.getErrorResponse().getErrorCode())
          .withDescription(response.getErrorResponse().getErrorMessage())
          .asException();
    }
    return response;
  }

  private ServerReflectionResponse exchange(ServerReflectionRequest request) {
    boolean first = call == null;
    if (first) {
      call = ClientCalls.blockingStreaming(channel, ServerReflectionRpc.SERVER_REFLECTION_INFO, options);
    }
    try {
      return sendAndRead(request);
    } catch (StatusException e) {
      if (!first || e.status().code() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      // A server older than v1: the same protocol under its older name.
      call.close();
      call = ClientCalls.blockingStreaming(channel, V1ALPHA, options);
      v1alpha = true;
      return sendAndRead(request);
    }
  }

  private ServerReflectionResponse sendAndRead(ServerReflectionRequest request) {
    call.send(request);
    ServerReflectionResponse response = call.read();
    if (response == null) {
      throw Status.UNAVAILABLE.withDescription("the reflection stream ended early").asException();
    }
    return response;
  }

  /** Ends the stream. */
  @Override
  public void close() {
    if (call != null) {
      try {
        call.halfClose();
      } catch (StatusException e) {
        // The call had already failed: nothing to end gracefully.
      } finally {
        call.close();
        call = null;
      }
    }
  }
}
