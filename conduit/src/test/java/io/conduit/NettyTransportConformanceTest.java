package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** The conformance suite over the HTTP/2 (Netty) transport, on loopback TCP. */
class NettyTransportConformanceTest extends AbstractTransportConformanceTest {
  @Override
  protected Server.Builder newServerBuilder(String name) {
    return Server.builder().bind("127.0.0.1", 0);
  }

  @Override
  protected Channel.Builder newChannelBuilder(Server server, String name) {
    return Channel.builder("127.0.0.1:" + server.port()).plaintext();
  }

  @Override
  protected void checkRemoteAddress(SocketAddress remoteAddress) {
    assertThat(remoteAddress).isInstanceOfSatisfying(InetSocketAddress.class, a -> {
      assertThat(a.getAddress().isLoopbackAddress()).isTrue();
      assertThat(a.getPort()).isPositive();
    });
  }
}
