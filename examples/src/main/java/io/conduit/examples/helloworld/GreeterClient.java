package io.conduit.examples.helloworld;

import io.conduit.CallFactory;
import io.conduit.Channel;
import io.conduit.StatusException;
import io.conduit.examples.Flags;
import io.grpc.examples.helloworld.GreeterRpc;
import io.grpc.examples.helloworld.HelloRequest;
import java.time.Duration;
import java.util.Set;

/**
 * Asks a {@code helloworld.Greeter} server for a greeting and prints it.
 *
 * <pre>
 * examples/bin/greeter-client --target=localhost:50051 --name=world
 * </pre>
 */
public final class GreeterClient {
  private static final String USAGE = """
      Usage: examples/bin/greeter-client [--target=HOST:PORT] [--name=NAME]
        --target=HOST:PORT   the server (default localhost:50051)
        --name=NAME          who to greet (default world)""";

  private final GreeterRpc.BlockingClient greeter;

  /** A client over {@code channel}: a {@link Channel}, or one wrapped by interceptors. */
  public GreeterClient(CallFactory channel) {
    // Generated clients are immutable: withDeadline returns a copy whose every call must finish
    // within 5 s of its start, or fails with DEADLINE_EXCEEDED.
    this.greeter = GreeterRpc.newBlockingClient(channel).withDeadline(Duration.ofSeconds(5));
  }

  /** The server's greeting for {@code name}; a failed call throws {@link StatusException}. */
  public String greet(String name) {
    HelloRequest request = HelloRequest.newBuilder().setName(name).build();
    return greeter.sayHello(request).getMessage();
  }

  public static void main(String[] args) {
    Flags flags = Flags.parse(args, USAGE, Set.of("target", "name"));
    String target = flags.string("target", "localhost:50051");
    String name = flags.string("name", "world");

    // A channel connects lazily and is meant to be shared and long-lived; close it when done.
    try (Channel channel = Channel.builder(target).plaintext().build()) {
      System.out.println("Will try to greet " + name + " ...");
      System.out.println("Greeting: " + new GreeterClient(channel).greet(name));
    } catch (StatusException e) {
      System.err.println("RPC failed: " + e.getMessage());  // e.g. "UNAVAILABLE: ..."
      System.exit(1);
    }
  }
}
