package io.conduit.internal.web;

import static io.conduit.internal.web.WebFrames.frame;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Int32Value;
import com.google.protobuf.Mixin;
import com.google.protobuf.StringValue;
import io.conduit.Server;
import io.conduit.WebOptions;
import io.conduit.internal.Json;
import io.conduit.testing.FakeClock;
import io.conduit.testing.RawHttp1Client;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Connect protocol (connectrpc.com/docs/protocol) over HTTP/1.1, from a raw socket. */
@Timeout(30)
class ConnectProtocolTest {
  static final String JSON = "content-type: application/json";
  static final String PROTO = "content-type: application/proto";

  final WebTestService service = new WebTestService();
  final FakeClock clock = new FakeClock();
  Server server;
  RawHttp1Client client;

  @BeforeEach
  void start() throws Exception {
    server = Server.builder().bind("127.0.0.1", 0).clock(clock).maxInboundMessageSize(1024)
        .service(service.definition()).web(WebOptions.defaults()).build().start();
    client = RawHttp1Client.connect(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow();
    assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void unaryJson() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Greet", utf8("{\"name\":\"world\"}"), JSON).read();
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(Json.parseObject(r.text())).containsEntry("name", "hello world");
  }

  @Test
  void unaryProto() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Greet",
        Mixin.newBuilder().setName("proto").build().toByteArray(), PROTO,
        "connect-protocol-version: 1").read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/proto");
    assertThat(Mixin.parseFrom(r.body()).getName()).isEqualTo("hello proto");
  }

  @Test
  void errorJsonWithItsHttpStatusAndTrailersAsHeaders() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", utf8("\"fail:5:no such thing\""), JSON).read();
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(Json.parseObject(r.text()))
        .containsEntry("code", "not_found").containsEntry("message", "no such thing");
    assertThat(r.header("x-header")).isEqualTo("h");
    assertThat(r.header("trailer-x-trailer")).isEqualTo("t");
  }

  @Test
  void richErrorDetailsBecomeTheErrorJsonsDetails() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", utf8("\"details:9:not yet\""), JSON).read();
    assertThat(r.status()).isEqualTo(400);
    Map<String, Object> error = Json.parseObject(r.text());
    assertThat(error).containsEntry("code", "failed_precondition").containsEntry("message", "not yet");
    Base64.Encoder unpadded = Base64.getEncoder().withoutPadding();
    assertThat(error.get("details")).isEqualTo(List.of(
        Map.of("type", "google.protobuf.StringValue",
            "value", unpadded.encodeToString(StringValue.of("why").toByteArray())),
        Map.of("type", "google.protobuf.Int32Value",
            "value", unpadded.encodeToString(Int32Value.of(7).toByteArray()))));
    // The details are in the JSON, not repeated as a trailer; other trailers still come.
    assertThat(r.header("trailer-grpc-status-details-bin")).isNull();
    assertThat(r.header("trailer-x-trailer")).isEqualTo("t");
  }

  @Test
  void richErrorDetailsInTheEndStreamMessage() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo",
        frame(0, StringValue.of("details:8:slow down").toByteArray()),
        "content-type: application/connect+proto").read();
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    Map<String, Object> json = Json.parseObject(frames.get(frames.size() - 1).text());
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) json.get("error");
    assertThat(error).containsEntry("code", "resource_exhausted");
    @SuppressWarnings("unchecked")
    List<Object> details = (List<Object>) error.get("details");
    assertThat(details).hasSize(2).first().isEqualTo(Map.of("type", "google.protobuf.StringValue",
        "value", Base64.getEncoder().withoutPadding().encodeToString(StringValue.of("why").toByteArray())));
    assertThat(json.get("metadata")).isEqualTo(Map.of("x-trailer", List.of("t")));
  }

  @Test
  void aDetailsTrailerThatIsNoStatusLeavesTheErrorWithoutDetails() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo", utf8("\"baddetails:13:broken\""), JSON).read();
    assertThat(r.status()).isEqualTo(500);
    assertThat(Json.parseObject(r.text()))
        .containsEntry("code", "internal").containsEntry("message", "broken").doesNotContainKey("details");
  }

  @Test
  void jsonThatDoesNotMatchTheMessageIsInvalidArgument() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Greet", utf8("{\"nope\":1}"), JSON).read();
    assertThat(r.status()).isEqualTo(400);
    assertThat(Json.parseObject(r.text())).containsEntry("code", "invalid_argument");
    // The connection serves on.
    assertThat(client.post("/test.Web/Greet", utf8("{\"name\":\"again\"}"), JSON).read().status()).isEqualTo(200);
  }

  @Test
  void malformedJsonIsInvalidArgument() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Greet", utf8("{\"name\":"), JSON).read();
    assertThat(r.status()).isEqualTo(400);
    assertThat(Json.parseObject(r.text())).containsEntry("code", "invalid_argument");
  }

  @Test
  void oversizedRequestIsResourceExhausted() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Greet",
        utf8("{\"name\":\"" + "x".repeat(2000) + "\"}"), JSON).read();
    assertThat(r.status()).isEqualTo(429);
    assertThat(Json.parseObject(r.text())).containsEntry("code", "resource_exhausted");
    assertThat(client.post("/test.Web/Greet", utf8("{\"name\":\"again\"}"), JSON).read().status()).isEqualTo(200);
  }

  @Test
  void unknownMethodIsUnimplemented() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Nope", utf8("{}"), JSON).read();
    assertThat(r.status()).isEqualTo(501);
    assertThat(Json.parseObject(r.text())).containsEntry("code", "unimplemented");
  }

  @Test
  void connectTimeoutMsEndsTheCall() throws Exception {
    client.post("/test.Web/Echo", utf8("\"wait\""), JSON, "connect-timeout-ms: 2000");
    assertThat(service.waiting.await(10, TimeUnit.SECONDS)).isTrue();
    clock.advance(Duration.ofSeconds(3));
    RawHttp1Client.Response r = client.read();
    assertThat(r.status()).isEqualTo(504);
    assertThat(Json.parseObject(r.text())).containsEntry("code", "deadline_exceeded");
  }

  @Test
  void badTimeoutOrVersionIsRefused() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Greet", utf8("{}"), JSON,
        "connect-timeout-ms: 12345678901").read();
    assertThat(r.status()).isEqualTo(400);
    r = client.post("/test.Web/Greet", utf8("{}"), JSON, "connect-protocol-version: 2").read();
    assertThat(r.status()).isEqualTo(400);
  }

  @Test
  void getForAMethodWithoutSideEffects() throws Exception {
    String message = URLEncoder.encode("{\"name\":\"get\"}", StandardCharsets.UTF_8);
    client.send("GET /test.Web/Greet?connect=v1&encoding=json&message=" + message
        + " HTTP/1.1\r\nhost: x\r\n\r\n");
    RawHttp1Client.Response r = client.read();
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(Json.parseObject(r.text())).containsEntry("name", "hello get");

    String b64 = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(Mixin.newBuilder().setName("b64").build().toByteArray());
    client.send("GET /test.Web/Greet?encoding=proto&base64=1&message=" + b64 + " HTTP/1.1\r\nhost: x\r\n\r\n");
    r = client.read();
    assertThat(Mixin.parseFrom(r.body()).getName()).isEqualTo("hello b64");
  }

  @Test
  void getRefusedForAMethodWithSideEffects() throws Exception {
    client.send("GET /test.Web/Echo?encoding=json&message=%22x%22 HTTP/1.1\r\nhost: x\r\n\r\n");
    assertThat(client.read().status()).isEqualTo(405);
  }

  @Test
  void streamingJsonEndsWithTheEndStreamMessage() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Count", frame(0, utf8("\"3\"")),
        "content-type: application/connect+json").read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/connect+json");
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    assertThat(frames).extracting(WebFrames.Frame::text).containsExactly("\"0\"", "\"1\"", "\"2\"", "{}");
    assertThat(frames.get(3).flags()).isEqualTo(2);
  }

  @Test
  void streamingProtoErrorInTheEndStreamMessage() throws Exception {
    RawHttp1Client.Response r = client.post("/test.Web/Echo",
        frame(0, StringValue.of("fail:7:denied").toByteArray()), "content-type: application/connect+proto").read();
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    WebFrames.Frame end = frames.get(frames.size() - 1);
    assertThat(end.flags()).isEqualTo(2);
    Map<String, Object> json = Json.parseObject(end.text());
    assertThat(json.get("error")).isEqualTo(Map.of("code", "permission_denied", "message", "denied"));
    assertThat(json.get("metadata")).isEqualTo(Map.of("x-trailer", List.of("t"),
        "x-data-bin", List.of(Base64.getEncoder().withoutPadding().encodeToString(new byte[] {1, 2}))));
  }

  @Test
  void clientStreamingOverConnectStreaming() throws Exception {
    byte[] body = WebFrames.concat(frame(0, StringValue.of("a").toByteArray()),
        frame(0, StringValue.of("b").toByteArray()));
    RawHttp1Client.Response r = client.post("/test.Web/Collect", body,
        "content-type: application/connect+proto").read();
    List<WebFrames.Frame> frames = WebFrames.parse(r.body());
    assertThat(StringValue.parseFrom(frames.get(0).payload()).getValue()).isEqualTo("a,b");
  }

  @Test
  void streamingMethodWithAUnaryContentTypeIs415() throws Exception {
    assertThat(client.post("/test.Web/Count", utf8("\"3\""), JSON).read().status()).isEqualTo(415);
  }
}
