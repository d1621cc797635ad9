package io.conduit.benchmarks.peer;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The grpc-java server of {@code benchmarks/bin/compare}'s scale scenarios, like Conduit's
 * {@code ScaleServer}: {@code --services} services {@code scale.S0} ... of {@code --methods}
 * unary methods {@code M0} ... each, answering an empty message after sleeping
 * {@code --sleep_ms} on the handler's thread when it is set. With {@code --directexecutor}
 * handlers run on the I/O threads; otherwise on grpc-java's default executor (a cached thread
 * pool). Prints {@code registered N methods in M ms}, then {@code QPS Server started on ADDRESS}.
 */
public final class GrpcJavaScaleServer {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final byte[] EMPTY = new byte[0];

  private GrpcJavaScaleServer() {}

  public static void main(String[] args) throws Exception {
    PeerFlags flags = new PeerFlags(args);
    int services = flags.integer("services", 1);
    int methods = flags.integer("methods", 1);
    long sleepMs = flags.longValue("sleep_ms", 0);
    String address = flags.string("address", "127.0.0.1:0");
    int colon = address.lastIndexOf(':');
    long began = System.nanoTime();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(
        address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))));
    for (int s = 0; s < services; s++) {
      ServerServiceDefinition.Builder service = ServerServiceDefinition.builder("scale.S" + s);
      for (int m = 0; m < methods; m++) {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("scale.S" + s + "/M" + m)
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        service.addMethod(method, ServerCalls.asyncUnaryCall((request, out) -> {
          if (sleepMs > 0) {
            try {
              Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          out.onNext(EMPTY);
          out.onCompleted();
        }));
      }
      builder.addService(service.build());
    }
    if (flags.bool("directexecutor")) {
      builder.directExecutor();
    }
    Server server = builder.build().start();
    System.out.printf("registered %d methods in %d ms%n", services * methods,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    System.out.println("QPS Server started on " + server.getListenSockets());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.shutdownNow();
    }, "shutdown"));
    server.awaitTermination();
  }
}
