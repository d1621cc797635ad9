package io.conduit.benchmarks;

import io.conduit.Channel;
import io.grpc.benchmarks.proto.BenchmarkServiceRpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * Time from launch to the first completed call: builds a channel the way an application would
 * (defaults only), makes one blocking unary call and prints
 * {@code First call completed after (in millis): X}, counted from {@code --start_epoch_nanos}
 * (the launcher's clock reading just before it started this JVM, e.g. {@code date +%s%N}) or,
 * without it, from the JVM's own start time.
 */
public final class FirstCall {
  private FirstCall() {}

  public static void main(String[] args) throws Exception {
    Flags flags = new Flags(args);
    InetSocketAddress address = Flags.address(flags.string("address", "127.0.0.1:50051"));
    long start = flags.longValue("start_epoch_nanos",
        java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime() * 1_000_000L);
    try (Channel channel = Channel.forAddress(address.getHostString(), address.getPort())
        .plaintext().build()) {
      BenchmarkServiceRpc.newBlockingClient(channel).unaryCall(SimpleRequest.getDefaultInstance());
      Instant now = Instant.now();
      long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - start;
      System.out.printf("First call completed after (in millis): %.1f%n", nanos / 1e6);
    }
    System.exit(0);
  }
}
