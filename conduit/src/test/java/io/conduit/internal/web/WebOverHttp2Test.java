package io.conduit.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.conduit.CorsPolicy;
import io.conduit.Server;
import io.conduit.WebOptions;
import io.conduit.internal.Json;
import io.conduit.testing.RawHttp2Client;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** gRPC-Web and Connect over HTTP/2 streams, beside native gRPC on the same connection. */
@Timeout(30)
class WebOverHttp2Test {
  final WebTestService service = new WebTestService();
  Server server;
  RawHttp2Client client;

  @BeforeEach
  void start() throws Exception {
    server = Server.builder().bind("127.0.0.1", 0).service(service.definition())
        .web(WebOptions.builder().cors(CorsPolicy.builder().allowAnyOrigin(true).build()).build())
        .build().start();
    client = RawHttp2Client.connect("127.0.0.1", server.port());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow();
    assertThat(server.awaitTermination(Duration.ofSeconds(10))).isTrue();
  }

  private static Http2Headers request(String path, String contentType) {
    return new DefaultHttp2Headers().method("POST").scheme("http").path(path).authority("localhost")
        .set("content-type", contentType);
  }

  @Test
  void grpcWebUnaryAndNativeGrpcOnOneConnection() throws Exception {
    RawHttp2Client.Response web = client.await(client.send(
        request("/test.Web/Echo", "application/grpc-web+proto").set("origin", "http://any.test"), true,
        Unpooled.wrappedBuffer(GrpcWebTest.message("h2"))));
    assertThat(web.header(":status")).isEqualTo("200");
    assertThat(web.header("access-control-allow-origin")).isEqualTo("*");
    List<WebFrames.Frame> frames = WebFrames.parse(web.data.toByteArray());
    assertThat(GrpcWebTest.value(frames.get(0))).isEqualTo("h2");
    assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0");

    RawHttp2Client.Response grpc = client.await(client.send(RawHttp2Client.grpcHeaders("/test.Web/Echo"),
        true, RawHttp2Client.frame(0, StringValue.of("native").toByteArray())));
    assertThat(grpc.header("grpc-status")).isEqualTo("0");
  }

  @Test
  void connectJsonOverHttp2() throws Exception {
    RawHttp2Client.Response r = client.await(client.send(request("/test.Web/Greet", "application/json"),
        true, Unpooled.copiedBuffer("{\"name\":\"h2\"}", StandardCharsets.UTF_8)));
    assertThat(r.header(":status")).isEqualTo("200");
    assertThat(Json.parseObject(r.data.toString(StandardCharsets.UTF_8))).containsEntry("name", "hello h2");
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    RawHttp2Client.Response r = client.await(client.send(request("/test.Web/Echo", "text/plain"), true,
        Unpooled.wrappedBuffer(new byte[] {1})));
    assertThat(r.header(":status")).isEqualTo("415");
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void aResetCancelsTheCall() throws Exception {
    int id = client.send(request("/test.Web/Echo", "application/grpc-web+proto"), false,
        Unpooled.wrappedBuffer(GrpcWebTest.message("wait")));
    assertThat(service.waiting.await(10, TimeUnit.SECONDS)).isTrue();
    client.reset(id);
    assertThat(service.cancelled.poll(10, TimeUnit.SECONDS)).isEqualTo("cancelled");
  }
}
