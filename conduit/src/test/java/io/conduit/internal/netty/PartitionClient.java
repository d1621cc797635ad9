package io.conduit.internal.netty;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Status;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ClientStreamObserver;
import io.conduit.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The client side of {@link PartitionScenario} on Conduit, in a JVM of its own as grpc-java's is
 * ({@code GrpcJavaPartitionClient} in the interop peer module, whose protocol this follows), so
 * that the two are measured alike: round_robin over both backends with the scenario's keepalive
 * settings, {@link PartitionScenario#STREAMS} ping-pong streams sending every 200 ms and
 * {@link PartitionScenario#UNARY_THREADS} threads of unary calls.
 *
 * <p>On standard output {@code READY} once the streams run; on standard input {@code CUT} when
 * the fault begins and {@code HEAL} or {@code END} when it ends; then one {@code RESULT} line of
 * {@code key=value} figures ({@code -1} for what did not happen), {@code status=} last.
 *
 * <p>Arguments: the target, the dead backend's address and the live one's; the backends answer
 * with their own address.
 */
public final class PartitionClient {
  private final ConcurrentHashMap<String, AtomicLong> unaryByBackend = new ConcurrentHashMap<>();
  private final Channel channel;

  private PartitionClient(Channel channel) {
    this.channel = channel;
  }

  /** A ping-pong stream: which backend answers it, and when and how it ended. */
  private static final class PingPong implements StreamObserver<String> {
    volatile String backend;
    volatile long endedAt;
    volatile Status status;
    ClientStreamObserver<String> requests;

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
    String target = args[0];
    String dead = args[1];
    String live = args[2];
    Channel channel = Channel.builder(target)
        .plaintext().loadBalancingPolicy("round_robin")
        .keepAliveTime(PartitionScenario.KEEPALIVE_TIME)
        .keepAliveTimeout(PartitionScenario.KEEPALIVE_TIMEOUT)
        .build();
    try {
      new PartitionClient(channel).run(dead, live);
    } finally {
      channel.close(Duration.ofSeconds(5));
    }
  }

  private void run(String dead, String live) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      // Both backends connected and answering before anything starts.
      for (int i = 0; i < 20 && unaryByBackend.size() < 2; i++) {
        unary(Duration.ofSeconds(5));
      }
      List<PingPong> streams = new ArrayList<>();
      for (int i = 0; i < PartitionScenario.STREAMS; i++) {
        PingPong s = new PingPong();
        s.requests = ClientCalls.asyncBidiStreaming(
            channel, PartitionScenario.PING_PONG, CallOptions.DEFAULT, s);
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
          PartitionScenario.sleep(200);
        }
      });
      AtomicBoolean partitioned = new AtomicBoolean();
      AtomicLong answered = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      LongAccumulator longest = new LongAccumulator(Math::max, 0);
      for (int t = 0; t < PartitionScenario.UNARY_THREADS; t++) {
        threads.execute(() -> {
          while (!stop.get()) {
            long began = System.nanoTime();
            boolean ok = unary(Duration.ofSeconds(30));
            if (partitioned.get()) {
              longest.accumulate(System.nanoTime() - began);
              (ok ? answered : failed).incrementAndGet();
            }
          }
        });
      }
      PartitionScenario.sleep(2000);
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
      while (heal && System.nanoTime() - healed < PartitionScenario.HEAL_BOUND.toNanos()) {
        if (count(dead) > deadCallsBeforeHeal) {
          backAt = System.nanoTime();
          break;
        }
        PartitionScenario.sleep(50);
      }
      stop.set(true);

      boolean allEnded = !onDead.isEmpty() && onDead.stream().allMatch(s -> s.endedAt != 0);
      long detected =
          allEnded ? onDead.stream().mapToLong(s -> s.endedAt).max().orElse(0) - cut : -1;
      boolean unavailable = onDead.stream()
          .allMatch(s -> s.status != null && s.status.code() == Status.Code.UNAVAILABLE);
      boolean liveKept = onLive.stream().allMatch(s -> s.endedAt == 0);
      String status = onDead.stream().filter(s -> s.status != null).findFirst()
          .map(s -> s.status.toString()).orElse("none");
      System.out.println("RESULT library=Conduit transport=" + (EventLoops.EPOLL ? "epoll" : "NIO")
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

  private long count(String backend) {
    AtomicLong n = unaryByBackend.get(backend);
    return n == null ? 0 : n.get();
  }

  private boolean unary(Duration timeout) {
    try {
      String who = ClientCalls.blockingUnary(channel, PartitionScenario.WHO,
          CallOptions.DEFAULT.withTimeout(timeout), "who");
      unaryByBackend.computeIfAbsent(who, k -> new AtomicLong()).incrementAndGet();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
