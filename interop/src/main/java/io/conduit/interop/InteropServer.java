package io.conduit.interop;

import io.conduit.Server;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Set;

/**
 * The interop server: serves {@code grpc.testing.TestService} with the standard flags of
 * doc/interop-test-descriptions.md until SIGTERM, then shuts down gracefully.
 *
 * <pre>
 * interop/bin/server --port=10000 --use_tls=false
 * </pre>
 */
public final class InteropServer {
  /** Like grpc-java's interop server: room for very_large_request's 10 MiB payload. */
  public static final int MAX_INBOUND_MESSAGE_SIZE = 16 * 1024 * 1024;

  private static final Set<String> FLAGS = Set.of("port", "use_tls");
  private static final Duration GRACE_PERIOD = Duration.ofSeconds(10);

  private InteropServer() {}

  /** A builder with {@code service} and the interop server's settings; the caller picks the port. */
  public static Server.Builder builder(TestServiceImpl service) {
    return Server.builder()
        .service(service)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE);
  }

  public static void main(String[] args) throws InterruptedException {
    if (Flags.hasHelp(args)) {
      usage(System.out);
      return;
    }
    int port;
    try {
      port = parsePort(args);
    } catch (Flags.UsageException e) {
      System.err.println("interop server: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }

    TestServiceImpl service = new TestServiceImpl();
    Server server = builder(service).port(port).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, service),
        "interop-server-shutdown"));
    System.out.println("Conduit interop server listening on port " + server.port());
    System.out.flush();
    server.awaitTermination();
  }

  /** The port the flags ask for; throws for bad flags, including {@code --use_tls=true}. */
  static int parsePort(String[] args) throws Flags.UsageException {
    Flags flags = Flags.parse(args, FLAGS);
    if (flags.bool("use_tls", false)) {
      throw new Flags.UsageException(
          "--use_tls=true is not supported yet: Conduit's interop server speaks plaintext "
              + "HTTP/2 only; run it with --use_tls=false");
    }
    return flags.port("port", 8080);
  }

  private static void shutdown(Server server, TestServiceImpl service) {
    System.err.println("interop server: shutting down");
    server.shutdown();
    try {
      if (!server.awaitTermination(GRACE_PERIOD)) {
        System.err.println("interop server: calls still running after " + GRACE_PERIOD.toSeconds()
            + " s, cancelling them");
        server.shutdownNow();
        server.awaitTermination(Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      service.close();
    }
    System.err.println("interop server: stopped");
  }

  private static void usage(PrintStream out) {
    out.println("""
        Usage: interop/bin/server [--port=PORT] [--use_tls=false]

          --port=PORT       port to listen on, all interfaces (default 8080; 0 picks a free one)
          --use_tls=false   plaintext HTTP/2 (the only mode supported so far; default false)
        """);
  }
}
