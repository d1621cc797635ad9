package io.conduit.interop;

import io.conduit.MethodDescriptor;
import io.conduit.MethodDescriptor.Type;
import io.conduit.protobuf.ProtoMarshaller;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;

/**
 * Method descriptors of {@code grpc.testing.TestService} and {@code grpc.testing.UnimplementedService}
 * ({@code grpc/testing/test.proto}), written by hand until the Conduit code generator exists; the
 * generated stubs replace this class.
 */
public final class TestServiceDescriptors {
  private TestServiceDescriptors() {}

  public static final String TEST_SERVICE = "grpc.testing.TestService";
  public static final String UNIMPLEMENTED_SERVICE = "grpc.testing.UnimplementedService";

  public static final MethodDescriptor<Empty, Empty> EMPTY_CALL =
      method(Type.UNARY, TEST_SERVICE, "EmptyCall",
          Empty.getDefaultInstance(), Empty.getDefaultInstance());

  public static final MethodDescriptor<SimpleRequest, SimpleResponse> UNARY_CALL =
      method(Type.UNARY, TEST_SERVICE, "UnaryCall",
          SimpleRequest.getDefaultInstance(), SimpleResponse.getDefaultInstance());

  /** Marked cacheable ({@code NO_SIDE_EFFECTS}) in test.proto. */
  public static final MethodDescriptor<SimpleRequest, SimpleResponse> CACHEABLE_UNARY_CALL =
      MethodDescriptor.<SimpleRequest, SimpleResponse>newBuilder()
          .type(Type.UNARY)
          .fullMethodName(MethodDescriptor.fullMethodName(TEST_SERVICE, "CacheableUnaryCall"))
          .requestMarshaller(ProtoMarshaller.of(SimpleRequest.getDefaultInstance()))
          .responseMarshaller(ProtoMarshaller.of(SimpleResponse.getDefaultInstance()))
          .safe(true)
          .idempotent(true)
          .build();

  public static final MethodDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>
      STREAMING_OUTPUT_CALL = method(Type.SERVER_STREAMING, TEST_SERVICE, "StreamingOutputCall",
          StreamingOutputCallRequest.getDefaultInstance(),
          StreamingOutputCallResponse.getDefaultInstance());

  public static final MethodDescriptor<StreamingInputCallRequest, StreamingInputCallResponse>
      STREAMING_INPUT_CALL = method(Type.CLIENT_STREAMING, TEST_SERVICE, "StreamingInputCall",
          StreamingInputCallRequest.getDefaultInstance(),
          StreamingInputCallResponse.getDefaultInstance());

  public static final MethodDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>
      FULL_DUPLEX_CALL = method(Type.BIDI_STREAMING, TEST_SERVICE, "FullDuplexCall",
          StreamingOutputCallRequest.getDefaultInstance(),
          StreamingOutputCallResponse.getDefaultInstance());

  public static final MethodDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse>
      HALF_DUPLEX_CALL = method(Type.BIDI_STREAMING, TEST_SERVICE, "HalfDuplexCall",
          StreamingOutputCallRequest.getDefaultInstance(),
          StreamingOutputCallResponse.getDefaultInstance());

  /** Declared in TestService but implemented by no server: the call must fail UNIMPLEMENTED. */
  public static final MethodDescriptor<Empty, Empty> UNIMPLEMENTED_CALL =
      method(Type.UNARY, TEST_SERVICE, "UnimplementedCall",
          Empty.getDefaultInstance(), Empty.getDefaultInstance());

  /** The one method of a service no server registers. */
  public static final MethodDescriptor<Empty, Empty> UNIMPLEMENTED_SERVICE_CALL =
      method(Type.UNARY, UNIMPLEMENTED_SERVICE, "UnimplementedCall",
          Empty.getDefaultInstance(), Empty.getDefaultInstance());

  private static <Q extends com.google.protobuf.MessageLite, R extends com.google.protobuf.MessageLite>
      MethodDescriptor<Q, R> method(Type type, String service, String name, Q request, R response) {
    return MethodDescriptor.of(type, MethodDescriptor.fullMethodName(service, name),
        ProtoMarshaller.of(request), ProtoMarshaller.of(response));
  }
}
