package io.conduit.services.internal.reflection;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.conduit.Status;
import io.conduit.services.internal.proto.reflection.v1.ErrorResponse;
import io.conduit.services.internal.proto.reflection.v1.ExtensionNumberResponse;
import io.conduit.services.internal.proto.reflection.v1.ExtensionRequest;
import io.conduit.services.internal.proto.reflection.v1.FileDescriptorResponse;
import io.conduit.services.internal.proto.reflection.v1.ListServiceResponse;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRequest;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionResponse;
import io.conduit.services.internal.proto.reflection.v1.ServiceResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One reflection stream: answers each request from the server's {@link SchemaIndex} and
 * remembers which files it has sent, so that each file's dependencies go out once per stream.
 * An unknown name is answered with an {@code error_response} and the stream goes on. Confined to
 * the call's serialized listener.
 */
final class ReflectionStream {
  /**
   * The most file bytes one answer carries: below the 4 MiB clients accept by default. An answer
   * that would be larger leaves out dependencies, which a client asks for by name (as grpcurl
   * does); the requested file itself always goes.
   */
  static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024 - 64 * 1024;

  private final SchemaIndex index;
  private final Set<String> sent = new HashSet<>();

  ReflectionStream(SchemaIndex index) {
    this.index = index;
  }

  ServerReflectionResponse answer(ServerReflectionRequest request) {
    ServerReflectionResponse.Builder response = ServerReflectionResponse.newBuilder()
        .setValidHost(request.getHost())
        .setOriginalRequest(request);
    switch (request.getMessageRequestCase()) {
      case LIST_SERVICES -> {
        ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
        for (String name : index.serviceNames()) {
          list.addService(ServiceResponse.newBuilder().setName(name));
        }
        response.setListServicesResponse(list);
      }
      case FILE_BY_FILENAME -> files(response, index.fileByName(request.getFileByFilename()),
          "file not found: " + request.getFileByFilename());
      case FILE_CONTAINING_SYMBOL -> files(response,
          index.fileContainingSymbol(request.getFileContainingSymbol()),
          "symbol not found: " + request.getFileContainingSymbol());
      case FILE_CONTAINING_EXTENSION -> {
        ExtensionRequest extension = request.getFileContainingExtension();
        files(response,
            index.fileContainingExtension(extension.getContainingType(), extension.getExtensionNumber()),
            "extension not found: " + extension.getContainingType() + " field "
                + extension.getExtensionNumber());
      }
      case ALL_EXTENSION_NUMBERS_OF_TYPE -> {
        String type = request.getAllExtensionNumbersOfType();
        List<Integer> numbers = index.extensionNumbers(type);
        if (numbers == null) {
          error(response, Status.Code.NOT_FOUND, "type not found: " + type);
        } else {
          response.setAllExtensionNumbersResponse(ExtensionNumberResponse.newBuilder()
              .setBaseTypeName(type).addAllExtensionNumber(numbers));
        }
      }
      default -> error(response, Status.Code.INVALID_ARGUMENT, "no request in the message");
    }
    return response.build();
  }

  private void files(ServerReflectionResponse.Builder response, FileDescriptor file, String notFound) {
    if (file == null) {
      error(response, Status.Code.NOT_FOUND, notFound);
      return;
    }
    FileDescriptorResponse.Builder files = FileDescriptorResponse.newBuilder();
    List<FileDescriptor> toSend = new ArrayList<>();
    int bytes = 0;
    // The requested file always (the client asked for it), then what it imports that this stream
    // has not sent yet, breadth first, as long as the answer stays bounded.
    Deque<FileDescriptor> pending = new ArrayDeque<>();
    Set<String> seen = new HashSet<>();
    pending.add(file);
    seen.add(file.getName());
    while (!pending.isEmpty()) {
      FileDescriptor next = pending.poll();
      ByteString serialized = next.toProto().toByteString();
      if (next != file && bytes + serialized.size() > MAX_ANSWER_BYTES) {
        continue;
      }
      if (next == file && serialized.size() > MAX_ANSWER_BYTES) {
        error(response, Status.Code.RESOURCE_EXHAUSTED, "file " + file.getName() + " is "
            + serialized.size() + " bytes, more than an answer may carry");
        return;
      }
      bytes += serialized.size();
      files.addFileDescriptorProto(serialized);
      toSend.add(next);
      for (FileDescriptor dependency : next.getDependencies()) {
        if (!sent.contains(dependency.getName()) && seen.add(dependency.getName())) {
          pending.add(dependency);
        }
      }
    }
    for (FileDescriptor f : toSend) {
      sent.add(f.getName());
    }
    response.setFileDescriptorResponse(files);
  }

  private static void error(ServerReflectionResponse.Builder response, Status.Code code, String message) {
    response.setErrorResponse(ErrorResponse.newBuilder()
        .setErrorCode(code.value())
        .setErrorMessage(message));
  }
}
