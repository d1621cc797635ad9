package io.conduit.examples.routeguide;

import io.conduit.Server;
import io.conduit.WebOptions;
import io.conduit.examples.Flags;
import io.conduit.examples.Web;
import io.conduit.services.admin.Admin;
import io.grpc.examples.routeguide.Feature;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Serves {@code routeguide.RouteGuide} over the standard feature database until stopped: native
 * gRPC, and on the same port gRPC-Web and Connect for browsers and curl.
 *
 * <pre>
 * examples/bin/routeguide-server --port=10000
 * </pre>
 */
public final class RouteGuideServer {
  private static final String USAGE = """
      Usage: examples/bin/routeguide-server [--port=PORT] [--web-files=DIR] [--allow-origin=ORIGIN,...]
        --port=PORT       port to listen on, all interfaces (default 10000; 0 picks a free one):
                          native gRPC, gRPC-Web and Connect
        --web-files=DIR   serve the files under DIR (a browser page) on the same port
        --allow-origin=ORIGIN,...
                          pages from these origins may call too (CORS); the server's own origin
                          always may""";

  private RouteGuideServer() {}

  /**
   * The server's builder: the RouteGuide over {@code features}, and the admin services, with
   * gRPC-Web and Connect on for pages of the server's own origin.
   */
  public static Server.Builder builder(int port, List<Feature> features) {
    return builder(port, features, WebOptions.defaults());
  }

  /** {@link #builder(int, List)} with {@code web}: e.g. a browser page's files, other origins. */
  public static Server.Builder builder(int port, List<Feature> features, WebOptions web) {
    Server.Builder builder = Server.builder()
        .port(port)
        .service(new RouteGuideService(features))
        .web(web);
    Admin.addTo(builder);
    return builder;
  }

  public static void main(String[] args) throws InterruptedException {
    Flags flags = Flags.parse(args, USAGE, Set.of("port", "web-files", "allow-origin"));
    int port = flags.port("port", 10000);
    Path webFiles = flags.directory("web-files");
    WebOptions web = Web.options(webFiles, flags.list("allow-origin"));

    List<Feature> features = Features.load();
    Server server = builder(port, features, web).build().start();
    System.out.println("RouteGuide server listening on port " + server.port()
        + " with " + features.size() + " features");
    if (webFiles != null) {
      System.out.println("Browser page on http://localhost:" + server.port() + "/ (from " + webFiles + ")");
    }

    // SIGTERM or Ctrl-C: stop taking calls, let running ones finish (up to 5 s), cancel the rest.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("RouteGuide server shutting down");
      server.close();
      System.err.println("RouteGuide server stopped");
    }));
    server.awaitTermination();
  }
}
