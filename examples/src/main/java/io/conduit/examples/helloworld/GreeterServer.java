package io.conduit.examples.helloworld;

import io.conduit.Server;
import io.conduit.WebOptions;
import io.conduit.examples.Flags;
import io.conduit.examples.Observability;
import io.conduit.examples.Web;
import io.conduit.services.admin.Admin;
import java.nio.file.Path;
import java.util.Set;

/**
 * Serves {@code helloworld.Greeter}, with health and server reflection, until stopped: native
 * gRPC, and on the same port gRPC-Web and Connect for browsers and curl.
 *
 * <pre>
 * examples/bin/greeter-server --port=50051
 * examples/bin/greeter-web          (the same, serving the browser page from examples/target/web)
 * </pre>
 */
public final class GreeterServer {
  private static final String USAGE = """
      Usage: examples/bin/greeter-server [--port=PORT] [--metrics-port=PORT] [--web-files=DIR]
                                         [--allow-origin=ORIGIN,...]
        --port=PORT           port to listen on, all interfaces (default 50051; 0 picks a free one):
                              native gRPC, gRPC-Web and Connect
        --metrics-port=PORT   Prometheus metrics on http://HOST:PORT/metrics (default 9464; 0 picks a free one);
                              spans go to the log
        --web-files=DIR       serve the files under DIR (a browser page) on the same port, e.g. the
                              built example page, examples/target/web (examples/bin/greeter-web does)
        --allow-origin=ORIGIN,...
                              pages from these origins (e.g. http://localhost:5173) may call too (CORS);
                              the server's own origin always may""";

  private GreeterServer() {}

  /**
   * The server's builder: where to listen and what to serve: the Greeter, and the admin services
   * (health, and server reflection for grpcurl and {@code conduit}), with gRPC-Web and Connect on
   * for pages of the server's own origin and for curl. Handlers run on Conduit's own executor
   * (virtual threads where the JVM has them), so a handler may block.
   */
  public static Server.Builder builder(int port) {
    return builder(port, WebOptions.defaults());
  }

  /** {@link #builder(int)} with {@code web}: e.g. the browser page's files, other origins. */
  public static Server.Builder builder(int port, WebOptions web) {
    Server.Builder builder = Server.builder()
        .port(port)
        .service(new GreeterService())
        .web(web);
    Admin.addTo(builder);
    return builder;
  }

  public static void main(String[] args) throws InterruptedException {
    Flags flags = Flags.parse(args, USAGE, Set.of("port", "metrics-port", "web-files", "allow-origin"));
    int port = flags.port("port", 50051);
    int metricsPort = flags.port("metrics-port", 9464);
    Path webFiles = flags.directory("web-files");
    WebOptions web = Web.options(webFiles, flags.list("allow-origin"));
    // OpenTelemetry: gRFC A66 metrics on a Prometheus endpoint, A72 spans in the log.
    Observability telemetry = Observability.start("0.0.0.0", metricsPort);

    Server server = telemetry.conduit().configured(builder(port, web)).build().start();
    System.out.println("Greeter server listening on port " + server.port());
    if (webFiles != null) {
      System.out.println("Browser page on http://localhost:" + server.port() + "/ (from " + webFiles + ")");
    }
    System.out.println("Connect with curl: curl -H 'Content-Type: application/json' -d '{\"name\":\"world\"}'"
        + " http://localhost:" + server.port() + "/helloworld.Greeter/SayHello");
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
