package io.conduit.examples.helloworld;

import io.conduit.stub.ServerStreamObserver;
import io.grpc.examples.helloworld.GreeterRpc;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;

/**
 * The {@code helloworld.Greeter} service: extend the generated {@code GreeterRpc.Service} and
 * override the methods you implement; the others answer UNIMPLEMENTED.
 */
public final class GreeterService extends GreeterRpc.Service {
  @Override
  public void sayHello(HelloRequest request, ServerStreamObserver<HelloReply> responseObserver) {
    // A unary method answers exactly one message, then completes the call.
    responseObserver.onNext(HelloReply.newBuilder().setMessage("Hello " + request.getName()).build());
    responseObserver.onCompleted();
  }
}
