package io.conduit.internal.web;

import static io.conduit.internal.web.GrpcWebTest.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Server;
import io.conduit.WebOptions;
import io.conduit.testing.Await;
import io.conduit.testing.FakeClock;
import io.conduit.testing.RawHttp1Client;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTP/1.1 abuse is refused, with the limits HTTP/2 connections have. */
@Timeout(30)
class Http1AbuseTest {
  static final String BINARY = "content-type: application/grpc-web+proto";

  final WebTestService service = new WebTestService();
  final FakeClock clock = new FakeClock();
  Server server;

  Server start(Server.Builder b) {
    server = b.bind("127.0.0.1", 0).clock(clock).service(service.definition())
        .web(WebOptions.defaults()).build().start();
    return server;
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow();
    assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void oversizedRequestLineIs414AndCloses() throws Exception {
    start(Server.builder());
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      c.send("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nhost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(414);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void oversizedHeadersAre431AndClose() throws Exception {
    start(Server.builder().maxHeaderListSize(4096));
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      c.send("POST /test.Web/Echo HTTP/1.1\r\nhost: x\r\nx-big: " + "b".repeat(8000) + "\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(431);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void contentLengthWithTransferEncodingIs400AndCloses() throws Exception {
    start(Server.builder());
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      c.send("POST /test.Web/Echo HTTP/1.1\r\nhost: x\r\n" + BINARY + "\r\ncontent-length: 4\r\n"
          + "transfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nhost: x\r\n\r\n");
      RawHttp1Client.Response r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedByServer()).isTrue();
    }
    assertThat(service.cancelled).isEmpty();
  }

  @Test
  void slowHeadersHitTheHandshakeTimeout() throws Exception {
    start(Server.builder().handshakeTimeout(Duration.ofSeconds(5)));
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      c.send("POST /test.Web/Echo HTTP/1.1\r\nhost: x\r\n");
      // Both the guard's timer and the connection's are set once the bytes are in.
      Await.until("the connection is on HTTP/1.1", Duration.ofSeconds(10), () -> clock.pendingTimers() > 0);
      clock.advance(Duration.ofSeconds(6));
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void idleBetweenRequestsHitsTheHandshakeTimeout() throws Exception {
    start(Server.builder().handshakeTimeout(Duration.ofSeconds(5)));
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      assertThat(c.post("/test.Web/Echo", message("one"), BINARY).read().status()).isEqualTo(200);
      // The idle timer starts once the response is written, which the client may see first.
      Await.until("the idle timer is set", Duration.ofSeconds(10), () -> clock.pendingTimers() > 0);
      clock.advance(Duration.ofSeconds(6));
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void pipelinedFloodIsCutOff() throws Exception {
    start(Server.builder());
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      byte[] wait = message("wait");
      String head = "POST /test.Web/Echo HTTP/1.1\r\nhost: x\r\n" + BINARY + "\r\ncontent-length: ";
      c.send(head + wait.length + "\r\n\r\n");
      c.send(wait);
      assertThat(service.waiting.await(10, TimeUnit.SECONDS)).isTrue();
      StringBuilder flood = new StringBuilder();
      for (int i = 0; i < 2000; i++) {
        flood.append("GET /x HTTP/1.1\r\nhost: x\r\n\r\n");
      }
      try {
        c.send(flood.toString());
      } catch (java.io.IOException closedMeanwhile) {
        // The server may cut the connection before all is written.
      }
      assertThat(c.closedByServer()).isTrue();
    }
    // The call in progress was cancelled with its connection.
    assertThat(service.cancelled.poll(10, TimeUnit.SECONDS)).isEqualTo("cancelled");
  }

  @Test
  void connectionLimitAppliesToHttp1() throws Exception {
    start(Server.builder().maxConnections(1));
    try (RawHttp1Client first = RawHttp1Client.connect(server.port())) {
      assertThat(first.post("/test.Web/Echo", message("one"), BINARY).read().status()).isEqualTo(200);
      try (RawHttp1Client second = RawHttp1Client.connect(server.port())) {
        assertThat(second.closedByServer()).isTrue();
      }
      assertThat(first.post("/test.Web/Echo", message("two"), BINARY).read().status()).isEqualTo(200);
    }
  }

  @Test
  void gracefulShutdownLetsTheRequestInProgressFinish() throws Exception {
    start(Server.builder());
    try (RawHttp1Client c = RawHttp1Client.connect(server.port())) {
      assertThat(c.post("/test.Web/Echo", message("one"), BINARY).read().status()).isEqualTo(200);
      server.shutdown();
      assertThat(c.closedByServer()).isTrue();
      assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
    }
  }
}
