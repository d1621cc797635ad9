package io.conduit.interop.peer;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelProvider;
import io.grpc.MethodDescriptor;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The client side of Conduit's partition scenario ({@code PartitionScenario} in the conduit
 * module's tests) on grpc-java, so that both libraries are measured against the same backends
 * with the same settings: round_robin over a dead-to-be and a live backend, keepalive 10 s with a
 * 2 s timeout, 8 ping-pong streams sending every 200 ms and 4 threads of unary calls.
 *
 * <p>The scenario drives it over standard input and output. Once the streams run it prints
 * {@code READY}; it reads {@code CUT} when the fault begins and {@code HEAL} (or {@code END},
 * for a backend that stays dead) when it ends, waits up to 30 s for the healed backend to answer
 * a unary call, and prints one line of what it measured:
 *
 * <pre>
 * RESULT library=grpc-java version=1.79.0 transport=epoll on_dead=4 on_live=4
 *     detected_nanos=2290000000 unavailable=true
 *     live_kept=true longest_nanos=2250000000 answered=46122 failed=0 back_nanos=310000000
 *     status=UNAVAILABLE: ...
 * </pre>
 *
 * <p>(on one line; {@code -1} for what did not happen). The backends answer both methods with
 * their own address, as {@code --dead} and {@code --live} name them. Exit 2 for a bad command
 * line.
 */
public final class GrpcJavaPartitionClient {
  private static final String PROGRAM = "GrpcJavaPartitionClient";
  private static final int STREAMS = 8;
  private static final int UNARY_THREADS = 4;
  private static final long HEAL_BOUND_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final MethodDescriptor.Marshaller<String> STRING =
      new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<String, String> WHO =
      method(MethodDescriptor.MethodType.UNARY, "test.Partition/Who");
  private static final MethodDescriptor<String, String> PING_PONG =
      method(MethodDescriptor.MethodType.BIDI_STREAMING, "test.Partition/PingPong");

  private final ConcurrentHashMap<String, AtomicLong> unaryByBackend = new ConcurrentHashMap<>();
  private final ManagedChannel channel;

  private GrpcJavaPartitionClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** A ping-pong stream: which backend answers it, and when and how it ended. */
  private static final class PingPong implements StreamObserver<String> {
    volatile String backend;
    volatile long endedAt;
    volatile Status status;
    StreamObserver<String> requests;

    @Override
    public void onNext(String value) {
      backend = value;
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      endedAt = System.nanoTime();
    }

    @Override
    public void onCompleted() {
      endedAt = System.nanoTime();
    }
  }

  public static void main(String[] args) throws Exception {
    PeerFlags flags = PeerFlags.parse(PROGRAM, args, Set.of("target", "dead", "live"));
    String target = flags.required("target");
    String dead = flags.required("dead");
    String live = flags.required("live");
    NameResolverRegistry.getDefaultRegistry().register(new StaticAddressResolverProvider("ipv4"));
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .defaultLoadBalancingPolicy("round_robin")
        .keepAliveTime(10, TimeUnit.SECONDS)
        .keepAliveTimeout(2, TimeUnit.SECONDS)
        .build();
    try {
      new GrpcJavaPartitionClient(channel).run(dead, live);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void run(String dead, String live) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      for (int i = 0; i < 20 && unaryByBackend.size() < 2; i++) {
        unary(5);
      }
      List<PingPong> streams = new ArrayList<>();
      for (int i = 0; i < STREAMS; i++) {
        PingPong s = new PingPong();
        s.requests = ClientCalls.asyncBidiStreamingCall(
            channel.newCall(PING_PONG, CallOptions.DEFAULT), s);
        streams.add(s);
      }
      threads.execute(() -> {
        while (!stop.get()) {
          for (PingPong s : streams) {
            if (s.endedAt == 0) {
              try {
                s.requests.onNext("ping");
              } catch (RuntimeException ended) {
                // The stream failed; onError says how.
              }
            }
          }
          sleep(200);
        }
      });
      AtomicBoolean partitioned = new AtomicBoolean();
      AtomicLong answered = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      LongAccumulator longest = new LongAccumulator(Math::max, 0);
      for (int t = 0; t < UNARY_THREADS; t++) {
        threads.execute(() -> {
          while (!stop.get()) {
            long began = System.nanoTime();
            boolean ok = unary(30);
            if (partitioned.get()) {
              longest.accumulate(System.nanoTime() - began);
              (ok ? answered : failed).incrementAndGet();
            }
          }
        });
      }
      sleep(2000);
      List<PingPong> onDead = streams.stream().filter(s -> dead.equals(s.backend)).toList();
      List<PingPong> onLive = streams.stream().filter(s -> live.equals(s.backend)).toList();
      System.out.println("READY");
      expect(in, "CUT");
      long cut = System.nanoTime();
      partitioned.set(true);
      boolean heal = expect(in, "HEAL", "END").equals("HEAL");
      partitioned.set(false);
      long deadCallsBeforeHeal = count(dead);
      long healed = System.nanoTime();
      long backAt = 0;
      while (heal && System.nanoTime() - healed < HEAL_BOUND_NANOS) {
        if (count(dead) > deadCallsBeforeHeal) {
          backAt = System.nanoTime();
          break;
        }
        sleep(50);
      }
      stop.set(true);

      boolean allEnded = !onDead.isEmpty() && onDead.stream().allMatch(s -> s.endedAt != 0);
      long detected =
          allEnded ? onDead.stream().mapToLong(s -> s.endedAt).max().orElse(0) - cut : -1;
      boolean unavailable = onDead.stream()
          .allMatch(s -> s.status != null && s.status.getCode() == Status.Code.UNAVAILABLE);
      boolean liveKept = onLive.stream().allMatch(s -> s.endedAt == 0);
      String status = onDead.stream().filter(s -> s.status != null).findFirst()
          .map(s -> s.status.getCode() + ": " + s.status.getDescription()
              + (s.status.getCause() == null ? "" : " (" + s.status.getCause() + ")"))
          .orElse("none");
      System.out.println("RESULT library=grpc-java version="
          + Grpc.class.getPackage().getImplementationVersion()
          + " transport=" + (epollAvailable() ? "epoll" : "NIO")
          + " on_dead=" + onDead.size() + " on_live=" + onLive.size()
          + " detected_nanos=" + detected + " unavailable=" + unavailable
          + " live_kept=" + liveKept
          + " longest_nanos=" + longest.get() + " answered=" + answered.get()
          + " failed=" + failed.get() + " back_nanos=" + (backAt == 0 ? -1 : backAt - healed)
          + " status=" + status.replace('\n', ' '));
    } finally {
      stop.set(true);
      threads.shutdownNow();
      threads.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static MethodDescriptor<String, String> method(
      MethodDescriptor.MethodType type, String fullName) {
    return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName(fullName)
        .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
  }

  /** Reads the next line, which must be one of {@code words}. */
  private static String expect(BufferedReader in, String... words) throws IOException {
    String line = in.readLine();
    for (String w : words) {
      if (w.equals(line)) {
        return w;
      }
    }
    throw new IOException(
        "expected " + String.join(" or ", words) + " on standard input, got " + line);
  }

  /**
   * Whether the Netty of grpc-java's channel provider (grpc-netty-shaded, which bundles epoll,
   * or grpc-netty) runs on epoll, and so sets TCP_USER_TIMEOUT, as on Linux.
   */
  private static boolean epollAvailable() {
    boolean shaded = ManagedChannelProvider.provider().getClass().getName().contains(".shaded.");
    String epoll = (shaded ? "io.grpc.netty.shaded." : "") + "io.netty.channel.epoll.Epoll";
    try {
      return (Boolean) Class.forName(epoll).getMethod("isAvailable").invoke(null);
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  private long count(String backend) {
    AtomicLong n = unaryByBackend.get(backend);
    return n == null ? 0 : n.get();
  }

  private boolean unary(int timeoutSeconds) {
    try {
      String who = ClientCalls.blockingUnaryCall(channel, WHO,
          CallOptions.DEFAULT.withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS), "who");
      unaryByBackend.computeIfAbsent(who, k -> new AtomicLong()).incrementAndGet();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
