package io.conduit.benchmarks;

import io.conduit.Server;
import io.conduit.services.channelz.Channelz;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The Conduit benchmark server, {@code benchmarks/bin/server}: {@code grpc.testing.BenchmarkService}
 * in plaintext until SIGTERM. Flags as grpc-java's {@code AsyncServer}:
 *
 * <pre>
 *   --port=N            the port to listen on (all addresses), or
 *   --address=HOST:PORT  the address to listen on
 *   --directexecutor    run the handlers on the I/O threads (no executor hop)
 * </pre>
 *
 * Other flags are accepted and ignored. Prints {@code QPS Server started on ADDRESS} once it
 * listens.
 */
public final class BenchmarkServer {
  private BenchmarkServer() {}

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    if (flags.has("help")) {
      System.out.println("Usage: benchmarks/bin/server --port=N [--address=HOST:PORT] [--directexecutor]"
          + " [--opentelemetry=none|metrics|all] [--channelz]");
      return;
    }
    Server.Builder builder = Server.builder().service(new BenchmarkServiceImpl());
    if (flags.has("address")) {
      InetSocketAddress address = Flags.address(flags.string("address", null));
      builder.bind(address.getHostString(), address.getPort());
    } else {
      builder.port(flags.integer("port", 0));
    }
    if (flags.bool("directexecutor")) {
      builder.directExecutor();
    }
    BenchmarkTelemetry telemetry = BenchmarkTelemetry.fromFlags(flags);
    if (telemetry != null) {
      telemetry.configure(builder);
    }
    if (flags.bool("channelz")) {
      // Counting every call, as a server with the admin services does.
      Channelz.get().addTo(builder);
    }
    Server server = builder.build().start();
    System.out.println("QPS Server started on " + server.localAddress());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("QPS Server shutting down");
      server.shutdown();
      try {
        server.awaitTermination(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.shutdownNow();
    }, "shutdown"));
    server.awaitTermination();
  }
}
