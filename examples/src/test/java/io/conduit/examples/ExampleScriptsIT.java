package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bin/ scripts over the packaged jar, as a user runs them: each server with its client, then
 * SIGTERM to the server, which must stop gracefully.
 */
@Timeout(120)
class ExampleScriptsIT {
  private static final Path BIN = Paths.get(System.getProperty("conduit.examples.binDir", "bin"));
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  @Test
  void greeterServerAnswersGreeterClient() throws Exception {
    try (Program server = Program.start("greeter-server", "--port=0", "--metrics-port=0")) {
      int port = server.awaitPort();
      Program client = Program.start("greeter-client", "--target=127.0.0.1:" + port, "--name=IT");
      assertThat(client.awaitExit()).as(client.describe()).isZero();
      assertThat(client.stdout()).contains("Greeting: Hello IT");

      // The server counted the call on its Prometheus endpoint.
      Matcher metrics = Pattern.compile("http://localhost:(\\d+)/metrics").matcher(server.stdout());
      assertThat(metrics.find()).as(server.describe()).isTrue();
      String scraped = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + metrics.group(1) + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(scraped).contains("grpc_server_call_started_total{grpc_method=\"helloworld.Greeter/SayHello\"");

      server.terminate();
      assertThat(server.awaitExit()).as(server.describe()).isEqualTo(128 + 15);
      assertThat(server.stderr()).contains("Greeter server stopped");
    }
  }

  @Test
  void routeGuideServerAnswersRouteGuideClient() throws Exception {
    try (Program server = Program.start("routeguide-server", "--port=0")) {
      int port = server.awaitPort();
      assertThat(server.stdout()).contains("with 100 features");
      Program client = Program.start("routeguide-client", "--target=127.0.0.1:" + port);
      assertThat(client.awaitExit()).as(client.describe()).isZero();
      assertThat(client.stdout())
          .contains("Found feature called \"Berkshire Valley Management Area Trail, Jefferson, NJ,"
              + " USA\" at 40.9146138, -74.6188906")
          .contains("Found no feature at 0, 0")
          .contains("Result #64: 3 Hasta Way, Newton, NJ 07860, USA")
          .doesNotContain("Result #65")
          .contains("Finished trip with 10 points.")
          .contains("Got message \"First message\" at 0, 1")
          .contains("Got message \"Third message\" at 0, 3")
          .doesNotContain("Got message \"Fourth message\"");

      server.terminate();
      assertThat(server.awaitExit()).as(server.describe()).isEqualTo(128 + 15);
      assertThat(server.stderr()).contains("RouteGuide server stopped");
    }
  }

  @Test
  void greeterWebServesThePageAndConnect() throws Exception {
    Path page = BIN.resolve("../target/web/index.html");
    if (!Files.isRegularFile(page)) {
      String missing = "the browser page was not built (" + page + "): the build needs Node.js and npm";
      if (System.getenv("CI") != null) {
        throw new AssertionError(missing);
      }
      Assumptions.abort(missing);
    }
    try (Program server = Program.start("greeter-web", "--port", "0", "--metrics-port=0")) {
      int port = server.awaitPort();
      server.awaitLine("Browser page on http://localhost:" + port + "/");
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> index = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).contains("helloworld.Greeter, from the browser");
      HttpResponse<String> hello = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/helloworld.Greeter/SayHello"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"IT\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(hello.statusCode()).as(hello.body()).isEqualTo(200);
      assertThat(hello.body()).isEqualTo("{\"message\":\"Hello IT\"}");

      server.terminate();
      assertThat(server.awaitExit()).as(server.describe()).isEqualTo(128 + 15);
    }
  }

  @Test
  void clientReportsAFailedCall() throws Exception {
    // Port 1 on loopback: nothing listens there, the connection is refused.
    Program client = Program.start("greeter-client", "--target=127.0.0.1:1");
    assertThat(client.awaitExit()).as(client.describe()).isEqualTo(1);
    assertThat(client.stderr()).contains("RPC failed: ").contains("UNAVAILABLE");
  }

  @Test
  void badFlagsGetTheUsage() throws Exception {
    Program client = Program.start("routeguide-client", "--port=1");
    assertThat(client.awaitExit()).as(client.describe()).isEqualTo(2);
    assertThat(client.stderr()).contains("unknown or malformed flag: --port=1")
        .contains("Usage: examples/bin/routeguide-client");

    Program help = Program.start("greeter-server", "--help");
    assertThat(help.awaitExit()).as(help.describe()).isZero();
    assertThat(help.stdout()).contains("--port=PORT");
  }

  /** A bin/ script running, its output collected as it comes. */
  private static final class Program implements AutoCloseable {
    final Process process;
    final String name;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final CompletableFuture<Void> outputRead;

    private Program(String name, Process process) {
      this.name = name;
      this.process = process;
      this.outputRead = CompletableFuture.allOf(
          collect(process.getInputStream(), out), collect(process.getErrorStream(), err));
    }

    static Program start(String script, String... flags) throws IOException {
      List<String> command = new ArrayList<>(List.of(BIN.resolve(script).toString()));
      command.addAll(List.of(flags));
      return new Program(script, new ProcessBuilder(command).start());
    }

    /** Reads {@code stream} on a thread of its own (reads block: not for a shared pool). */
    private static CompletableFuture<Void> collect(InputStream stream, List<String> lines) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in =
            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            synchronized (lines) {
              lines.add(line);
              lines.notifyAll();
            }
          }
        } catch (IOException e) {
          // The process is gone.
        } finally {
          done.complete(null);
        }
      });
      reader.setDaemon(true);
      reader.start();
      return done;
    }

    /** The port from the server's "listening on port N" line. */
    int awaitPort() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      synchronized (out) {
        while (true) {
          for (String line : out) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
              return Integer.parseInt(m.group(1));
            }
          }
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || !process.isAlive()) {
            throw new AssertionError("no port from " + describe());
          }
          out.wait(Math.min(left, 200));
        }
      }
    }

    /** Waits (bounded) for a line of standard output that contains {@code text}. */
    void awaitLine(String text) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      synchronized (out) {
        while (out.stream().noneMatch(l -> l.contains(text))) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || !process.isAlive()) {
            throw new AssertionError("no \"" + text + "\" from " + describe());
          }
          out.wait(Math.min(left, 200));
        }
      }
    }

    /** SIGTERM, through the handle: Process.destroy() would also close the output pipes. */
    void terminate() {
      process.toHandle().destroy();
    }

    int awaitExit() throws Exception {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(name + " did not exit: " + describe());
      }
      outputRead.get(10, TimeUnit.SECONDS);  // the last lines
      return process.exitValue();
    }

    String stdout() {
      synchronized (out) {
        return String.join("\n", out);
      }
    }

    String stderr() {
      synchronized (err) {
        return String.join("\n", err);
      }
    }

    String describe() {
      return name + "\n--- stdout:\n" + stdout() + "\n--- stderr:\n" + stderr();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
