package io.conduit.benchmarks;

import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The Conduit server of {@code benchmarks/bin/compare}'s scale scenarios, like grpc-java's
 * {@code GrpcJavaScaleServer} in the benchmark peer module: {@code --services} services
 * {@code scale.S0} ... of {@code --methods} unary methods {@code M0} ... each, which answer an
 * empty message, after sleeping {@code --sleep_ms} on the handler's thread when it is set (a
 * handler that blocks, as on a database call). Until SIGTERM.
 *
 * <pre>
 *   --address=HOST:PORT  the address to listen on
 *   --services=N         services (default 1)
 *   --methods=N          methods per service (default 1)
 *   --sleep_ms=N         how long each call blocks its handler (default 0)
 *   --directexecutor     handlers on the I/O threads; otherwise the default executor (virtual
 *                        threads on JDK 21 and later)
 * </pre>
 *
 * Prints {@code QPS Server started on ADDRESS} once it listens, after
 * {@code registered N methods in M ms}.
 */
public final class ScaleServer {
  private static final byte[] EMPTY = new byte[0];

  private ScaleServer() {}

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    int services = flags.integer("services", 1);
    int methods = flags.integer("methods", 1);
    long sleepMs = flags.longValue("sleep_ms", 0);
    InetSocketAddress address = Flags.address(flags.string("address", "127.0.0.1:0"));
    long began = System.nanoTime();
    Server.Builder builder = Server.builder().bind(address.getHostString(), address.getPort());
    for (int s = 0; s < services; s++) {
      ServiceDefinition.Builder service = ServiceDefinition.builder("scale.S" + s);
      for (int m = 0; m < methods; m++) {
        service.method(MethodDescriptor.of(MethodDescriptor.Type.UNARY,
                "scale.S" + s + "/M" + m, Marshaller.bytes(), Marshaller.bytes()),
            ServerCalls.<byte[], byte[]>unary((request, out) -> {
              if (sleepMs > 0) {
                try {
                  Thread.sleep(sleepMs);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              out.onNext(EMPTY);
              out.onCompleted();
            }));
      }
      builder.service(service.build());
    }
    if (flags.bool("directexecutor")) {
      builder.directExecutor();
    }
    Server server = builder.build().start();
    System.out.printf("registered %d methods in %d ms%n", services * methods,
        Duration.ofNanos(System.nanoTime() - began).toMillis());
    System.out.println("QPS Server started on " + server.localAddress());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.close(Duration.ofSeconds(5)),
        "shutdown"));
    server.awaitTermination();
  }
}
