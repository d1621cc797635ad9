package io.conduit.benchmarks.peer;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.benchmarks.Transport;
import io.grpc.benchmarks.Utils;
import io.grpc.benchmarks.proto.BenchmarkServiceGrpc;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * grpc-java's heap allocated per unary call on the client, as Conduit's
 * {@code io.conduit.benchmarks.AllocClient} measures it: the channel AsyncClient builds
 * ({@code Utils.newClientChannel}, NIO), its async stub in closed loops, the JVM's per-thread
 * allocation counters over {@code --duration} seconds of calls after
 * {@code --warmup_duration} seconds.
 */
public final class GrpcJavaAllocClient {
  private GrpcJavaAllocClient() {}

  public static void main(String[] args) throws Exception {
    PeerFlags flags = new PeerFlags(args);
    String address = flags.string("address", "127.0.0.1:50051");
    long warmupNanos = flags.longValue("warmup_duration", 5) * 1_000_000_000L;
    long durationNanos = flags.longValue("duration", 10) * 1_000_000_000L;
    int outstanding = flags.integer("outstanding_rpcs", 1);
    SimpleRequest request = SimpleRequest.newBuilder()
        .setResponseType(PayloadType.COMPRESSABLE)
        .setResponseSize(flags.integer("server_payload", 0))
        .setPayload(Payload.newBuilder().setType(PayloadType.COMPRESSABLE)
            .setBody(ByteString.copyFrom(new byte[flags.integer("client_payload", 0)])))
        .build();
    ManagedChannel channel = Utils.newClientChannel(Transport.NETTY_NIO, address, false, false,
        null, 1024 * 1024, flags.bool("directexecutor"));
    try {
      BenchmarkServiceGrpc.BenchmarkServiceStub stub = BenchmarkServiceGrpc.newStub(channel);
      run(stub, request, warmupNanos, outstanding);
      System.gc();
      long before = allocatedBytes();
      long calls = run(stub, request, durationNanos, outstanding);
      long after = allocatedBytes();
      System.out.println("Calls:                          " + calls);
      System.out.printf("Allocated bytes per call:       %.0f%n", (after - before) / (double) calls);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      if (bytes > 0) {
        total += bytes;
      }
    }
    return total;
  }

  private static long run(BenchmarkServiceGrpc.BenchmarkServiceStub stub, SimpleRequest request,
      long nanos, int outstanding) throws Exception {
    long endTime = System.nanoTime() + nanos;
    AtomicLong completed = new AtomicLong();
    CompletableFuture<?>[] loops = new CompletableFuture<?>[outstanding];
    for (int i = 0; i < outstanding; i++) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      loops[i] = done;
      StreamObserver<SimpleResponse> observer = new StreamObserver<>() {
        @Override
        public void onNext(SimpleResponse value) {}

        @Override
        public void onError(Throwable t) {
          done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
          completed.incrementAndGet();
          if (System.nanoTime() - endTime < 0) {
            stub.unaryCall(request, this);
          } else {
            done.complete(null);
          }
        }
      };
      observer.onCompleted();
    }
    CompletableFuture.allOf(loops).get();
    return completed.get() - outstanding;
  }
}
