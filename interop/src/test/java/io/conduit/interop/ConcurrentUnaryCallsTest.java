package io.conduit.interop;

import io.grpc.testing.integration.TestServiceRpc;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Server;
import io.conduit.stub.ClientCalls;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many concurrent calls on one channel: more than the server's MAX_CONCURRENT_STREAMS. */
class ConcurrentUnaryCallsTest {
  private static final int CALLS = 1000;

  private static TestServiceImpl service;
  private static Server server;

  @BeforeAll
  static void startServer() {
    service = new TestServiceImpl();
    server = InteropTestSupport.startInteropServer(service);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  @Timeout(120)
  void thousandConcurrentUnaryCallsOnOneChannelAllComplete() throws Exception {
    try (Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      List<CompletableFuture<SimpleResponse>> calls = new ArrayList<>(CALLS);
      for (int i = 0; i < CALLS; i++) {
        // Each call asks for a response of its own size, so mixed-up responses would show.
        SimpleRequest request = SimpleRequest.newBuilder()
            .setResponseSize(responseSize(i))
            .setPayload(Payload.newBuilder().setBody(ByteString.copyFrom(new byte[i % 1024])))
            .build();
        calls.add(ClientCalls.futureUnary(
            channel, TestServiceRpc.UNARY_CALL, CallOptions.DEFAULT, request));
      }
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
      for (int i = 0; i < CALLS; i++) {
        assertThat(calls.get(i).join().getPayload().getBody().size())
            .as("response size of call %s", i)
            .isEqualTo(responseSize(i));
      }
    }
  }

  private static int responseSize(int call) {
    return 1 + call % 997;
  }
}
