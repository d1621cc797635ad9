package io.conduit.benchmarks;

import io.grpc.benchmarks.proto.Messages.SimpleRequest;

/** Benchmark messages, shared by the micro-benchmarks. */
public final class Messages {
  private Messages() {}

  /** A request with {@code clientPayload} payload bytes asking for {@code serverPayload}. */
  public static SimpleRequest request(int clientPayload, int serverPayload) {
    return LoadClient.newRequest(clientPayload, serverPayload);
  }
}
