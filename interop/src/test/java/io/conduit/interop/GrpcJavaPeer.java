package io.conduit.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs grpc-java programs in JVMs of their own, on the classpath the
 * {@code conduit-interop-grpc-java-peer} module resolved at build time, plus that module's own
 * programs: grpc-java needs Netty 4.1 and has its own classes for the grpc.testing messages, so it
 * cannot share this JVM.
 */
final class GrpcJavaPeer {
  static final String CLASSPATH_FILE_PROPERTY = "conduit.interop.grpcJavaClasspathFile";
  static final String PEER_CLASSES_PROPERTY = "conduit.interop.grpcJavaPeerClasses";
  static final String CLIENT_CLASS = "io.grpc.testing.integration.TestServiceClient";
  static final String SERVER_CLASS = "io.grpc.testing.integration.TestServiceServer";
  /** The peer module's client: unary calls over a target's backends, counted per server_id. */
  static final String LB_CLIENT_CLASS = "io.conduit.interop.peer.GrpcJavaLbClient";
  /** The peer module's server that fills server_id. */
  static final String ID_SERVER_CLASS = "io.conduit.interop.peer.GrpcJavaIdServer";
  /** The peer module's grpc.health.v1 client: Check and Watch. */
  static final String HEALTH_CLIENT_CLASS = "io.conduit.interop.peer.GrpcJavaHealthClient";
  /** The peer module's server with grpc-java's reflection services beside the interop ones. */
  static final String REFLECTION_SERVER_CLASS = "io.conduit.interop.peer.GrpcJavaReflectionServer";
  /** The peer module's client that sends keepalive pings every second. */
  static final String KEEPALIVE_CLIENT_CLASS = "io.conduit.interop.peer.GrpcJavaKeepAliveClient";
  /** The peer module's server whose calls fail with details through grpc-java's StatusProto. */
  static final String RICH_ERROR_SERVER_CLASS = "io.conduit.interop.peer.GrpcJavaRichErrorServer";
  /** The peer module's client that prints the details grpc-java's StatusProto reads. */
  static final String RICH_ERROR_CLIENT_CLASS = "io.conduit.interop.peer.GrpcJavaRichErrorClient";
  /** The peer module's xDS client for the churn and circuit-breaking scenarios. */
  static final String XDS_CLIENT_CLASS = "io.conduit.interop.peer.GrpcJavaXdsClient";
  /** The peer module's xDS management server: java-control-plane, driven through stdin. */
  static final String XDS_CONTROL_PLANE_CLASS = "io.conduit.interop.peer.XdsControlPlane";

  private GrpcJavaPeer() {}

  /** The result of a finished process: its exit code and its output (stdout and stderr). */
  record Result(int exitCode, String output) {}

  /** The peer module's classes, then grpc-java's runtime classpath. */
  static String classpath() {
    String classes = System.getProperty(PEER_CLASSES_PROPERTY);
    if (classes == null) {
      throw new IllegalStateException("system property " + PEER_CLASSES_PROPERTY
          + " is not set; run the tests through Maven (mvn verify)");
    }
    if (!Files.isDirectory(Path.of(classes, "io", "conduit", "interop", "peer"))) {
      throw new IllegalStateException("the grpc-java peer module's classes are missing from "
          + classes + ": build it first (mvn verify -pl interop/grpc-java-peer,interop)");
    }
    return classes + java.io.File.pathSeparator + grpcJavaClasspath();
  }

  /** grpc-java's runtime classpath, as written by the peer module. */
  private static String grpcJavaClasspath() {
    String file = System.getProperty(CLASSPATH_FILE_PROPERTY);
    if (file == null) {
      throw new IllegalStateException("system property " + CLASSPATH_FILE_PROPERTY
          + " is not set; run the tests through Maven (mvn verify)");
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException("grpc-java classpath file " + path + " is missing: build the "
          + "peer module first (mvn verify from the repository root, or -pl interop -am)");
    }
    try {
      return Files.readString(path, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts {@code mainClass} with {@code args}; its output goes to {@code log}. */
  static Process start(String mainClass, List<String> args, Path log) throws IOException {
    return start(mainClass, args, log, java.util.Map.of());
  }

  /** Starts {@code mainClass} with {@code args} and these environment variables besides ours. */
  static Process start(String mainClass, List<String> args, Path log,
      java.util.Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Short-lived JVMs: start fast rather than optimize.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(classpath());
    command.add(mainClass);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Runs grpc-java's interop client for one test case against {@code 127.0.0.1:port}. */
  static Result runClient(int port, String testCase, Duration timeout) throws Exception {
    return run(CLIENT_CLASS, List.of("--server_host=127.0.0.1", "--server_port=" + port,
        "--use_tls=false", "--test_case=" + testCase), timeout);
  }

  /** Runs {@code mainClass} to its end, or kills it after {@code timeout}. */
  static Result run(String mainClass, List<String> args, Duration timeout) throws Exception {
    return run(mainClass, args, timeout, java.util.Map.of());
  }

  /** Runs {@code mainClass} with these environment variables to its end, or kills it. */
  static Result run(String mainClass, List<String> args, Duration timeout,
      java.util.Map<String, String> env) throws Exception {
    String name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
    Path log = Files.createTempFile("grpc-java-" + name + "-", ".log");
    try {
      Process p = start(mainClass, args, log, env);
      boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return new Result(-1, "(killed after " + timeout.toSeconds() + " s)\n" + read(log));
      }
      return new Result(p.exitValue(), read(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** A running {@code GrpcJavaIdServer}: its process, its output, and where it listens. */
  record IdServer(String serverId, Process process, Path log, InetSocketAddress address)
      implements AutoCloseable {
    /** SIGTERM (then SIGKILL), and the log goes. */
    @Override
    public void close() throws IOException {
      new Listening(process, log, address).close();
    }
  }

  /** A running peer program that reported where it listens: its process, its output, its address. */
  record Listening(Process process, Path log, InetSocketAddress address) implements AutoCloseable {
    /** SIGTERM (then SIGKILL), and the log goes. */
    @Override
    public void close() throws IOException {
      try {
        stop(process);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      Files.deleteIfExists(log);
    }
  }

  /**
   * Starts a Conduit peer program that prints {@code NAME listening on ADDRESS:PORT} once it
   * serves, and waits until it does.
   */
  static Listening startListening(String mainClass, List<String> args, Duration timeout)
      throws IOException, InterruptedException {
    String name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
    Pattern listening = Pattern.compile(name + " listening on ([0-9.]+):(\\d+)");
    Path log = Files.createTempFile("grpc-java-" + name + "-", ".log");
    Process process = start(mainClass, args, log);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        Matcher m = listening.matcher(read(log));
        if (m.find()) {
          return new Listening(process, log,
              new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))));
        }
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited with " + process.exitValue()
              + " before listening:\n" + read(log));
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(name + " not listening after "
              + timeout.toSeconds() + " s:\n" + read(log));
        }
        Thread.sleep(50);
      }
    } catch (RuntimeException | InterruptedException e) {
      stop(process);
      Files.deleteIfExists(log);
      throw e;
    }
  }

  /**
   * Starts a {@code GrpcJavaIdServer} on {@code address} and an ephemeral port, and waits until it
   * reports where it listens.
   */
  static IdServer startIdServer(String address, String serverId, Duration timeout)
      throws IOException, InterruptedException {
    Listening server = startListening(ID_SERVER_CLASS,
        List.of("--address=" + address, "--port=0", "--server_id=" + serverId), timeout);
    return new IdServer(serverId, server.process(), server.log(), server.address());
  }

  static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(could not read " + log + ": " + e + ")";
    }
  }

  /** Waits until {@code process} has written {@code line} to {@code log}, or fails. */
  static void awaitOutput(Process process, Path log, String line, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!GrpcJavaPeer.read(log).contains(line)) {
      if (!process.isAlive()) {
        throw new AssertionError("exited with " + process.exitValue() + " before printing '"
            + line + "':\n" + GrpcJavaPeer.read(log));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no '" + line + "' after " + timeout.toSeconds() + " s:\n"
            + GrpcJavaPeer.read(log));
      }
      Thread.sleep(50);
    }
  }

  /** A port that was free a moment ago on the loopback interface. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    }
  }

  /** Waits until something accepts connections on {@code 127.0.0.1:port}, or fails. */
  static void awaitListening(Process process, int port, Duration timeout, Path log)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("grpc-java server exited with " + process.exitValue()
            + " before listening:\n" + read(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("grpc-java server not listening on port " + port + " after "
        + timeout.toSeconds() + " s:\n" + read(log));
  }

  /** Stops a process with SIGTERM, then SIGKILL if it lingers. */
  static void stop(Process process) throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
