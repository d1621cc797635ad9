package io.conduit.services.internal.reflection;

import io.conduit.MethodDescriptor;
import io.conduit.RpcService;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRequest;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionResponse;
import io.conduit.services.internal.proto.reflection.v1.ServerReflectionRpc;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.stub.StreamObserver;

/**
 * {@code grpc.reflection.v1.ServerReflection} or its older twin {@code v1alpha} for the server it
 * is registered on. The two protocols are the same messages under two package names, so both are
 * served with the v1 messages; only the service name differs. The server's schema is indexed on
 * the first request.
 */
public final class ReflectionService implements RpcService {
  public static final String V1 = ServerReflectionRpc.SERVICE_NAME;
  public static final String V1ALPHA = "grpc.reflection.v1alpha.ServerReflection";

  private final String serviceName;
  private final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method;
  private volatile Server server;
  private volatile SchemaIndex index;

  public ReflectionService(String serviceName) {
    if (!serviceName.equals(V1) && !serviceName.equals(V1ALPHA)) {
      throw new IllegalArgumentException("not a reflection service: " + serviceName);
    }
    this.serviceName = serviceName;
    this.method = serviceName.equals(V1)
        ? ServerReflectionRpc.SERVER_REFLECTION_INFO
        : MethodDescriptor.of(MethodDescriptor.Type.BIDI_STREAMING,
            V1ALPHA + "/ServerReflectionInfo",
            ServerReflectionRpc.SERVER_REFLECTION_INFO.requestMarshaller(),
            ServerReflectionRpc.SERVER_REFLECTION_INFO.responseMarshaller());
  }

  @Override
  public ServiceDefinition definition() {
    return ServiceDefinition.builder(serviceName)
        .schemaDescriptor(StandardFiles.get().service(serviceName))
        .method(method, ServerCalls.bidiStreaming(this::info))
        .build();
  }

  @Override
  public void onRegistered(Server server) {
    if (this.server != null && this.server != server) {
      // What it lists is one server's: a second server needs a reflection service of its own.
      throw new IllegalStateException(serviceName + " is already registered on " + this.server
          + ": register a new one on each server");
    }
    this.server = server;
  }

  private StreamObserver<ServerReflectionRequest> info(
      ServerStreamObserver<ServerReflectionResponse> responses) {
    SchemaIndex schema = index();
    if (schema == null) {
      throw Status.FAILED_PRECONDITION
          .withDescription(serviceName + " was not registered with Server.Builder.service(RpcService)")
          .asException();
    }
    ReflectionStream stream = new ReflectionStream(schema);
    return new StreamObserver<>() {
      @Override
      public void onNext(ServerReflectionRequest request) {
        responses.onNext(stream.answer(request));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private SchemaIndex index() {
    SchemaIndex current = index;
    Server s = server;
    if (current == null && s != null) {
      // Two first requests may both build it: the same result, and no lock on the call path.
      current = new SchemaIndex(s.services());
      index = current;
    }
    return current;
  }
}
