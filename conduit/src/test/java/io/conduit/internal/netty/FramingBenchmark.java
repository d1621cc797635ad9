package io.conduit.internal.netty;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.conduit.Status;
import io.conduit.protobuf.ProtoMarshaller;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * gRPC message framing and deframing: a protobuf message serialized into a pooled buffer behind
 * its 5-byte prefix ({@link MessageFramer}), and a received DATA payload cut back into messages
 * ({@link MessageDeframer}), whole or arriving in 16 KiB pieces as HTTP/2 DATA frames bring it.
 * The message is a {@code BytesValue} of {@code payload} bytes, the shape of a benchmark
 * {@code SimpleRequest} (a length-delimited payload) without the benchmark protos.
 *
 * <p>Beside the tests, in the package of the classes it measures (they are internal); it ships in
 * the test-jar, and {@code benchmarks/bin/jmh} runs it with the other benchmarks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingBenchmark {
  private static final ProtoMarshaller<BytesValue> MARSHALLER =
      ProtoMarshaller.of(BytesValue.getDefaultInstance());

  /** Payload bytes in the request. */
  @Param({"0", "1024", "65536"})
  public int payload;

  /** What Conduit's calls frame into (Netty's default: the adaptive pooling allocator). */
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private BytesValue request;
  /** One framed request, as it arrives. */
  private ByteBuf framed;
  private MessageDeframer deframer;
  private Blackhole blackhole;

  @Setup(Level.Trial)
  public void setUp(Blackhole bh) {
    blackhole = bh;
    request = BytesValue.of(ByteString.copyFrom(new byte[payload]));
    framed = MessageFramer.frame(alloc, MARSHALLER, request, -1);
    deframer = new MessageDeframer(alloc, new MessageDeframer.Listener() {
      @Override
      public void messageRead(ByteBuf message, boolean compressed) {
        blackhole.consume(message.readableBytes());
        message.release();
      }

      @Override
      public void bytesConsumed(int bytes) {
        blackhole.consume(bytes);
      }

      @Override
      public void endOfStream() {}

      @Override
      public void deframeFailed(Status status) {
        throw new AssertionError(status.toString());
      }
    }, Integer.MAX_VALUE, false);
    deframer.request(Integer.MAX_VALUE);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    deframer.close();
    framed.release();
  }

  /** Serialize and frame one request into a pooled buffer, then release it. */
  @Benchmark
  public int frame() {
    ByteBuf buf = MessageFramer.frame(alloc, MARSHALLER, request, -1);
    int n = buf.readableBytes();
    buf.release();
    return n;
  }

  /** Cut one message out of a buffer that holds exactly one framed message. */
  @Benchmark
  public void deframeWhole() {
    deframer.add(framed.retainedDuplicate());
  }

  /** Cut one message out of 16 KiB pieces (HTTP/2's default maximum frame size). */
  @Benchmark
  public void deframeInPieces() {
    int size = framed.readableBytes();
    for (int i = 0; i < size; i += 16384) {
      deframer.add(framed.retainedSlice(i, Math.min(16384, size - i)));
    }
  }

  /** Frame, then deframe: a message's whole trip through the framing, serialization included. */
  @Benchmark
  public void roundTrip() {
    deframer.add(MessageFramer.frame(alloc, MARSHALLER, request, -1));
  }
}
