package io.conduit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Channel;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server program: listens, answers, and exits on SIGTERM, as bin/server runs it. */
@Timeout(60)
class BenchmarkServerProcessTest {
  private static final Pattern STARTED = Pattern.compile("QPS Server started on .*:(\\d+)$");

  @Test
  void servesAndExitsOnSigterm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        BenchmarkServer.class.getName(), "--port=0", "--directexecutor", "--transport=netty_nio")
        .redirectErrorStream(true)
        .start();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      Matcher m = STARTED.matcher(line == null ? "" : line);
      assertThat(m.find()).as("first line: %s", line).isTrue();
      int port = Integer.parseInt(m.group(1));
      try (Channel channel = Channel.forAddress("127.0.0.1", port).plaintext().build()) {
        assertThat(BenchmarkServiceRpc.newBlockingClient(channel)
            .withDeadline(Duration.ofSeconds(20))
            .unaryCall(Messages.request(0, 5)).getPayload().getBody().size()).isEqualTo(5);
      }
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    } finally {
      process.destroyForcibly();
    }
  }
}
