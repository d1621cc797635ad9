package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Channel;
import io.conduit.ForwardingServerCall;
import io.conduit.Metadata;
import io.conduit.Server;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServerInterceptor;
import io.conduit.examples.helloworld.GreeterClient;
import io.conduit.examples.helloworld.GreeterService;
import io.conduit.opentelemetry.ConduitOpenTelemetry;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's {@code prometheus}, which .ci/run installs) scrapes the example
 * observability setup while calls flow; PromQL over its HTTP API gives back the call count and
 * a latency quantile that match the calls made. Each call takes exactly 30 ms on the module's
 * fake clock, so the quantile is known in advance.
 */
@Timeout(120)
class PrometheusScrapeTest {
  static final int CALLS = 25;
  static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.e+-]+,\"([^\"]+)\"\\]");
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void prometheusSeesTheCallsAndTheirLatency(@TempDir Path dir) throws Exception {
    Path prometheus = Path.of("/usr/bin/prometheus");
    if (!Files.isExecutable(prometheus)) {
      String help = "Prometheus is not installed: apt-get install prometheus (.ci/run does)";
      if (System.getenv("CI") != null) {
        throw new AssertionError(help);
      }
      Assumptions.abort(help);
    }
    FakeClock clock = new FakeClock();
    // The handler's share of each call: 30 ms on the clock the module measures with.
    ServerInterceptor thirtyMillis = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return new ForwardingServerCall.ForwardingListener<>(next.startCall(call, headers)) {
          @Override
          public void onHalfClose() {
            clock.advance(Duration.ofMillis(30));
            super.onHalfClose();
          }
        };
      }
    };
    try (Observability telemetry = Observability.start("127.0.0.1", 0,
            sdk -> ConduitOpenTelemetry.builder(sdk).clock(clock));
        Server server = telemetry.conduit().configured(Server.builder()).bind("127.0.0.1", 0)
            .intercept(thirtyMillis).service(new GreeterService()).build().start();
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      int prometheusPort = freePort();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(config, """
          global:
            scrape_interval: 1s
          scrape_configs:
            - job_name: conduit
              static_configs:
                - targets: ['127.0.0.1:%d']
          """.formatted(telemetry.metricsPort()));
      Process p = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
          "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
          .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
      try {
        GreeterClient greeter = new GreeterClient(channel);
        for (int i = 0; i < CALLS; i++) {
          assertThat(greeter.greet("p" + i)).isEqualTo("Hello p" + i);
        }
        String started = "sum(grpc_server_call_started_total{grpc_method=\"helloworld.Greeter/SayHello\"})";
        Await.until("Prometheus counts " + CALLS + " calls", Duration.ofSeconds(60),
            () -> String.valueOf(CALLS).equals(query(prometheusPort, started)),
            () -> "last answer " + query(prometheusPort, started) + "; log: " + log(dir));
        assertThat(query(prometheusPort,
            "sum(grpc_server_call_duration_seconds_count{grpc_status=\"OK\"})")).isEqualTo(String.valueOf(CALLS));
        // Every call took 30 ms: the median falls in A66's (25 ms, 30 ms] bucket.
        double median = Double.parseDouble(query(prometheusPort,
            "histogram_quantile(0.5, sum by (le) (grpc_server_call_duration_seconds_bucket))"));
        assertThat(median).isGreaterThan(0.025).isLessThanOrEqualTo(0.03);
      } finally {
        p.destroy();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** The single value of an instant query, or null while there is none. */
  private String query(int port, String promql) {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = VALUE.matcher(body);
      return m.find() ? m.group(1) : null;
    } catch (IOException e) {
      return null;  // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String log(Path dir) {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
