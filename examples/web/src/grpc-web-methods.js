// The official grpc-web runtime with protoc-gen-es messages: protoc-gen-grpc-web (which would
// generate these descriptors) cannot be installed here, so they are made from the service
// descriptors that protoc-gen-es generates, with toBinary/fromBinary for serialization.
import { GrpcWebClientBase, MethodDescriptor, MethodType } from "grpc-web";
import { fromBinary, toBinary } from "@bufbuild/protobuf";

/** A grpc-web client of `service` (a protoc-gen-es descriptor) at `baseUrl`, in text mode. */
export function grpcWebTextClient(service, baseUrl) {
  const client = new GrpcWebClientBase({ format: "text" });
  const calls = {};
  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    const streaming = method.methodKind === "server_streaming";
    const descriptor = new MethodDescriptor(
      path,
      streaming ? MethodType.SERVER_STREAMING : MethodType.UNARY,
      Object,
      Object,
      (message) => toBinary(method.input, message),
      (bytes) => fromBinary(method.output, bytes),
    );
    calls[method.localName] = streaming
      ? (request, metadata = {}) => client.serverStreaming(baseUrl + path, request, metadata, descriptor)
      : (request, metadata = {}) => client.unaryCall(baseUrl + path, request, metadata, descriptor);
  }
  return calls;
}
