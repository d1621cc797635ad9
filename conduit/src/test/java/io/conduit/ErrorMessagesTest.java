package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.testing.TestCerts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistakes a new user makes, and what they are told: each message names the cause and, where
 * there is one, the fix.
 */
@Timeout(60)
class ErrorMessagesTest {
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  <T extends AutoCloseable> T closing(T t) {
    toClose.add(t);
    return t;
  }

  Server echoServer() {
    return closing(Server.builder().bind("127.0.0.1", 0).service(EchoService.definition()).build()
        .start());
  }

  static Status unary(Channel channel, CallOptions options, String request) {
    try {
      ClientCalls.blockingUnary(channel, EchoService.UNARY, options, request);
      return Status.OK;
    } catch (StatusException e) {
      return e.status();
    }
  }

  static CallOptions tenSeconds() {
    return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));
  }

  @Test
  void aDeadlineThatHasAlreadyPassedSaysSo() {
    Server server = echoServer();
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofSeconds(-1))) {
      // A fresh channel: its first call would wait for the resolver, but the deadline is gone.
      Channel channel = closing(Channel.builder("127.0.0.1:" + server.port()).build());
      Status status = unary(channel, CallOptions.DEFAULT.withTimeout(timeout), "x");
      assertThat(status.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(status.description()).as(timeout.toString())
          .contains("deadline had already passed").doesNotContain("name resolver");
    }
  }

  @Test
  void aPlaintextChannelToATlsServerIsToldTheServerExpectsTls() {
    TestCerts certs = TestCerts.get();
    Server server = closing(Server.builder().bind("127.0.0.1", 0)
        .tls(ServerTls.fromPem(certs.server.certChainPem(), certs.server.privateKeyPem()))
        .service(EchoService.definition()).build().start());
    Channel channel = closing(Channel.builder("127.0.0.1:" + server.port()).build());
    Status status = unary(channel, tenSeconds(), "x");
    assertThat(status.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.description()).contains("TLS").contains("ChannelTls");
  }

  @Test
  void aUnixSocketThatDoesNotExistIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nobody-listens.sock");
    Channel channel = closing(Channel.builder("unix:" + missing).build());
    Status status = unary(channel, tenSeconds(), "x");
    assertThat(status.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.description()).contains(missing.toString()).doesNotContain("null");
  }

  @Test
  void urlLikeTargetsSuggestTheRightForm() {
    assertThatThrownBy(() -> Channel.builder("http://localhost:50051").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'localhost:50051'");
    assertThatThrownBy(() -> Channel.builder("https://localhost:50051").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'localhost:50051'").hasMessageContaining("tls");
    assertThatThrownBy(() -> Channel.builder("dns://localhost:50051").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'dns:///localhost:50051'");
  }

  @Test
  void aMessageOverTheLimitSaysWhoseLimitItIs() {
    Server server = closing(Server.builder().bind("127.0.0.1", 0).maxInboundMessageSize(1000)
        .service(EchoService.definition()).build().start());
    Channel small = closing(Channel.builder("127.0.0.1:" + server.port())
        .maxInboundMessageSize(1000).build());
    String big = "x".repeat(5000);

    Status sentTooBig = unary(small, tenSeconds(), big);
    assertThat(sentTooBig.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(sentTooBig.description()).as("the server's limit")
        .contains("server").contains("1000").contains("5000");

    Channel large = closing(Channel.builder("127.0.0.1:" + server.port()).build());
    Server generous = echoServer();
    Channel toGenerous = closing(Channel.builder("127.0.0.1:" + generous.port())
        .maxInboundMessageSize(1000).build());
    Status receivedTooBig = unary(toGenerous, tenSeconds(), big);
    assertThat(receivedTooBig.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(receivedTooBig.description()).as("this channel's limit")
        .contains("maxInboundMessageSize").contains("1000");
    assertThat(unary(large, tenSeconds(), "small").code()).isEqualTo(Status.Code.OK);
  }

  @Test
  void aServerWithoutAnAddressIsRefused() {
    assertThatThrownBy(() -> Server.builder().service(EchoService.definition()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("port(0)");
  }
}
