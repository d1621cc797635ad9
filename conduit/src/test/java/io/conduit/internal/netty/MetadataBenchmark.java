package io.conduit.internal.netty;

import io.conduit.Metadata;
import io.conduit.Status;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Metadata to and from HTTP/2 headers ({@link GrpcHeaders}): the application's metadata added to
 * outgoing headers, incoming headers turned back into metadata, and the status written to and
 * read from trailers. A typical set: two ASCII entries and one binary ({@code -bin}) entry.
 *
 * <p>Beside the tests, in {@code GrpcHeaders}' package (it is internal); it ships in the
 * test-jar, and {@code benchmarks/bin/jmh} runs it with the other benchmarks.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MetadataBenchmark {
  private Metadata metadata;
  private Http2Headers incoming;
  private Http2Headers trailers;
  private final Status status = Status.NOT_FOUND.withDescription("no such thing: 100% gone");

  @Setup
  public void setUp() {
    metadata = new Metadata()
        .add("x-request-id", "8f14e45f-ceea-467f-a0e6-3c2bd1b3f1a0")
        .add("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN")
        .addBinary("trace-bin", new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    incoming = new DefaultHttp2Headers()
        .method(GrpcHeaders.POST).scheme(GrpcHeaders.HTTP).path("/grpc.testing.BenchmarkService/UnaryCall")
        .authority("127.0.0.1:50051")
        .add(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC)
        .add(GrpcHeaders.TE, GrpcHeaders.TRAILERS)
        .add(GrpcHeaders.GRPC_TIMEOUT, "1S");
    GrpcHeaders.addMetadata(incoming, metadata);
    trailers = new DefaultHttp2Headers();
    GrpcHeaders.addStatus(trailers, status);
  }

  /** Outgoing: the metadata into a fresh header block. */
  @Benchmark
  public Http2Headers encodeMetadata() {
    Http2Headers headers = new DefaultHttp2Headers();
    GrpcHeaders.addMetadata(headers, metadata);
    return headers;
  }

  /** Incoming: request headers back to metadata (pseudo and reserved headers skipped). */
  @Benchmark
  public Metadata decodeMetadata() {
    return GrpcHeaders.toMetadata(incoming);
  }

  /** A non-OK status with a message needing percent-encoding, into trailers. */
  @Benchmark
  public Http2Headers encodeStatus() {
    Http2Headers headers = new DefaultHttp2Headers();
    GrpcHeaders.addStatus(headers, status);
    return headers;
  }

  /** The status back from trailers. */
  @Benchmark
  public Status decodeStatus() {
    return GrpcHeaders.statusFromTrailers(trailers);
  }
}
