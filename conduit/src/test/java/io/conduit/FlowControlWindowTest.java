package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A single large stream is not capped by the initial window: the window grows (BDP pings). */
@Timeout(120)
class FlowControlWindowTest {
  static final MethodDescriptor<byte[], byte[]> SIZE = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Big/Size", Marshaller.bytes(), Marshaller.bytes());

  @Test
  void a64MiBMessageGrowsTheReceiveWindow() throws Exception {
    int size = 64 * 1024 * 1024;
    ServiceDefinition svc = ServiceDefinition.builder("test.Big")
        .method(SIZE, ServerCalls.unary((req, out) -> {
          out.onNext(Integer.toString(req.length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.onCompleted();
        }))
        .build();
    Server server = Server.builder().bind("127.0.0.1", 0).maxInboundMessageSize(2 * size)
        .service(svc).build().start();
    try (Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      byte[] reply = ClientCalls.blockingUnary(channel, SIZE,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(60)), new byte[size]);
      assertThat(new String(reply, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(Integer.toString(size));
      assertThat(server.impl().maxReceiveWindow()).isGreaterThan(1 << 20);
    } finally {
      server.shutdownNow();
      server.awaitTermination(Duration.ofSeconds(5));
    }
  }
}
