package io.conduit.benchmarks;

import com.google.protobuf.ByteString;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.stub.StreamObserver;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;

/**
 * {@code grpc.testing.BenchmarkService}, doing the same application work per message as
 * grpc-java's {@code io.grpc.benchmarks.qps.AsyncServer}: a fresh response of the requested size
 * for each request ({@code Utils.makeResponse}), a canned 100-byte response for the two-way
 * stream, and flow-controlled sending for the unbounded server streams. The comparison then
 * measures the frameworks, not the services.
 */
final class BenchmarkServiceImpl extends BenchmarkServiceRpc.Service {
  /** AsyncServer answers StreamingBothWays with this canned response. */
  private static final SimpleResponse BIDI_RESPONSE = SimpleResponse.newBuilder()
      .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[100])))
      .build();

  /** grpc-java's {@code io.grpc.benchmarks.Utils.makeResponse}. */
  static SimpleResponse makeResponse(SimpleRequest request) {
    if (request.getResponseSize() > 0) {
      if (request.getResponseType() != PayloadType.COMPRESSABLE) {
        throw Status.INTERNAL.withDescription("Error creating payload.").asException();
      }
      ByteString body = ByteString.copyFrom(new byte[request.getResponseSize()]);
      Payload payload = Payload.newBuilder().setType(request.getResponseType()).setBody(body).build();
      return SimpleResponse.newBuilder().setPayload(payload).build();
    }
    return SimpleResponse.getDefaultInstance();
  }

  @Override
  public void unaryCall(SimpleRequest request, ServerStreamObserver<SimpleResponse> responses) {
    responses.onNext(makeResponse(request));
    responses.onCompleted();
  }

  @Override
  public StreamObserver<SimpleRequest> streamingCall(ServerStreamObserver<SimpleResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(SimpleRequest request) {
        responses.onNext(makeResponse(request));
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled: nothing left to answer.
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  @Override
  public StreamObserver<SimpleRequest> streamingFromClient(
      ServerStreamObserver<SimpleResponse> responses) {
    return new StreamObserver<>() {
      private SimpleRequest lastSeen;

      @Override
      public void onNext(SimpleRequest request) {
        lastSeen = request;
      }

      @Override
      public void onError(Throwable t) {
        // The client cancelled.
      }

      @Override
      public void onCompleted() {
        if (lastSeen == null) {
          responses.onError(Status.FAILED_PRECONDITION
              .withDescription("never received any requests").asException());
          return;
        }
        responses.onNext(makeResponse(lastSeen));
        responses.onCompleted();
      }
    };
  }

  @Override
  public void streamingFromServer(SimpleRequest request,
      ServerStreamObserver<SimpleResponse> responses) {
    sendUntilCancelled(responses, makeResponse(request));
  }

  @Override
  public StreamObserver<SimpleRequest> streamingBothWays(
      ServerStreamObserver<SimpleResponse> responses) {
    sendUntilCancelled(responses, BIDI_RESPONSE);
    return new StreamObserver<>() {
      @Override
      public void onNext(SimpleRequest request) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        // Clients cancel these calls to stop them; a half-close just ends the stream.
        responses.onCompleted();
      }
    };
  }

  /**
   * Sends {@code response} whenever the call can take it, until the client cancels: the
   * flow-controlled loop of grpc-java's {@code StreamObservers.copyWithFlowControl}.
   */
  private static void sendUntilCancelled(ServerStreamObserver<SimpleResponse> responses,
      SimpleResponse response) {
    Runnable drain = () -> {
      try {
        while (responses.isReady() && !responses.isCancelled()) {
          responses.onNext(response);
        }
      } catch (StatusException cancelled) {
        // The client went away between the check and the send.
      }
    };
    responses.setOnReadyHandler(drain);
    drain.run();
  }
}
