package io.conduit.benchmarks.peer;

import io.grpc.ManagedChannel;
import io.grpc.benchmarks.proto.BenchmarkServiceGrpc;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java's time from launch to the first completed call, as Conduit's
 * {@code io.conduit.benchmarks.FirstCall} measures it: a default channel, one blocking unary call,
 * {@code First call completed after (in millis): X} from {@code --start_epoch_nanos}.
 */
public final class GrpcJavaFirstCall {
  private GrpcJavaFirstCall() {}

  public static void main(String[] args) throws Exception {
    PeerFlags flags = new PeerFlags(args);
    String address = flags.string("address", "127.0.0.1:50051");
    long start = flags.longValue("start_epoch_nanos",
        ManagementFactory.getRuntimeMXBean().getStartTime() * 1_000_000L);
    int colon = address.lastIndexOf(':');
    ManagedChannel channel = NettyChannelBuilder
        .forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
        .usePlaintext()
        .build();
    try {
      BenchmarkServiceGrpc.newBlockingStub(channel).unaryCall(SimpleRequest.getDefaultInstance());
      Instant now = Instant.now();
      long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano() - start;
      System.out.printf("First call completed after (in millis): %.1f%n", nanos / 1e6);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(0);
  }
}
