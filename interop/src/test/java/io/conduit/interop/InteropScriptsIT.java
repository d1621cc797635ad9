package io.conduit.interop;

import io.grpc.testing.integration.TestServiceRpc;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * interop/bin/server and interop/bin/client as a user runs them after {@code mvn package}: one
 * JVM per script (exec), cases pass, SIGTERM drains in-flight calls and stops the server.
 */
@Timeout(120)
class InteropScriptsIT {
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  private final Path bin = Path.of(System.getProperty("conduit.interop.binDir", "bin"));
  private Process server;
  private Path serverOut;
  private Path serverErr;
  private int port;

  @BeforeEach
  void startServer() throws Exception {
    serverOut = Files.createTempFile("interop-server-", ".out");
    serverErr = Files.createTempFile("interop-server-", ".err");
    server = startServerScript(serverOut, serverErr, "--port=0", "--use_tls=false");
    port = awaitPort(server, serverOut, serverErr);
  }

  private Process startServerScript(Path out, Path err, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(bin.resolve("server").toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }

  /** The port bin/server reports on stdout once it listens. */
  private static int awaitPort(Process server, Path out, Path err) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Matcher m = LISTENING.matcher(Files.readString(out));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      } else if (!server.isAlive()) {
        throw new AssertionError("bin/server exited with " + server.exitValue() + ":\n"
            + Files.readString(out) + Files.readString(err));
      } else if (System.nanoTime() > deadline) {
        throw new AssertionError("bin/server did not report its port:\n"
            + Files.readString(out) + Files.readString(err));
      } else {
        Thread.sleep(50);
      }
    }
  }

  @AfterEach
  void stopServer() throws Exception {
    GrpcJavaPeer.stop(server);
    Files.deleteIfExists(serverOut);
    Files.deleteIfExists(serverErr);
  }

  @Test
  void scriptPidIsTheServerJvm() {
    String command = server.info().command().orElse("");
    assertThat(Path.of(command).getFileName().toString())
        .as("bin/server must exec the JVM, so that its PID is the server's")
        .isEqualTo("java");
  }

  @Test
  void clientScriptPassesAgainstServerScript() throws Exception {
    Path out = Files.createTempFile("interop-client-", ".out");
    try {
      Process client = new ProcessBuilder(bin.resolve("client").toString(),
          "--server_host=127.0.0.1", "--server_port=" + port, "--use_tls=false",
          "--test_case=empty_unary,large_unary,client_streaming,server_streaming,ping_pong,"
              + "custom_metadata,status_code_and_message,unimplemented_service")
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
      assertThat(client.waitFor(90, TimeUnit.SECONDS)).as("client finished in time").isTrue();
      assertThat(client.exitValue())
          .as("bin/client exit code; its output:%n%s%nserver:%n%s", Files.readString(out),
              serverLog())
          .isZero();
      assertThat(Files.readString(out)).contains("8 passed, 0 failed");
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /**
   * A second server on 127.0.0.2 with --server_id, beside the first (all interfaces, default
   * server_id conduit-HOSTNAME-PID), and bin/client's lb_spread over both with round_robin.
   */
  @Test
  void bindServerIdAndLbSpreadThroughTheScripts() throws Exception {
    Path out = Files.createTempFile("interop-server-b-", ".out");
    Path err = Files.createTempFile("interop-server-b-", ".err");
    Path clientOut = Files.createTempFile("interop-client-", ".out");
    Process second = startServerScript(out, err, "--bind=127.0.0.2", "--port=0",
        "--server_id=scripted-b");
    try {
      int secondPort = awaitPort(second, out, err);
      assertThat(Files.readString(out))
          .contains("listening on port " + secondPort + " (127.0.0.2:" + secondPort + ")")
          .contains("as server_id scripted-b");
      Process client = new ProcessBuilder(bin.resolve("client").toString(),
          "--server_host=ipv4:127.0.0.1:" + port + ",127.0.0.2:" + secondPort,
          "--lb_policy=round_robin", "--test_case=lb_spread", "--num_times=20")
          .redirectErrorStream(true)
          .redirectOutput(clientOut.toFile())
          .start();
      assertThat(client.waitFor(90, TimeUnit.SECONDS)).as("client finished in time").isTrue();
      String output = Files.readString(clientOut);
      assertThat(client.exitValue()).as("bin/client exit code; its output:%n%s", output).isZero();
      String firstId = "conduit-" + Hostname.get() + "-" + server.pid();
      // round_robin publishes a picker as soon as one backend is READY, so the first call or two
      // may land before the other connects: an even split within a call or two, not exactly.
      java.util.Map<String, Integer> spread = InteropTestSupport.backends(output);
      assertThat(spread).as("output:%n%s", output).containsOnlyKeys(firstId, "scripted-b");
      assertThat(spread.values()).as("output:%n%s", output).allSatisfy(n -> assertThat(n).isBetween(8, 12));
      assertThat(spread.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(20);
    } finally {
      GrpcJavaPeer.stop(second);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
      Files.deleteIfExists(clientOut);
    }
  }

  @Test
  void clientScriptFailsOnAFailingCase() throws Exception {
    // A bad flag value is refused: the script must pass the exit code through.
    Process client = new ProcessBuilder(bin.resolve("client").toString(),
        "--server_port=" + port, "--use_tls=yes")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(client.exitValue()).isEqualTo(2);
  }

  @Test
  void sigtermLetsInFlightCallsFinishThenStops() throws Exception {
    StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
    for (int i = 0; i < 4; i++) {
      request.addResponseParameters(ResponseParameters.newBuilder()
          .setSize(100)
          .setIntervalUs((int) TimeUnit.MILLISECONDS.toMicros(300)));
    }
    List<StreamingOutputCallResponse> received = new ArrayList<>();
    try (Channel channel = Channel.forAddress("127.0.0.1", port).plaintext().build();
        BlockingIterator<StreamingOutputCallResponse> responses =
            ClientCalls.blockingServerStreaming(channel, TestServiceRpc.STREAMING_OUTPUT_CALL,
                CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)), request.build())) {
      assertThat(responses.hasNext()).isTrue();
      received.add(responses.next());
      server.destroy(); // SIGTERM, to the JVM itself
      while (responses.hasNext()) {
        received.add(responses.next());
      }
    }
    assertThat(received).as("responses of the call in flight at SIGTERM").hasSize(4);
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("server exited after SIGTERM").isTrue();
    assertThat(server.exitValue()).as("exit code after SIGTERM").isEqualTo(143);
    assertThat(Files.readString(serverErr)).contains("shutting down").contains("stopped");
  }

  private String serverLog() throws IOException {
    return Files.readString(serverOut) + Files.readString(serverErr);
  }
}
