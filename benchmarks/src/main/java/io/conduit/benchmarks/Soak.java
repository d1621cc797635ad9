package io.conduit.benchmarks;

import com.google.protobuf.ByteString;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code benchmarks/bin/soak}: a Conduit server and its clients in one JVM under mixed traffic
 * for a set time, sampling heap after GC, direct memory, threads and file descriptors, and
 * failing when one of them keeps growing (see {@link SoakVerdict}). Flags:
 *
 * <pre>
 *   --minutes=10     how long the traffic runs
 *   --sample=5       seconds between samples
 *   --workers=8      client threads
 * </pre>
 *
 * <p>The mix: small and large (1 MiB) unary calls, unary calls that fail, streams that hit their
 * deadline, streams the client cancels, server streams stopped early, client streams, ping-pong
 * streams, and channels opened and closed; the server recycles connections with {@code
 * maxConnectionAge}, so calls also cross GOAWAYs. Any call that ends other than expected counts
 * as lost and fails the run as well.
 */
public final class Soak {
  private Soak() {}

  /** What a worker does next, with its weight in the mix. */
  enum Kind {
    UNARY(40), LARGE_UNARY(3), FAILING_UNARY(8), DEADLINE(4), CANCELLED(6), SERVER_STREAM(6),
    CLIENT_STREAM(6), PING_PONG(6), NEW_CHANNEL(1);

    final int weight;

    Kind(int weight) {
      this.weight = weight;
    }
  }

  private static final SimpleRequest SMALL = SimpleRequest.newBuilder()
      .setResponseType(PayloadType.COMPRESSABLE).setResponseSize(10)
      .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[10]))).build();
  private static final SimpleRequest LARGE = SimpleRequest.newBuilder()
      .setResponseType(PayloadType.COMPRESSABLE).setResponseSize(1024 * 1024)
      .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[256 * 1024]))).build();
  /** A payload type the benchmark service lacks: it answers INTERNAL "Error creating payload.". */
  private static final SimpleRequest FAILING = SimpleRequest.newBuilder()
      .setResponseTypeValue(7).setResponseSize(10).build();

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    if (flags.has("help")) {
      System.out.println("Usage: benchmarks/bin/soak [--minutes=10] [--sample=5] [--workers=8]");
      return;
    }
    Duration length = Duration.ofSeconds(Math.round(
        Double.parseDouble(flags.string("minutes", "10")) * 60));
    Duration every = Duration.ofSeconds(flags.integer("sample", 5));
    int workers = flags.integer("workers", 8);
    System.exit(new Soak.Run(length, every, workers).call() ? 0 : 1);
  }

  /** One soak run. */
  static final class Run {
    private final Duration length;
    private final Duration every;
    private final int workerCount;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLongArray done = new AtomicLongArray(Kind.values().length);
    private final AtomicLongArray lost = new AtomicLongArray(Kind.values().length);
    private final List<String> lostExamples = new ArrayList<>();
    private final Kind[] wheel;

    Run(Duration length, Duration every, int workers) {
      this.length = length;
      this.every = every;
      this.workerCount = workers;
      List<Kind> kinds = new ArrayList<>();
      for (Kind k : Kind.values()) {
        for (int i = 0; i < k.weight; i++) {
          kinds.add(k);
        }
      }
      this.wheel = kinds.toArray(new Kind[0]);
    }

    boolean call() throws Exception {
      Server server = Server.builder().bind("127.0.0.1", 0)
          .service(new BenchmarkServiceImpl())
          .maxConnectionAge(Duration.ofSeconds(3)).maxConnectionAgeGrace(Duration.ofSeconds(5))
          .build().start();
      String target = "127.0.0.1:" + server.port();
      List<Channel> channels = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        channels.add(Channel.builder(target).build());
      }
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < workerCount; i++) {
        Channel channel = channels.get(i % channels.size());
        Thread t = new Thread(() -> work(channel, target), "soak-worker-" + i);
        t.start();
        threads.add(t);
      }
      SoakSampler sampler = new SoakSampler();
      List<SoakSampler.Sample> samples = new ArrayList<>();
      System.out.println("soak: " + length.toSeconds() + " s of mixed traffic, " + workerCount
          + " workers, a sample every " + every.toSeconds() + " s");
      System.out.println(SoakSampler.Sample.HEADER);
      long start = System.nanoTime();
      long calls = 0;
      // Real time on purpose: a soak measures a process over wall-clock minutes.
      for (long next = start; System.nanoTime() - start < length.toNanos(); ) {
        next += every.toNanos();
        Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
        long total = total(done);
        SoakSampler.Sample s = sampler.sample((System.nanoTime() - start) / 1_000_000_000L,
            total - calls, total(lost));
        calls = total;
        samples.add(s);
        System.out.println(s.row());
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join(30_000);
      }
      for (Channel c : channels) {
        c.close(Duration.ofSeconds(5));
      }
      server.close(Duration.ofSeconds(5));

      System.out.println();
      System.out.println("calls by kind (done / lost):");
      for (Kind k : Kind.values()) {
        System.out.printf("  %-14s %,12d / %d%n", k, done.get(k.ordinal()), lost.get(k.ordinal()));
      }
      synchronized (lostExamples) {
        lostExamples.forEach(e -> System.out.println("  lost: " + e));
      }
      SoakVerdict verdict = SoakVerdict.of(samples);
      System.out.println();
      System.out.println(verdict.table());
      boolean ok = verdict.passed() && total(lost) == 0;
      System.out.println(ok ? "soak: PASS" : "soak: FAIL");
      return ok;
    }

    private static long total(AtomicLongArray counts) {
      long n = 0;
      for (int i = 0; i < counts.length(); i++) {
        n += counts.get(i);
      }
      return n;
    }

    private void work(Channel channel, String target) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (!stop.get()) {
        Kind kind = wheel[random.nextInt(wheel.length)];
        try {
          once(kind, channel, target);
          done.incrementAndGet(kind.ordinal());
        } catch (RuntimeException | AssertionError e) {
          lost.incrementAndGet(kind.ordinal());
          synchronized (lostExamples) {
            if (lostExamples.size() < 10) {
              lostExamples.add(kind + ": " + e);
            }
          }
        }
      }
    }

    /** Makes one call of {@code kind}; throws when it ends other than expected. */
    private static void once(Kind kind, Channel channel, String target) {
      CallOptions options = CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20));
      switch (kind) {
        case UNARY -> ClientCalls.blockingUnary(channel, BenchmarkServiceRpc.UNARY_CALL, options, SMALL);
        case LARGE_UNARY -> {
          int size = ClientCalls.blockingUnary(channel, BenchmarkServiceRpc.UNARY_CALL, options, LARGE)
              .getPayload().getBody().size();
          check(size == 1024 * 1024, "large response of " + size + " bytes");
        }
        case FAILING_UNARY -> expect(Status.Code.INTERNAL, () ->
            ClientCalls.blockingUnary(channel, BenchmarkServiceRpc.UNARY_CALL, options, FAILING));
        case DEADLINE -> expect(Status.Code.DEADLINE_EXCEEDED, () -> {
          try (BlockingCall<SimpleRequest, ?> call = ClientCalls.blockingStreaming(channel,
              BenchmarkServiceRpc.STREAMING_CALL, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(20)))) {
            call.send(SMALL);
            call.read();
            call.read();
          }
        });
        case CANCELLED -> {
          BlockingCall<SimpleRequest, ?> call =
              ClientCalls.blockingStreaming(channel, BenchmarkServiceRpc.STREAMING_CALL, options);
          for (int i = 0; i < 3; i++) {
            call.send(SMALL);
            check(call.read() != null, "ping-pong answer");
          }
          call.cancel("soak: cancelled by the client");
        }
        case SERVER_STREAM -> {
          try (BlockingIterator<?> responses = ClientCalls.blockingServerStreaming(channel,
              BenchmarkServiceRpc.STREAMING_FROM_SERVER, options, SMALL)) {
            for (int i = 0; i < 20; i++) {
              check(responses.hasNext(), "server stream ended early");
              responses.next();
            }
          }
        }
        case CLIENT_STREAM -> {
          BlockingCall<SimpleRequest, ?> call =
              ClientCalls.blockingStreaming(channel, BenchmarkServiceRpc.STREAMING_FROM_CLIENT, options);
          for (int i = 0; i < 10; i++) {
            call.send(SMALL);
          }
          check(call.finish() != null, "client stream answer");
        }
        case PING_PONG -> {
          BlockingCall<SimpleRequest, ?> call =
              ClientCalls.blockingStreaming(channel, BenchmarkServiceRpc.STREAMING_CALL, options);
          for (int i = 0; i < 10; i++) {
            call.send(SMALL);
            check(call.read() != null, "ping-pong answer");
          }
          call.halfClose();
          check(call.read() == null, "ping-pong end");
        }
        case NEW_CHANNEL -> {
          try (Channel fresh = Channel.builder(target).build()) {
            for (int i = 0; i < 5; i++) {
              ClientCalls.blockingUnary(fresh, BenchmarkServiceRpc.UNARY_CALL, options, SMALL);
            }
          }
        }
        default -> throw new AssertionError(kind);
      }
    }

    private static void expect(Status.Code code, Runnable call) {
      try {
        call.run();
      } catch (RuntimeException e) {
        Status status = e instanceof StatusException se ? se.status() : null;
        if (status != null && status.code() == code) {
          return;
        }
        throw e;
      }
      throw new AssertionError("expected " + code + ", the call succeeded");
    }

    private static void check(boolean condition, String what) {
      if (!condition) {
        throw new AssertionError(what);
      }
    }
  }
}
