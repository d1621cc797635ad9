package io.conduit.interop;

import io.conduit.Server;
import io.conduit.health.HealthStatus;
import io.conduit.health.HealthStatusManager;
import io.conduit.services.admin.Admin;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Set;

/**
 * The interop server: serves {@code grpc.testing.TestService} with the standard flags of
 * doc/interop-test-descriptions.md, {@code grpc.health.v1.Health} (SERVING) and server reflection
 * (v1 and v1alpha, for grpcurl and the {@code conduit} command), until SIGTERM,
 * then shuts down gracefully (health NOT_SERVING first).
 *
 * <pre>
 * interop/bin/server --port=10000 --use_tls=false
 * interop/bin/server --bind=127.0.0.2 --port=5001 --server_id=b     (one of several backends)
 * interop/bin/server --bind=unix:/tmp/interop.sock
 * </pre>
 */
public final class InteropServer {
  /** Like grpc-java's interop server: room for very_large_request's 10 MiB payload. */
  public static final int MAX_INBOUND_MESSAGE_SIZE = 16 * 1024 * 1024;

  private static final Set<String> FLAGS = Set.of("port", "use_tls", "bind", "server_id");
  private static final Duration GRACE_PERIOD = Duration.ofSeconds(10);

  private InteropServer() {}

  /**
   * A builder with {@code service}, a health service ({@link #newHealthService}) and the interop
   * server's settings; the caller picks the port.
   */
  public static Server.Builder builder(TestServiceImpl service) {
    return builder(service, newHealthService(service));
  }

  /**
   * A builder with {@code service}, the admin services ({@code health} and server reflection) and
   * the interop server's settings.
   */
  public static Server.Builder builder(TestServiceImpl service, HealthStatusManager health) {
    Server.Builder builder = Server.builder()
        .service(service)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE);
    Admin.addTo(builder, health);
    return builder;
  }

  /**
   * The {@code grpc.health.v1.Health} service of the interop server: the server as a whole
   * ({@code ""}) and {@code grpc.testing.TestService} SERVING. The server it is registered on turns
   * both NOT_SERVING when it starts shutting down.
   */
  public static HealthStatusManager newHealthService(TestServiceImpl service) {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus(service.definition().name(), HealthStatus.SERVING);
    return health;
  }

  /**
   * What the command line asks for: where to listen, and the server_id to report (null: the
   * service's default).
   */
  record Options(SocketAddress address, String serverId, boolean useTls) {
    Options(SocketAddress address, String serverId) {
      this(address, serverId, false);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (Flags.hasHelp(args)) {
      usage(System.out);
      return;
    }
    Options options;
    try {
      options = parse(args);
    } catch (Flags.UsageException e) {
      System.err.println("interop server: " + e.getMessage());
      usage(System.err);
      System.exit(2);
      return;
    }

    TestServiceImpl service = new TestServiceImpl(options.serverId());
    Server server;
    try {
      Server.Builder b = builder(service).address(options.address());
      if (options.useTls()) {
        b.tls(InteropTls.serverTls());
      }
      server = b.build().start();
    } catch (UncheckedIOException e) {
      // Address in use, not an address of this machine...: say so, without a stack trace.
      System.err.println("interop server: " + e.getMessage());
      service.close();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, service),
        "interop-server-shutdown"));
    System.out.println("Conduit interop server listening on " + describe(server)
        + " as server_id " + service.serverId());
    System.out.flush();
    server.awaitTermination();
  }

  /** {@code port N (A:N)}, or {@code unix:PATH}; scripts look for "listening on port N". */
  private static String describe(Server server) {
    SocketAddress bound = server.localAddress();
    if (bound instanceof InetSocketAddress inet) {
      String ip = inet.getAddress().getHostAddress();
      return "port " + inet.getPort() + " ("
          + (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + inet.getPort() + ")";
    }
    if (bound instanceof UnixDomainSocketAddress unix) {
      return "unix:" + unix.getPath();
    }
    return String.valueOf(bound);
  }

  /** Parses the flags; throws for bad ones. */
  static Options parse(String[] args) throws Flags.UsageException {
    Flags flags = Flags.parse(args, FLAGS);
    boolean useTls = flags.bool("use_tls", false);
    int port = flags.port("port", 8080);
    String serverId = flags.string("server_id", null);
    if (serverId != null && serverId.isEmpty()) {
      throw new Flags.UsageException("--server_id must not be empty");
    }
    return new Options(bindAddress(flags.string("bind", null), port), serverId, useTls);
  }

  /**
   * {@code --bind}: absent, all interfaces; {@code unix:PATH}, a unix domain socket (the port is
   * ignored); otherwise a host name or IP address ({@code [v6]} brackets allowed) at the port.
   */
  private static SocketAddress bindAddress(String bind, int port) throws Flags.UsageException {
    if (bind == null) {
      return new InetSocketAddress(port);
    }
    if (bind.startsWith("unix:")) {
      String path = bind.substring("unix:".length());
      if (path.startsWith("//")) {
        path = path.substring(2); // unix:///path
      }
      if (path.isEmpty()) {
        throw new Flags.UsageException("--bind=unix: needs a path, e.g. --bind=unix:/tmp/s.sock");
      }
      return UnixDomainSocketAddress.of(path);
    }
    String host = bind.startsWith("[") && bind.endsWith("]")
        ? bind.substring(1, bind.length() - 1) : bind;
    if (host.isEmpty()) {
      throw new Flags.UsageException("--bind must name an address");
    }
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new Flags.UsageException("--bind: cannot resolve '" + bind + "' to an address");
    }
    return address;
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
        Usage: interop/bin/server [--port=PORT] [--bind=ADDRESS] [--server_id=ID] [--use_tls=BOOL]

          --port=PORT       port to listen on (default 8080; 0 picks a free one)
          --bind=ADDRESS    address to listen on: a host name or IP address (e.g. 127.0.0.2,
                            [::1]), or unix:/path for a unix domain socket (default: all
                            interfaces)
          --server_id=ID    the server_id UnaryCall reports when asked (fill_server_id);
                            default conduit-HOSTNAME-PID
          --use_tls=BOOL    TLS with the standard interop test certificate (server1, for
                            *.test.google.fr); default false: plaintext HTTP/2
        """);
  }
}
