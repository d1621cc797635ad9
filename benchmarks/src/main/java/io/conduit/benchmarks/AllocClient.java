package io.conduit.benchmarks;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.StreamObserver;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap allocated per unary call on the client: closed loops of unary calls
 * ({@code --outstanding_rpcs}, default 1, on one channel) for {@code --warmup_duration} seconds,
 * then for {@code --duration} seconds more, counting the bytes every thread of the JVM allocated
 * during the second phase (the JVM's per-thread allocation counters) and the calls it completed.
 * Prints {@code Calls: N} and {@code Allocated bytes per call: X}.
 */
public final class AllocClient {
  private AllocClient() {}

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    InetSocketAddress address = Flags.address(flags.string("address", "127.0.0.1:50051"));
    long warmupNanos = flags.longValue("warmup_duration", 5) * 1_000_000_000L;
    long durationNanos = flags.longValue("duration", 10) * 1_000_000_000L;
    int outstanding = flags.integer("outstanding_rpcs", 1);
    SimpleRequest request = LoadClient.newRequest(flags.integer("client_payload", 0),
        flags.integer("server_payload", 0));
    try (Channel channel = LoadClient.newChannel(address, flags.bool("directexecutor"))) {
      run(channel, request, warmupNanos, outstanding);
      System.gc();
      long before = allocatedBytes();
      long calls = run(channel, request, durationNanos, outstanding);
      long after = allocatedBytes();
      System.out.println("Calls:                          " + calls);
      System.out.printf("Allocated bytes per call:       %.0f%n", (after - before) / (double) calls);
    }
    System.exit(0);
  }

  /** The bytes all live threads have allocated so far. */
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

  private static long run(Channel channel, SimpleRequest request, long nanos, int outstanding)
      throws Exception {
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
          next(this);
        }

        private void next(StreamObserver<SimpleResponse> self) {
          if (System.nanoTime() - endTime < 0) {
            ClientCalls.asyncUnary(channel, BenchmarkServiceRpc.UNARY_CALL, CallOptions.DEFAULT,
                request, self);
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
