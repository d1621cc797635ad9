package io.conduit.benchmarks;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.StreamObserver;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole unary call through Conduit's client and server in one JVM, over a loopback TCP
 * connection: the call path without a second process. {@code blocking}: one call at a time, the
 * latency; {@code batch64}: 64 concurrent calls, the time per call at throughput.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UnaryCallBenchmark {
  /** Request and response payload bytes. */
  @Param({"0", "1024"})
  public int payload;

  /** Handlers and callbacks on the I/O threads, or on the default executors. */
  @Param({"true", "false"})
  public boolean direct;

  private Server server;
  private Channel channel;
  private BenchmarkServiceRpc.BlockingClient client;
  private SimpleRequest request;

  @Setup
  public void setUp() {
    Server.Builder sb = Server.builder().bind("127.0.0.1", 0).service(new BenchmarkServiceImpl());
    Channel.Builder cb;
    if (direct) {
      sb.directExecutor();
    }
    server = sb.build().start();
    cb = Channel.forAddress("127.0.0.1", server.port()).plaintext();
    if (direct) {
      cb.directExecutor();
    }
    channel = cb.build();
    client = BenchmarkServiceRpc.newBlockingClient(channel);
    request = Messages.request(payload, payload);
    client.unaryCall(request);
  }

  @TearDown
  public void tearDown() throws InterruptedException {
    channel.close();
    server.shutdown();
    server.awaitTermination(Duration.ofSeconds(5));
  }

  @Benchmark
  public SimpleResponse blocking() {
    return client.unaryCall(request);
  }

  @Benchmark
  @OperationsPerInvocation(64)
  public void batch64() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(64);
    StreamObserver<SimpleResponse> observer = new StreamObserver<>() {
      @Override
      public void onNext(SimpleResponse value) {}

      @Override
      public void onError(Throwable t) {
        done.countDown();
      }

      @Override
      public void onCompleted() {
        done.countDown();
      }
    };
    for (int i = 0; i < 64; i++) {
      ClientCalls.asyncUnary(channel, BenchmarkServiceRpc.UNARY_CALL, CallOptions.DEFAULT, request,
          observer);
    }
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("calls did not finish in 30 s");
    }
  }
}
