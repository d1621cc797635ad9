package io.conduit.benchmarks;

import io.conduit.protobuf.ProtoMarshaller;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ProtoMarshaller}: a {@code SimpleRequest} written into a direct buffer (as into a pooled
 * network buffer) and parsed back from one, heap and direct.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MarshallingBenchmark {
  private static final ProtoMarshaller<SimpleRequest> MARSHALLER =
      ProtoMarshaller.of(SimpleRequest.getDefaultInstance());

  @Param({"0", "1024", "65536"})
  public int payload;

  private SimpleRequest request;
  private ByteBuffer direct;
  private ByteBuffer encodedDirect;
  private ByteBuffer encodedHeap;

  @Setup
  public void setUp() {
    request = Messages.request(payload, 0);
    int size = MARSHALLER.serializedSize(request);
    direct = ByteBuffer.allocateDirect(size);
    encodedDirect = ByteBuffer.allocateDirect(size);
    MARSHALLER.write(request, encodedDirect);
    encodedDirect.flip();
    encodedHeap = ByteBuffer.allocate(size);
    MARSHALLER.write(request, encodedHeap);
    encodedHeap.flip();
  }

  @Benchmark
  public ByteBuffer writeDirect() {
    direct.clear();
    direct.limit(MARSHALLER.serializedSize(request));
    MARSHALLER.write(request, direct);
    return direct;
  }

  @Benchmark
  public SimpleRequest parseDirect() {
    return MARSHALLER.parse(encodedDirect.duplicate());
  }

  @Benchmark
  public SimpleRequest parseHeap() {
    return MARSHALLER.parse(encodedHeap.duplicate());
  }
}
