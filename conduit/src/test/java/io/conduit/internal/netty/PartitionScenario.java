package io.conduit.internal.netty;

import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;

/**
 * The partition of {@link PartitionTest}, run in a JVM of its own inside a private network
 * namespace ({@link #runInNamespace} starts it there): two backends behind round_robin, ping-pong
 * streams and unary load on both, then one backend cut off silently in both directions
 * ({@link DeadBackend}), later healed. Prints what it measured and exits 1 when a bound is missed.
 *
 * <p>The client runs in a JVM of its own in the same namespace: Conduit's ({@link
 * PartitionClient}) or, given grpc-java's class path, grpc-java's ({@code GrpcJavaPartitionClient}
 * of the interop peer module), against the same Conduit backends with the same settings and the
 * same protocol, so that the interop module's {@code GrpcJavaPartitionTest} measures grpc-java as
 * {@link PartitionTest} measures Conduit, for the comparison in the README.
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
  public enum Fault {
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

  /** The Netty leak detection level of the scenario's JVMs (default paranoid). */
  public static final String LEAK_DETECTION_PROPERTY = "conduit.partition.leakDetection";
  /** The grpc-java client's program, in the interop peer module. */
  static final String GRPC_JAVA_CLIENT = "io.conduit.interop.peer.GrpcJavaPartitionClient";

  private final Fault fault;
  /** grpc-java's class path with the peer's programs, to measure grpc-java's client; or null. */
  private final String grpcJavaClasspath;
  private volatile long cutMillis;
  private volatile long cutNanos;

  private PartitionScenario(Fault fault, String grpcJavaClasspath) {
    this.fault = fault;
    this.grpcJavaClasspath = grpcJavaClasspath;
  }

  /** Arguments: {@code backend}, or the {@link Fault} and optionally grpc-java's class path. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("backend")) {
      backendMain();
      return;
    }
    Fault fault = args.length > 0 ? Fault.valueOf(args[0]) : Fault.PARTITION;
    String grpcJava = args.length > 1 ? args[1] : null;
    System.exit(new PartitionScenario(fault, grpcJava).run() ? 0 : 1);
  }

  /** A finished scenario: its exit code (0 when every bound was met) and everything it printed. */
  public record Outcome(int exitCode, String output) {}

  /**
   * Runs the scenario in a JVM of its own inside a new network namespace, on this JVM's class
   * path. Where namespaces cannot be made it fails under CI ({@code CI=true}) and is skipped
   * elsewhere, saying why.
   *
   * @param transport {@code epoll} or {@code nio}, for Conduit's side
   * @param fault what happens to the dead backend
   * @param grpcJavaClasspath grpc-java's class path with the interop peer's programs, to measure
   *     grpc-java's client instead of Conduit's; or {@code null}
   * @return the outcome
   * @throws Exception when the JVM cannot be run
   */
  public static Outcome runInNamespace(String transport, Fault fault, String grpcJavaClasspath)
      throws Exception {
    String setup = "ip link set lo up";
    String probe = probe(setup + " && ip link add v0 type veth peer name v1 && command -v nsenter");
    if (probe != null) {
      String why = "cannot make a private network namespace (unshare -n, which needs root or user "
          + "namespaces, iproute2 with veth, and nsenter): " + probe;
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // Paranoid leak detection, as in every test, unless a run for figures asks otherwise: it
    // records every buffer access, which costs Conduit's client throughput that grpc-java's
    // (its own shaded Netty, sampling) does not pay.
    String leakDetection = System.getProperty(LEAK_DETECTION_PROPERTY, "paranoid");
    List<String> cmd = new ArrayList<>(List.of("unshare", "-n", "sh", "-c",
        setup + " && exec \"$0\" \"$@\"", java, "-Xmx256m",
        "-Dio.conduit.transport=" + transport, "-cp", System.getProperty("java.class.path"),
        "-Dio.netty.leakDetection.level=" + leakDetection,
        PartitionScenario.class.getName(), fault.name()));
    if (grpcJavaClasspath != null) {
      cmd.add(grpcJavaClasspath);
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    System.out.println(out);
    return new Outcome(p.exitValue(), out);
  }

  /** Null when a namespace with {@code setup} can be made, else what went wrong. */
  private static String probe(String setup) throws InterruptedException {
    try {
      Process p = new ProcessBuilder("unshare", "-n", "sh", "-c", setup)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /**
   * The dead backend's JVM, in its own network namespace: prints its port, then the time (epoch
   * millis: another process reads it) at which its handlers saw all their streams cancelled, and
   * runs until its standard input closes.
   */
  private static void backendMain() throws Exception {
    PartitionScenario s = new PartitionScenario(Fault.PARTITION, null);
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

  /** What a client measured of the fault; -1 for what did not happen. */
  record Measured(String client, int onDead, int onLive, long detectedNanos, boolean unavailable,
      boolean liveKept, long longestNanos, long answered, long failed, long backNanos,
      String deadStatus) {
    /** Reads a client's {@code RESULT key=value ... status=...} line. */
    static Measured parse(String line) {
      Map<String, String> v = new HashMap<>();
      String rest = line.substring("RESULT ".length());
      int status = rest.indexOf(" status=");
      v.put("status", rest.substring(status + " status=".length()));
      for (String kv : rest.substring(0, status).split(" ")) {
        int eq = kv.indexOf('=');
        v.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      String version = v.containsKey("version") ? " " + v.get("version") : "";
      return new Measured(v.get("library") + version + " on " + v.get("transport"),
          Integer.parseInt(v.get("on_dead")), Integer.parseInt(v.get("on_live")),
          Long.parseLong(v.get("detected_nanos")), Boolean.parseBoolean(v.get("unavailable")),
          Boolean.parseBoolean(v.get("live_kept")), Long.parseLong(v.get("longest_nanos")),
          Long.parseLong(v.get("answered")), Long.parseLong(v.get("failed")),
          Long.parseLong(v.get("back_nanos")), v.get("status"));
    }
  }

  boolean run() throws Exception {
    DeadBackend dead = DeadBackend.start();
    Server live = backend(LIVE);
    String target = "ipv4:" + DEAD + ":" + dead.port + "," + LIVE + ":" + live.port();
    try {
      Measured m = client(target, dead);
      return report(m, dead);
    } finally {
      dead.close();
      live.close(Duration.ofSeconds(5));
    }
  }

  /** Starts the fault, noting when. */
  private void cut(DeadBackend dead) throws IOException, InterruptedException {
    cutMillis = System.currentTimeMillis();
    cutNanos = System.nanoTime();
    dead.inflict(fault, true);
  }

  /**
   * The client, Conduit's ({@link PartitionClient}) or grpc-java's, in a JVM of its own in this
   * namespace, driven over its standard input: it prints READY once its streams run, hears CUT
   * just before the fault and HEAL (END for a backend that stays dead) once it is over, and
   * prints its RESULT line. Conduit's runs on this JVM's transport and leak detection level.
   */
  private Measured client(String target, DeadBackend dead) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = grpcJavaClasspath != null
        ? List.of(javaBin, "-Xmx256m", "-cp", grpcJavaClasspath, GRPC_JAVA_CLIENT,
            "--target=" + target, "--dead=" + DEAD, "--live=" + LIVE)
        : List.of(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
            "-Dio.conduit.transport=" + (EventLoops.EPOLL ? "epoll" : "nio"),
            "-Dio.netty.leakDetection.level="
                + System.getProperty("io.netty.leakDetection.level", "simple"),
            PartitionClient.class.getName(), target, DEAD, LIVE);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (BufferedReader out = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
      lineStartingWith(out, "READY");
      in.write("CUT\n");
      in.flush();
      cut(dead);
      sleep(fault.duration.toMillis());
      dead.inflict(fault, false);
      in.write(fault == Fault.KILL ? "END\n" : "HEAL\n");
      in.flush();
      return Measured.parse(lineStartingWith(out, "RESULT "));
    } finally {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /** Reads up to the line that starts with {@code prefix}, passing the others on. */
  private static String lineStartingWith(BufferedReader out, String prefix) throws IOException {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith(prefix)) {
        return line;
      }
      System.out.println(line);
    }
    throw new IOException("the partition client ended before it printed " + prefix);
  }

  /** Prints the table of {@code m} and returns whether it met the bounds. */
  private boolean report(Measured m, DeadBackend dead) {
    System.out.println(
        "streams on " + DEAD + ": " + m.onDead() + ", on " + LIVE + ": " + m.onLive());
    long serverSawMillis = dead.cancelledAtMillis;
    long serverSaw =
        serverSawMillis == 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(serverSawMillis - cutMillis);
    System.out.println();
    String during = fault.duration.toSeconds() + " s " + fault.label;
    System.out.println("| " + fault.label + " of one of two backends (keepAliveTime "
        + KEEPALIVE_TIME.toSeconds() + " s, keepAliveTimeout " + KEEPALIVE_TIMEOUT.toSeconds()
        + " s) | " + m.client() + " |");
    System.out.println("|---|---:|");
    row("streams on the dead backend fail (UNAVAILABLE) after",
        m.detectedNanos() >= 0 ? seconds(m.detectedNanos()) : "not within " + during);
    if (fault == Fault.PARTITION) {
      row("the dead backend's server (Conduit) cancels its streams after",
          serverSaw >= 0 ? seconds(serverSaw) : "not within " + during);
    }
    row("longest unary call during the " + during, seconds(m.longestNanos()));
    row("unary calls answered during the " + during + " (" + UNARY_THREADS + " threads)",
        String.format(Locale.ROOT, "%,d", m.answered()));
    row("unary calls failed during the " + during, Long.toString(m.failed()));
    if (fault != Fault.KILL) {
      row("healed backend answers again after", m.backNanos() >= 0 ? seconds(m.backNanos())
          : "not within " + HEAL_BOUND.toSeconds() + " s");
    }
    System.out.println("\nstatus of a stream on the dead backend: " + m.deadStatus());

    List<String> missed = new ArrayList<>();
    if (m.onDead() == 0 || m.onLive() == 0) {
      missed.add("round_robin did not put streams on both backends");
    }
    if (fault == Fault.PARTITION
        && (serverSaw < 0 || serverSaw > fault.detectionBound.toNanos())) {
      missed.add("the dead backend's server did not see its streams cancelled within "
          + fault.detectionBound.toMillis() + " ms");
    }
    // The bounds are Conduit's promises; grpc-java's figures are only measured.
    if (grpcJavaClasspath == null) {
      if (m.detectedNanos() < 0 || m.detectedNanos() > fault.detectionBound.toNanos()) {
        missed.add("the dead backend's streams did not fail within "
            + fault.detectionBound.toMillis() + " ms");
      }
      if (m.failed() > UNARY_THREADS) {
        missed.add(m.failed() + " unary calls failed: more than the " + UNARY_THREADS
            + " that can be in flight on the dead backend when it goes");
      }
      if (!m.unavailable()) {
        missed.add("a stream on the dead backend ended other than UNAVAILABLE");
      }
      if (!m.liveKept()) {
        missed.add("a stream on the live backend ended");
      }
      if (fault != Fault.KILL && m.backNanos() < 0) {
        missed.add("the healed backend got no call within " + HEAL_BOUND.toSeconds() + " s");
      }
    }
    missed.forEach(x -> System.out.println("MISSED: " + x));
    return missed.isEmpty();
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

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
