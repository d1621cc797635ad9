package io.conduit.internal.web;

import static io.conduit.internal.web.WebFrames.concat;
import static io.conduit.internal.web.WebFrames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.conduit.Channel;
import io.conduit.CorsPolicy;
import io.conduit.Server;
import io.conduit.WebOptions;
import io.conduit.stub.ClientCalls;
import io.conduit.testing.FakeClock;
import io.conduit.testing.RawHttp1Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** gRPC-Web over HTTP/1.1 on the server's own port, from a raw socket. */
@Timeout(30)
class GrpcWebTest {
  static final String BINARY = "content-type: application/grpc-web+proto";
  static final String TEXT = "content-type: application/grpc-web-text+proto";

  final WebTestService service = new WebTestService();
  final FakeClock clock = new FakeClock();
  Server server;
  RawHttp1Client client;

  @BeforeEach
  void start() throws Exception {
    server = Server.builder().bind("127.0.0.1", 0).clock(clock).maxInboundMessageSize(1024)
        .service(service.definition())
        .web(WebOptions.builder().cors(CorsPolicy.builder().allowOrigins("http://app.test")
            .allowHeaders("x-custom").exposeHeaders("x-header").build()).build())
        .build().start();
    client = RawHttp1Client.connect(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow();
    assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  static byte[] message(String s) {
    return frame(0, StringValue.of(s).toByteArray());
  }

  static String value(WebFrames.Frame f) throws Exception {
    return StringValue.parseFrom(f.payload()).getValue();
  }

  @Test
  void unaryBinary() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", message("hi"), BINARY, "x-grpc-web: 1").read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/grpc-web+proto");
    assertThat(r.header("x-header")).isEqualTo("h");
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    assertThat(frames).hasSize(2);
    assertThat(value(frames.get(0))).isEqualTo("hi");
    assertThat(frames.get(1).flags()).isEqualTo(0x80);
    assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0");
  }

  @Test
  void requestsFollowOneAnotherOnOneConnection() throws Exception {
    for (int i = 0; i < 3; i++) {
      RawHttp1Client.Response r = client.post("/test.Web/Echo", message("n" + i), BINARY).read();
      assertThat(value(WebFrames.parse(r.body()).get(0))).isEqualTo("n" + i);
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    String one = "POST /test.Web/Echo HTTP/1.1\r\nhost: x\r\n" + BINARY + "\r\ncontent-length: ";
    byte[] a = message("first");
    byte[] b = message("second");
    client.send(concat((one + a.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), a,
        (one + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), b));
    assertThat(value(WebFrames.parse(client.read().body()).get(0))).isEqualTo("first");
    assertThat(value(WebFrames.parse(client.read().body()).get(0))).isEqualTo("second");
  }

  @Test
  void errorWithMessageAndTrailersInTheTrailerFrame() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", message("fail:5:no such thing"), BINARY).read();
    assertThat(r.status()).isEqualTo(200);
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0).trailers())
        .containsEntry("grpc-status", "5")
        .containsEntry("grpc-message", "no such thing")
        .containsEntry("x-trailer", "t")
        .containsEntry("x-data-bin", Base64.getEncoder().withoutPadding().encodeToString(new byte[] {1, 2}));
  }

  @Test
  void trailersOnlyForAnUnknownMethod() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Nope", message("x"), BINARY).read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("grpc-status")).isEqualTo("12");
    assertThat(r.header("grpc-message")).contains("test.Web/Nope");
    assertThat(r.body()).isEmpty();
  }

  @Test
  void requestMetadataIncludingBinaryReachesTheHandler() throws Exception {
    String bin = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xCA, (byte) 0xFE});
    RawHttp1Client.Response r = client.post("/test.Web/Echo", message("headers"), BINARY,
        "x-custom: seen", "x-data-bin: " + bin).read();
    assertThat(value(WebFrames.parse(r.body()).get(0))).isEqualTo("seen,cafe");
  }

  @Test
  void serverStreamingArrivesMessageByMessage() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Count", message("5"), BINARY).read();
    assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    assertThat(frames).hasSize(6);
    for (int i = 0; i < 5; i++) {
      assertThat(value(frames.get(i))).isEqualTo(Integer.toString(i));
    }
    assertThat(frames.get(5).trailers()).containsEntry("grpc-status", "0");
    // One chunk per frame at least: nothing waits for the end of the stream to be framed.
    assertThat(r.chunks().size()).isGreaterThanOrEqualTo(6);
  }

  @Test
  void textModeDecodesBase64PaddedAtAnyChunkBoundary() throws Exception {
    // Two base64 pieces, each padded, as a client that encodes each write would send; then cut
    // into chunks at odd places.
    byte[] f = message("texty");
    String b64 = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(f, 0, 4))
        + Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(f, 4, f.length));
    assertThat(b64.substring(0, 8)).contains("=");
    StringBuilder req = new StringBuilder("POST /test.Web/Echo HTTP/1.1\r\nhost: x\r\n" + TEXT
        + "\r\ntransfer-encoding: chunked\r\n\r\n");
    for (int i = 0; i < b64.length(); i += 3) {
      String piece = b64.substring(i, Math.min(b64.length(), i + 3));
      req.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
    }
    req.append("0\r\n\r\n");
    RawHttp1Client.Response r = client.send(req.toString()).read();
    assertThat(r.header("content-type")).isEqualTo("application/grpc-web-text+proto");
    // The answer is base64 too, each frame on its own.
    List<WebFrames.Frame> frames = WebFrames.parse(WebFrames.decodeBase64Pieces(r.text()));
    assertThat(value(frames.get(0))).isEqualTo("texty");
    assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0");
  }

  @Test
  void malformedBase64GetsAStatusAndTheConnectionServesOn() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", "AAA*AAAA".getBytes(StandardCharsets.US_ASCII), TEXT).read();
    assertThat(r.header("grpc-status")).isEqualTo("13");
    assertThat(r.header("grpc-message")).contains("base64");
    assertThat(value(WebFrames.parse(client.post("/test.Web/Echo", message("ok"), BINARY).read().body()).get(0)))
        .isEqualTo("ok");
  }

  @Test
  void truncatedFrameGetsAStatus() throws Exception {
    byte[] f = message("truncated");
    RawHttp1Client.Response r = client.post("/test.Web/Echo", java.util.Arrays.copyOf(f, f.length - 2), BINARY).read();
    String status = r.header("grpc-status") != null ? r.header("grpc-status")
        : WebFrames.parse(r.body()).get(0).trailers().get("grpc-status");
    assertThat(status).isEqualTo("13");
    assertThat(value(WebFrames.parse(client.post("/test.Web/Echo", message("ok"), BINARY).read().body()).get(0)))
        .isEqualTo("ok");
  }

  @Test
  void oversizedMessageGetsResourceExhausted() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", message("x".repeat(2000)), BINARY).read();
    assertThat(r.header("grpc-status")).isEqualTo("8");
    assertThat(value(WebFrames.parse(client.post("/test.Web/Echo", message("ok"), BINARY).read().body()).get(0)))
        .isEqualTo("ok");
  }

  @Test
  void clientStreamingMethodsGetAClearStatus() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Collect", message("a"), BINARY).read();
    assertThat(r.header("grpc-status")).isEqualTo("12");
    assertThat(r.header("grpc-message")).contains("client-streaming").contains("gRPC-Web");
  }

  @Test
  void grpcTimeoutEndsTheCallWithDeadlineExceeded() throws Exception {
    client.post("/test.Web/Echo", message("wait"), BINARY, "grpc-timeout: 2S");
    assertThat(service.waiting.await(10, TimeUnit.SECONDS)).isTrue();
    clock.advance(Duration.ofSeconds(3));
    RawHttp1Client.Response r = client.read();
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    assertThat(frames.get(frames.size() - 1).trailers()).containsEntry("grpc-status", "4");
    assertThat(service.cancelled.poll(10, TimeUnit.SECONDS)).isEqualTo("cancelled");
  }

  @Test
  void aClientThatGoesAwayCancelsTheCall() throws Exception {
    client.post("/test.Web/Echo", message("wait"), BINARY);
    assertThat(service.waiting.await(10, TimeUnit.SECONDS)).isTrue();
    client.close();
    assertThat(service.cancelled.poll(10, TimeUnit.SECONDS)).isEqualTo("cancelled");
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", message("x"), "content-type: text/plain").read();
    assertThat(r.status()).isEqualTo(415);
    assertThat(client.post("/test.Web/Echo", message("ok"), BINARY).read().status()).isEqualTo(200);
  }

  @Test
  void corsPreflightForAnAllowedOrigin() throws Exception {
    client.send("OPTIONS /test.Web/Echo HTTP/1.1\r\nhost: x\r\norigin: http://app.test\r\n"
        + "access-control-request-method: POST\r\n"
        + "access-control-request-headers: content-type,x-grpc-web,x-custom\r\n\r\n");
    RawHttp1Client.Response r = client.read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("access-control-allow-origin")).isEqualTo("http://app.test");
    assertThat(r.header("access-control-allow-methods")).contains("POST");
    assertThat(r.header("access-control-allow-headers")).contains("x-grpc-web", "x-user-agent",
        "grpc-timeout", "content-type", "x-custom");
    assertThat(r.header("access-control-max-age")).isEqualTo("7200");
  }

  @Test
  void corsRefusesOtherOrigins() throws Exception {
    client.send("OPTIONS /test.Web/Echo HTTP/1.1\r\nhost: x\r\norigin: http://evil.test\r\n"
        + "access-control-request-method: POST\r\n\r\n");
    RawHttp1Client.Response r = client.read();
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("access-control-allow-origin")).isNull();
  }

  @Test
  void corsExposesStatusAndApplicationHeaders() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", message("hi"), BINARY,
        "origin: http://app.test").read();
    assertThat(r.header("access-control-allow-origin")).isEqualTo("http://app.test");
    assertThat(r.header("access-control-expose-headers")).contains("grpc-status", "grpc-message", "x-header");
  }

  @Test
  void nativeGrpcOnTheSamePort() throws Exception {
    try (Channel channel = Channel.builder("dns:///127.0.0.1:" + server.port()).plaintext().build()) {
      StringValue reply = ClientCalls.blockingUnary(channel, WebTestService.ECHO,
          io.conduit.CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), StringValue.of("native"));
      assertThat(reply.getValue()).isEqualTo("native");
    }
  }
}
