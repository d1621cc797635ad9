package io.conduit.compiler.tests;

import com.google.protobuf.Empty;
import io.conduit.Status;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.stub.StreamObserver;
import io.conduit.testing.calls.CallsRpc;
import io.conduit.testing.calls.Request;
import io.conduit.testing.calls.Response;
import io.conduit.testing.shared.SharedOuterClass.SharedMessage;
import java.util.concurrent.CountDownLatch;

/** The test implementation of {@code conduit.testing.calls.Calls}; NotImplemented stays default. */
final class CallsService extends CallsRpc.Service {
  /** Counted down when a server-streaming call is cancelled by its client. */
  volatile CountDownLatch serverStreamCancelled = new CountDownLatch(1);

  private static void failIfAsked(Request request) {
    if (request.getFailWithCode() != 0) {
      throw Status.fromCodeValue(request.getFailWithCode())
          .withDescription("failed as asked: " + request.getMessage())
          .asException();
    }
  }

  private static Response echo(Request request) {
    return Response.newBuilder().setMessage(request.getMessage()).setValue(request.getValue()).build();
  }

  @Override
  public void unary(Request request, ServerStreamObserver<Response> responseObserver) {
    failIfAsked(request);
    responseObserver.onNext(echo(request));
    responseObserver.onCompleted();
  }

  @Override
  public void serverStream(Request request, ServerStreamObserver<Response> responseObserver) {
    failIfAsked(request);
    CountDownLatch cancelled = serverStreamCancelled;
    responseObserver.setOnCancelHandler(cancelled::countDown);
    for (int i = 0; i < request.getCount(); i++) {
      if (responseObserver.isCancelled()) {
        return;
      }
      responseObserver.onNext(echo(request).toBuilder().setIndex(i).build());
    }
    responseObserver.onCompleted();
  }

  @Override
  public StreamObserver<Request> clientStream(ServerStreamObserver<Response> responseObserver) {
    return new StreamObserver<>() {
      private long sum;
      private final StringBuilder messages = new StringBuilder();

      @Override
      public void onNext(Request value) {
        failIfAsked(value);
        sum += value.getValue();
        messages.append(value.getMessage());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responseObserver.onNext(
            Response.newBuilder().setMessage(messages.toString()).setValue(sum).build());
        responseObserver.onCompleted();
      }
    };
  }

  @Override
  public StreamObserver<Request> bidi(ServerStreamObserver<Response> responseObserver) {
    return new StreamObserver<>() {
      private int index;

      @Override
      public void onNext(Request value) {
        failIfAsked(value);
        responseObserver.onNext(echo(value).toBuilder().setIndex(index++).build());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responseObserver.onCompleted();
      }
    };
  }

  @Override
  public void sleep(com.google.protobuf.Duration request, ServerStreamObserver<Empty> responseObserver) {
    // Sleeps for the duration asked, or until the call is cancelled (its deadline, the client).
    java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
    responseObserver.setOnCancelHandler(cancelled::countDown);
    try {
      if (!responseObserver.isCancelled()) {
        cancelled.await(request.getSeconds() * 1_000_000_000L + request.getNanos(),
            java.util.concurrent.TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!responseObserver.isCancelled()) {
      responseObserver.onNext(Empty.getDefaultInstance());
      responseObserver.onCompleted();
    }
  }

  @Override
  @Deprecated
  public void old(Request request, ServerStreamObserver<Response> responseObserver) {
    unary(request.toBuilder().setMessage("old " + request.getMessage()).build(), responseObserver);
  }

  @Override
  public void get(Request request, ServerStreamObserver<Response> responseObserver) {
    unary(request.toBuilder().setMessage("get " + request.getMessage()).build(), responseObserver);
  }

  @Override
  public void put(Request request, ServerStreamObserver<Response> responseObserver) {
    unary(request.toBuilder().setMessage("put " + request.getMessage()).build(), responseObserver);
  }

  @Override
  public void shared(SharedMessage request, ServerStreamObserver<SharedMessage.Nested> responseObserver) {
    responseObserver.onNext(SharedMessage.Nested.newBuilder().setText(request.getText() + "!").build());
    responseObserver.onCompleted();
  }
}
