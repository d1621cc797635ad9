package io.conduit.examples.routeguide;

import io.conduit.Server;
import io.conduit.examples.Flags;
import io.conduit.services.admin.Admin;
import io.grpc.examples.routeguide.Feature;
import java.util.List;
import java.util.Set;

/**
 * Serves {@code routeguide.RouteGuide} over the standard feature database until stopped.
 *
 * <pre>
 * examples/bin/routeguide-server --port=10000
 * </pre>
 */
public final class RouteGuideServer {
  private static final String USAGE = """
      Usage: examples/bin/routeguide-server [--port=PORT]
        --port=PORT   port to listen on, all interfaces (default 10000; 0 picks a free one)""";

  private RouteGuideServer() {}

  /** The server's builder: the RouteGuide over {@code features}, and the admin services. */
  public static Server.Builder builder(int port, List<Feature> features) {
    Server.Builder builder = Server.builder()
        .port(port)
        .service(new RouteGuideService(features));
    Admin.addTo(builder);
    return builder;
  }

  public static void main(String[] args) throws InterruptedException {
    int port = Flags.parse(args, USAGE, Set.of("port")).port("port", 10000);

    List<Feature> features = Features.load();
    Server server = builder(port, features).build().start();
    System.out.println("RouteGuide server listening on port " + server.port()
        + " with " + features.size() + " features");

    // SIGTERM or Ctrl-C: stop taking calls, let running ones finish (up to 5 s), cancel the rest.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("RouteGuide server shutting down");
      server.close();
      System.err.println("RouteGuide server stopped");
    }));
    server.awaitTermination();
  }
}
