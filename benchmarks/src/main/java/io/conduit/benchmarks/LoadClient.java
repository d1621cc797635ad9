package io.conduit.benchmarks;

import com.google.protobuf.ByteString;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.services.channelz.Channelz;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.StreamObserver;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The Conduit load client, {@code benchmarks/bin/client}: closed-loop unary or ping-pong streaming
 * calls, as grpc-java's {@code io.grpc.benchmarks.qps.AsyncClient} makes them, with the same flags
 * and the same result lines. Each of the {@code channels × outstanding_rpcs} loops starts its next
 * call (or sends its next request on its stream) when the previous response arrives, and records
 * the time between the two.
 *
 * <pre>
 *   --address=HOST:PORT      the server (required)
 *   --channels=N             channels (connections), default 4
 *   --outstanding_rpcs=N     loops per channel, default 10
 *   --client_payload=BYTES   request payload size, default 0
 *   --server_payload=BYTES   response payload size, default 0
 *   --streaming_rpcs         ping-pong on StreamingCall streams instead of unary calls
 *   --duration=SECONDS       measured time, default 60
 *   --warmup_duration=SECONDS  time before measuring, default 10
 *   --directexecutor         run the callbacks on the I/O threads
 * </pre>
 *
 * Other AsyncClient flags (--tls, --transport, --save_histogram, ...) are accepted and ignored.
 */
public final class LoadClient {
  /** grpc-java's {@code Utils.HISTOGRAM_MAX_VALUE} and {@code HISTOGRAM_PRECISION}. */
  static final long HISTOGRAM_MAX_VALUE = 60_000_000L;
  static final int HISTOGRAM_PRECISION = 2;

  private final InetSocketAddress address;
  private final int channels;
  private final int outstanding;
  private final int clientPayload;
  private final int serverPayload;
  private final boolean streaming;
  private final int duration;
  private final int warmupDuration;
  private final boolean directExecutor;
  private final BenchmarkTelemetry telemetry;
  private final boolean channelz;

  LoadClient(Flags flags) {
    if (!flags.has("address")) {
      throw new IllegalArgumentException("--address is required");
    }
    address = Flags.address(flags.string("address", null));
    channels = flags.integer("channels", 4);
    outstanding = flags.integer("outstanding_rpcs", 10);
    clientPayload = flags.integer("client_payload", 0);
    serverPayload = flags.integer("server_payload", 0);
    streaming = flags.bool("streaming_rpcs");
    duration = flags.integer("duration", 60);
    warmupDuration = flags.integer("warmup_duration", 10);
    directExecutor = flags.bool("directexecutor");
    telemetry = BenchmarkTelemetry.fromFlags(flags);
    channelz = flags.bool("channelz");
  }

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    if (flags.has("help")) {
      System.out.println("Usage: benchmarks/bin/client --address=HOST:PORT [--channels=N]"
          + " [--outstanding_rpcs=N] [--client_payload=BYTES] [--server_payload=BYTES]"
          + " [--streaming_rpcs] [--duration=SECONDS] [--warmup_duration=SECONDS]"
          + " [--directexecutor] [--opentelemetry=none|metrics|all] [--channelz]");
      return;
    }
    new LoadClient(flags).run();
    System.exit(0);
  }

  static SimpleRequest newRequest(int clientPayload, int serverPayload) {
    return SimpleRequest.newBuilder()
        .setResponseType(PayloadType.COMPRESSABLE)
        .setResponseSize(serverPayload)
        .setPayload(Payload.newBuilder().setType(PayloadType.COMPRESSABLE)
            .setBody(ByteString.copyFrom(new byte[clientPayload])))
        .build();
  }

  static Channel newChannel(InetSocketAddress address, boolean directExecutor) {
    return newChannel(address, directExecutor, null, false);
  }

  static Channel newChannel(InetSocketAddress address, boolean directExecutor,
      BenchmarkTelemetry telemetry, boolean channelz) {
    Channel.Builder builder = Channel.forAddress(address.getHostString(), address.getPort())
        .plaintext();
    if (directExecutor) {
      builder.directExecutor();
    }
    if (telemetry != null) {
      telemetry.configure(builder);
    }
    return channelz ? Channelz.get().track(builder) : builder.build();
  }

  void run() throws Exception {
    SimpleRequest request = newRequest(clientPayload, serverPayload);
    List<Channel> channelList = new ArrayList<>();
    for (int i = 0; i < channels; i++) {
      channelList.add(newChannel(address, directExecutor, telemetry, channelz));
    }
    // Warm-up: the same load, statistics dropped.
    doBenchmark(request, channelList, System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupDuration));
    System.gc();

    long start = System.nanoTime();
    List<Histogram> histograms =
        doBenchmark(request, channelList, start + TimeUnit.SECONDS.toNanos(duration));
    long elapsed = System.nanoTime() - start;

    Histogram merged = new Histogram(HISTOGRAM_MAX_VALUE, HISTOGRAM_PRECISION);
    for (Histogram h : histograms) {
      merged.add(h);
    }
    printStats(merged, elapsed);
    for (Channel channel : channelList) {
      channel.shutdown();
    }
    for (Channel channel : channelList) {
      channel.awaitTermination(Duration.ofSeconds(5));
    }
  }

  private List<Histogram> doBenchmark(SimpleRequest request, List<Channel> channelList,
      long endTime) throws Exception {
    List<CompletableFuture<Histogram>> futures = new ArrayList<>();
    for (Channel channel : channelList) {
      for (int j = 0; j < outstanding; j++) {
        futures.add(streaming
            ? doStreamingCalls(channel, request, endTime)
            : doUnaryCalls(channel, request, endTime));
      }
    }
    List<Histogram> histograms = new ArrayList<>();
    for (CompletableFuture<Histogram> future : futures) {
      histograms.add(future.get());
    }
    return histograms;
  }

  private static CompletableFuture<Histogram> doUnaryCalls(Channel channel, SimpleRequest request,
      long endTime) {
    Histogram histogram = new Histogram(HISTOGRAM_MAX_VALUE, HISTOGRAM_PRECISION);
    CompletableFuture<Histogram> future = new CompletableFuture<>();
    StreamObserver<SimpleResponse> observer = new StreamObserver<>() {
      private long lastCall = System.nanoTime();

      @Override
      public void onNext(SimpleResponse value) {}

      @Override
      public void onError(Throwable t) {
        System.err.println("Encountered an error in unaryCall: " + t);
        future.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        long now = System.nanoTime();
        histogram.recordValue((now - lastCall) / 1000);
        lastCall = now;
        if (endTime - now > 0) {
          ClientCalls.asyncUnary(channel, BenchmarkServiceRpc.UNARY_CALL, CallOptions.DEFAULT,
              request, this);
        } else {
          future.complete(histogram);
        }
      }
    };
    ClientCalls.asyncUnary(channel, BenchmarkServiceRpc.UNARY_CALL, CallOptions.DEFAULT, request,
        observer);
    return future;
  }

  private static CompletableFuture<Histogram> doStreamingCalls(Channel channel,
      SimpleRequest request, long endTime) {
    Histogram histogram = new Histogram(HISTOGRAM_MAX_VALUE, HISTOGRAM_PRECISION);
    CompletableFuture<Histogram> future = new CompletableFuture<>();
    PingPong pingPong = new PingPong(request, histogram, future, endTime);
    pingPong.requests = ClientCalls.asyncBidiStreaming(channel, BenchmarkServiceRpc.STREAMING_CALL,
        CallOptions.DEFAULT, pingPong);
    pingPong.requests.onNext(request);
    return future;
  }

  /** One ping-pong stream: the next request goes out when a response arrives. */
  private static final class PingPong implements StreamObserver<SimpleResponse> {
    private final SimpleRequest request;
    private final Histogram histogram;
    private final CompletableFuture<Histogram> future;
    private final long endTime;
    private long lastCall = System.nanoTime();
    volatile StreamObserver<SimpleRequest> requests;

    PingPong(SimpleRequest request, Histogram histogram, CompletableFuture<Histogram> future,
        long endTime) {
      this.request = request;
      this.histogram = histogram;
      this.future = future;
      this.endTime = endTime;
    }

    @Override
    public void onNext(SimpleResponse value) {
      long now = System.nanoTime();
      histogram.recordValue((now - lastCall) / 1000);
      lastCall = now;
      if (endTime - now > 0) {
        requests.onNext(request);
      } else {
        requests.onCompleted();
      }
    }

    @Override
    public void onError(Throwable t) {
      System.err.println("Encountered an error in streamingCall: " + t);
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      future.complete(histogram);
    }
  }

  private void printStats(Histogram histogram, long elapsedNanos) {
    long qps = histogram.getTotalCount() * 1_000_000_000L / elapsedNanos;
    String values = "Channels:                       " + channels + '\n'
        + "Outstanding RPCs per Channel:   " + outstanding + '\n'
        + "Server Payload Size:            " + serverPayload + '\n'
        + "Client Payload Size:            " + clientPayload + '\n'
        + "50%ile Latency (in micros):     " + histogram.getValueAtPercentile(50) + '\n'
        + "90%ile Latency (in micros):     " + histogram.getValueAtPercentile(90) + '\n'
        + "95%ile Latency (in micros):     " + histogram.getValueAtPercentile(95) + '\n'
        + "99%ile Latency (in micros):     " + histogram.getValueAtPercentile(99) + '\n'
        + "99.9%ile Latency (in micros):   " + histogram.getValueAtPercentile(99.9) + '\n'
        + "Maximum Latency (in micros):    " + histogram.getValueAtPercentile(100) + '\n'
        + "QPS:                            " + qps + '\n';
    System.out.println(values);
  }
}
