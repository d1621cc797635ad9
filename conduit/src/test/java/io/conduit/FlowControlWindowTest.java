package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.ServiceDefinition;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
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
    ServerImpl server = new ServerImpl(new ServerImpl.Config(new InetSocketAddress("127.0.0.1", 0),
        List.of(svc), null, false, 2 * size, 100, 8192, null, Duration.ofSeconds(20), null, false,
        null, null, null));
    server.start();
    try (Channel channel = Channel.forAddress("127.0.0.1",
        ((InetSocketAddress) server.localAddress()).getPort()).plaintext().build()) {
      byte[] reply = ClientCalls.blockingUnary(channel, SIZE,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(60)), new byte[size]);
      assertThat(new String(reply, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(Integer.toString(size));
      assertThat(server.maxReceiveWindow()).isGreaterThan(1 << 20);
    } finally {
      server.shutdownNow();
      server.awaitTermination(Duration.ofSeconds(5));
    }
  }
}
