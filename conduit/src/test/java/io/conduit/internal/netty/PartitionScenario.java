package io.conduit.internal.netty;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ClientStreamObserver;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The partition of {@link PartitionTest}, run in a JVM of its own inside a private network
 * namespace (the test starts it there): two backends behind round_robin, ping-pong streams and
 * unary load on both, then one backend cut off silently in both directions ({@link DeadBackend}),
 * later healed. Prints what it measured and exits 1 when a bound is missed.
 *
 * <p>Real time throughout, on purpose: the subject is the kernel's and the peers' timing over
 * real sockets, and the figures are measurements that are printed, with generous bounds.
 */
public final class PartitionScenario {
  /** The dead backend's address, in a namespace of its own behind a veth pair. */
  static final String DEAD = "10.9.1.2";
  /** This namespace's end of the veth pair. */
  static final String HERE = "10.9.1.1";
  static final String LIVE = "127.0.0.1";
  /** A hardware address nobody has: frames sent to it are dropped by the receiving end. */
  static final String NOBODY = "02:00:00:00:00:99";
  static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
  static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(2);
  /** Keepalive's own path: keepAliveTime without a read, then the PING's timeout, and a margin. */
  static final Duration PING_BOUND = KEEPALIVE_TIME.plus(KEEPALIVE_TIMEOUT.multipliedBy(2));

  /** What happens to the dead backend. */
  enum Fault {
    /**
     * Cut off silently both ways. On epoll TCP_USER_TIMEOUT finds it within the keepalive
     * timeout (twice it passes; without the option it takes 12 s); on NIO only the PING does.
     */
    PARTITION("partition", Duration.ofSeconds(20),
        EventLoops.EPOLL ? KEEPALIVE_TIMEOUT.multipliedBy(2) : PING_BOUND),
    /** SIGSTOP: its kernel still acknowledges, the process answers nothing: the PING finds it. */
    STOP("SIGSTOP", Duration.ofSeconds(20), PING_BOUND),
    /** SIGKILL: its kernel closes the connections, which the client notices at once. */
    KILL("kill -9", Duration.ofSeconds(5), Duration.ofSeconds(2));

    final String label;
    final Duration duration;
    final Duration detectionBound;

    Fault(String label, Duration duration, Duration detectionBound) {
      this.label = label;
      this.duration = duration;
      this.detectionBound = detectionBound;
    }
  }
  static final Duration HEAL_BOUND = Duration.ofSeconds(30);
  static final int STREAMS = 8;
  static final int UNARY_THREADS = 4;

  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> WHO =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Partition/Who", STRING, STRING);
  static final MethodDescriptor<String, String> PING_PONG = MethodDescriptor.of(
      MethodDescriptor.Type.BIDI_STREAMING, "test.Partition/PingPong", STRING, STRING);

  private final long start = System.nanoTime();
  /** When the server of the dead backend saw its last stream cancelled, or 0. */
  private final AtomicLong deadServerStreams = new AtomicLong();
  private volatile Runnable onAllCancelled = () -> {};
  /** The dead backend's open streams, to which it also sends on its own every 200 ms. */
  private final java.util.Set<io.conduit.stub.ServerStreamObserver<String>> pushed =
      ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, AtomicLong> unaryByBackend = new ConcurrentHashMap<>();

  private final Fault fault;

  private PartitionScenario(Fault fault) {
    this.fault = fault;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("backend")) {
      backendMain();
      return;
    }
    Fault fault = args.length > 0 ? Fault.valueOf(args[0]) : Fault.PARTITION;
    System.exit(new PartitionScenario(fault).run() ? 0 : 1);
  }

  /**
   * The dead backend's JVM, in its own network namespace: prints its port, then the time (epoch
   * millis: another process reads it) at which its handlers saw all their streams cancelled, and
   * runs until its standard input closes.
   */
  private static void backendMain() throws Exception {
    PartitionScenario s = new PartitionScenario(Fault.PARTITION);
    Server server = Server.builder().bind("0.0.0.0", 0).service(s.service(DEAD))
        .keepAliveTime(KEEPALIVE_TIME).keepAliveTimeout(KEEPALIVE_TIMEOUT).build().start();
    System.out.println("PORT " + server.port());
    s.onAllCancelled = () -> System.out.println("CANCELLED " + System.currentTimeMillis());
    // A server that sends, as a feed does: its unacknowledged data is what TCP_USER_TIMEOUT
    // times, so it finds the dead client within keepAliveTimeout (an idle one would take
    // keepAliveTime more).
    Thread pusher = new Thread(() -> {
      while (true) {
        for (var out : s.pushed) {
          try {
            synchronized (out) {
              out.onNext(DEAD);
            }
          } catch (RuntimeException cancelled) {
            s.pushed.remove(out);
          }
        }
        sleep(200);
      }
    }, "pusher");
    pusher.setDaemon(true);
    pusher.start();
    while (System.in.read() != -1) {
      // Until the scenario ends.
    }
    server.close(Duration.ofSeconds(5));
  }

  private ServiceDefinition service(String name) {
    boolean dead = name.equals(DEAD);
    return ServiceDefinition.builder("test.Partition")
        .method(WHO, ServerCalls.unary((req, out) -> {
          out.onNext(name);
          out.onCompleted();
        }))
        .method(PING_PONG, ServerCalls.<String, String>bidiStreaming(out -> {
          if (dead) {
            deadServerStreams.incrementAndGet();
            pushed.add(out);
            out.setOnCancelHandler(() -> {
              pushed.remove(out);
              if (deadServerStreams.decrementAndGet() == 0) {
                onAllCancelled.run();
              }
            });
          }
          return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
              try {
                // The dead backend's pusher sends on the same stream: one sender at a time.
                synchronized (out) {
                  out.onNext(name);
                }
              } catch (RuntimeException cancelled) {
                // The call went away meanwhile.
              }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
              out.onCompleted();
            }
          };
        }))
        .build();
  }

  private Server backend(String address) {
    return Server.builder().bind(address, 0).service(service(address))
        .keepAliveTime(KEEPALIVE_TIME).keepAliveTimeout(KEEPALIVE_TIMEOUT)
        .build().start();
  }

  /** A ping-pong stream sending every 200 ms; records which backend answers and how it ends. */
  private final class PingPong implements StreamObserver<String> {
    volatile String backend;
    volatile long failedAt;
    volatile Status status;
    ClientStreamObserver<String> requests;

    @Override
    public void onNext(String value) {
      backend = value;
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      failedAt = System.nanoTime();
    }

    @Override
    public void onCompleted() {
      failedAt = System.nanoTime();
    }
  }

  boolean run() throws Exception {
    DeadBackend dead = DeadBackend.start();
    Server live = backend(LIVE);
    Channel channel = Channel.builder("ipv4:" + DEAD + ":" + dead.port + "," + LIVE + ":" + live.port())
        .plaintext().loadBalancingPolicy("round_robin")
        .keepAliveTime(KEEPALIVE_TIME).keepAliveTimeout(KEEPALIVE_TIMEOUT)
        .build();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newCachedThreadPool();
    List<PingPong> streams = new ArrayList<>();
    try {
      // Both backends connected and answering before anything starts.
      for (int i = 0; i < 20 && unaryByBackend.size() < 2; i++) {
        unary(channel, Duration.ofSeconds(5));
      }
      for (int i = 0; i < STREAMS; i++) {
        PingPong s = new PingPong();
        s.requests = ClientCalls.asyncBidiStreaming(channel, PING_PONG, CallOptions.DEFAULT, s);
        streams.add(s);
      }
      threads.execute(() -> {
        while (!stop.get()) {
          for (PingPong s : streams) {
            if (s.failedAt == 0) {
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
      AtomicLong answered = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      LongAccumulator longest = new LongAccumulator(Math::max, 0);
      AtomicBoolean partitioned = new AtomicBoolean();
      for (int t = 0; t < UNARY_THREADS; t++) {
        threads.execute(() -> {
          while (!stop.get()) {
            long began = System.nanoTime();
            boolean ok = unary(channel, Duration.ofSeconds(30));
            if (partitioned.get()) {
              longest.accumulate(System.nanoTime() - began);
              (ok ? answered : failed).incrementAndGet();
            }
          }
        });
      }
      sleep(2000);
      List<PingPong> onDead = streams.stream().filter(s -> DEAD.equals(s.backend)).toList();
      List<PingPong> onLive = streams.stream().filter(s -> LIVE.equals(s.backend)).toList();
      System.out.println("streams on " + DEAD + ": " + onDead.size() + ", on " + LIVE + ": " + onLive.size());

      long cutMillis = System.currentTimeMillis();
      long cut = System.nanoTime();
      dead.inflict(fault, true);
      partitioned.set(true);
      sleep(fault.duration.toMillis());
      partitioned.set(false);
      long deadCallsBeforeHeal = unaryByBackend.get(DEAD).get();
      dead.inflict(fault, false);
      long healed = System.nanoTime();
      long backAt = 0;
      while (fault != Fault.KILL && System.nanoTime() - healed < HEAL_BOUND.toNanos()) {
        if (unaryByBackend.get(DEAD).get() > deadCallsBeforeHeal) {
          backAt = System.nanoTime();
          break;
        }
        sleep(50);
      }
      stop.set(true);

      long detected = onDead.stream().mapToLong(s -> s.failedAt).max().orElse(0);
      boolean allFailed = !onDead.isEmpty() && onDead.stream().allMatch(s -> s.failedAt != 0);
      boolean unavailable = onDead.stream().allMatch(
          s -> s.status != null && s.status.code() == Status.Code.UNAVAILABLE);
      boolean liveKept = onLive.stream().allMatch(s -> s.failedAt == 0);
      long serverSawMillis = dead.cancelledAtMillis;
      long serverSaw = serverSawMillis == 0 ? 0 : cut + TimeUnit.MILLISECONDS.toNanos(serverSawMillis - cutMillis);
      System.out.println();
      String during = fault.duration.toSeconds() + " s " + fault.label;
      System.out.println("| " + fault.label + " of one of two backends (keepAliveTime " + KEEPALIVE_TIME.toSeconds()
          + " s, keepAliveTimeout " + KEEPALIVE_TIMEOUT.toSeconds() + " s) | Conduit on "
          + (EventLoops.EPOLL ? "epoll" : "NIO") + " |");
      System.out.println("|---|---:|");
      row("streams on the dead backend fail (UNAVAILABLE) after",
          allFailed ? seconds(detected - cut) : "not within " + during);
      if (fault == Fault.PARTITION) {
        row("the dead backend's server cancels its streams after",
            serverSaw != 0 ? seconds(serverSaw - cut) : "not within " + during);
      }
      row("longest unary call during the " + during, seconds(longest.get()));
      row("unary calls answered during the " + during + " (" + UNARY_THREADS + " threads)",
          String.format(Locale.ROOT, "%,d", answered.get()));
      row("unary calls failed during the " + during, Long.toString(failed.get()));
      if (fault != Fault.KILL) {
        row("healed backend answers again after", backAt != 0 ? seconds(backAt - healed)
            : "not within " + HEAL_BOUND.toSeconds() + " s");
      }
      onDead.stream().filter(s -> s.status != null).findFirst()
          .ifPresent(s -> System.out.println("\nstatus of a stream on the dead backend: " + s.status));

      List<String> missed = new ArrayList<>();
      if (onDead.isEmpty() || onLive.isEmpty()) {
        missed.add("round_robin did not put streams on both backends");
      }
      if (!allFailed || detected - cut > fault.detectionBound.toNanos()) {
        missed.add("the dead backend's streams did not fail within "
            + fault.detectionBound.toMillis() + " ms");
      }
      if (failed.get() > UNARY_THREADS) {
        missed.add(failed.get() + " unary calls failed: more than the " + UNARY_THREADS
            + " that can be in flight on the dead backend when it goes");
      }
      if (!unavailable) {
        missed.add("a stream on the dead backend ended other than UNAVAILABLE");
      }
      if (!liveKept) {
        missed.add("a stream on the live backend ended");
      }
      if (fault == Fault.PARTITION
          && (serverSaw == 0 || serverSaw - cut > fault.detectionBound.toNanos())) {
        missed.add("the dead backend's server did not see its streams cancelled within "
            + fault.detectionBound.toMillis() + " ms");
      }
      if (fault != Fault.KILL && backAt == 0) {
        missed.add("the healed backend got no call within " + HEAL_BOUND.toSeconds() + " s");
      }
      missed.forEach(m -> System.out.println("MISSED: " + m));
      return missed.isEmpty();
    } finally {
      stop.set(true);
      threads.shutdownNow();
      channel.close(Duration.ofSeconds(5));
      dead.close();
      live.close(Duration.ofSeconds(5));
      threads.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The dead backend: a JVM in a network namespace of its own ({@code unshare -n}), joined to
   * this one by a veth pair. The partition points each end's neighbour entry for the other at a
   * hardware address nobody has, so every frame either way is dropped on arrival, silently: no
   * error reaches either kernel's sockets, as in a real partition.
   */
  static final class DeadBackend {
    final Process process;
    final String pid;
    final int port;
    volatile long cancelledAtMillis;

    private DeadBackend(Process process, int port) {
      this.process = process;
      this.pid = Long.toString(process.pid());
      this.port = port;
    }

    static DeadBackend start() throws IOException, InterruptedException {
      String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      // lo up before the JVM starts: Netty looks for a loopback interface once, at start-up.
      Process p = new ProcessBuilder("unshare", "-n", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\"",
          javaBin, "-Xmx128m", "-Dio.conduit.transport=" + (EventLoops.EPOLL ? "epoll" : "nio"),
          "-cp", System.getProperty("java.class.path"), PartitionScenario.class.getName(), "backend")
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      if (line == null || !line.startsWith("PORT ")) {
        p.destroyForcibly();
        throw new IOException("the dead backend did not start: " + line);
      }
      DeadBackend b = new DeadBackend(p, Integer.parseInt(line.substring(5).trim()));
      Thread reader = new Thread(() -> {
        try {
          for (String l; (l = out.readLine()) != null; ) {
            if (l.startsWith("CANCELLED ")) {
              b.cancelledAtMillis = Long.parseLong(l.substring(10).trim());
            }
          }
        } catch (IOException gone) {
          // The backend ended.
        }
      }, "dead-backend-output");
      reader.setDaemon(true);
      reader.start();
      // unshare and sh have exec'd java: the process is the backend itself, in its namespace.
      run("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", b.pid);
      run("ip", "addr", "add", HERE + "/24", "dev", "v0");
      run("ip", "link", "set", "v0", "up");
      b.there("ip", "addr", "add", DEAD + "/24", "dev", "v1");
      b.there("ip", "link", "set", "v1", "up");
      return b;
    }

    /** Runs a command in the backend's network namespace. */
    void there(String... cmd) throws IOException, InterruptedException {
      List<String> all = new ArrayList<>(List.of("nsenter", "-t", pid, "-n"));
      all.addAll(List.of(cmd));
      run(all.toArray(String[]::new));
    }

    /** Starts ({@code on}) or ends the fault; a killed backend stays dead. */
    void inflict(Fault fault, boolean on) throws IOException, InterruptedException {
      switch (fault) {
        case PARTITION -> partition(on);
        case STOP -> run("kill", on ? "-STOP" : "-CONT", pid);
        case KILL -> {
          if (on) {
            run("kill", "-KILL", pid);
          }
        }
      }
    }

    void partition(boolean cut) throws IOException, InterruptedException {
      if (cut) {
        run("ip", "neigh", "replace", DEAD, "dev", "v0", "lladdr", NOBODY, "nud", "permanent");
        there("ip", "neigh", "replace", HERE, "dev", "v1", "lladdr", NOBODY, "nud", "permanent");
      } else {
        run("ip", "neigh", "del", DEAD, "dev", "v0");
        there("ip", "neigh", "del", HERE, "dev", "v1");
      }
    }

    void close() throws IOException, InterruptedException {
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private boolean unary(Channel channel, Duration timeout) {
    try {
      String who = ClientCalls.blockingUnary(channel, WHO, CallOptions.DEFAULT.withTimeout(timeout), "who");
      unaryByBackend.computeIfAbsent(who, k -> new AtomicLong()).incrementAndGet();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void row(String what, String value) {
    System.out.println("| " + what + " | " + value + " |");
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  static void run(String... args) throws IOException, InterruptedException {
    List<String> cmd = List.of(args);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + String.join(" ", cmd));
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
