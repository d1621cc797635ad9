package io.conduit.examples.helloworld;

import io.conduit.Server;
import io.conduit.examples.Flags;
import io.conduit.examples.Observability;
import io.conduit.services.admin.Admin;
import java.util.Set;

/**
 * Serves {@code helloworld.Greeter}, with health and server reflection, until stopped.
 *
 * <pre>
 * examples/bin/greeter-server --port=50051
 * </pre>
 */
public final class GreeterServer {
  private static final String USAGE = """
      Usage: examples/bin/greeter-server [--port=PORT] [--metrics-port=PORT]
        --port=PORT           port to listen on, all interfaces (default 50051; 0 picks a free one)
        --metrics-port=PORT   Prometheus metrics on http://HOST:PORT/metrics (default 9464; 0 picks a free one);
                              spans go to the log""";

  private GreeterServer() {}

  /**
   * The server's builder: where to listen and what to serve: the Greeter, and the admin services
   * (health, and server reflection for grpcurl and {@code conduit}). Handlers run on Conduit's own
   * executor (virtual threads where the JVM has them), so a handler may block.
   */
  public static Server.Builder builder(int port) {
    Server.Builder builder = Server.builder()
        .port(port)
        .service(new GreeterService());
    Admin.addTo(builder);
    return builder;
  }

  public static void main(String[] args) throws InterruptedException {
    Flags flags = Flags.parse(args, USAGE, Set.of("port", "metrics-port"));
    int port = flags.port("port", 50051);
    int metricsPort = flags.port("metrics-port", 9464);
    // OpenTelemetry: gRFC A66 metrics on a Prometheus endpoint, A72 spans in the log.
    Observability telemetry = Observability.start("0.0.0.0", metricsPort);

    Server server = telemetry.conduit().configured(builder(port)).build().start();
    System.out.println("Greeter server listening on port " + server.port());
    System.out.println("Metrics for Prometheus on http://localhost:" + telemetry.metricsPort() + "/metrics");

    // SIGTERM or Ctrl-C runs the shutdown hooks: close() stops taking calls, lets running ones
    // finish (up to 5 s) and then cancels what is left.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("Greeter server shutting down");
      server.close();
      telemetry.close();
      System.err.println("Greeter server stopped");
    }));
    server.awaitTermination();
  }
}
