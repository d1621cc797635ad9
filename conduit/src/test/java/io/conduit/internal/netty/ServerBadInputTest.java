package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.protobuf.ProtoMarshaller;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.RawHttp2Client;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad requests get a clean status and leave the connection usable. */
@Timeout(30)
class ServerBadInputTest {
  static final String PATH = "/test.Strings/Echo";
  static final MethodDescriptor<StringValue, StringValue> ECHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Strings/Echo",
      ProtoMarshaller.of(StringValue.getDefaultInstance()),
      ProtoMarshaller.of(StringValue.getDefaultInstance()));
  static final int LIMIT = 1024;

  static Server server;
  RawHttp2Client client;

  @BeforeAll
  static void startServer() {
    server = Server.builder().bind("127.0.0.1", 0).maxInboundMessageSize(LIMIT)
        .service(ServiceDefinition.builder("test.Strings")
            .method(ECHO, ServerCalls.unary((req, out) -> {
              out.onNext(req);
              out.onCompleted();
            }))
            .build())
        .build().start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void connect() throws Exception {
    client = RawHttp2Client.connect("127.0.0.1", server.port());
  }

  @AfterEach
  void checkConnectionSurvivedAndClose() throws Exception {
    // Whatever the test sent, the same connection still serves a good call.
    byte[] hello = StringValue.of("hello").toByteArray();
    RawHttp2Client.Response ok = client.await(
        client.send(RawHttp2Client.grpcHeaders(PATH), true, RawHttp2Client.frame(0, hello)));
    assertThat(ok.header("grpc-status")).as(ok.toString()).isEqualTo("0");
    assertThat(ok.data.toByteArray()).isEqualTo(RawHttp2Client.frame(0, hello).array());
    assertThat(client.isOpen()).isTrue();
    client.close();
  }

  private RawHttp2Client.Response call(Http2Headers headers, ByteBuf... data) throws Exception {
    return client.await(client.send(headers, true, data));
  }

  private static ByteBuf validMessage() {
    return RawHttp2Client.frame(0, StringValue.of("x").toByteArray());
  }

  @Test
  void serverAdvertisesItsLimits() {
    io.netty.handler.codec.http2.Http2Settings settings = client.serverSettings();
    assertThat(settings.maxConcurrentStreams()).isEqualTo(100L);
    assertThat(settings.initialWindowSize()).isEqualTo(1 << 20);
    assertThat(settings.maxHeaderListSize()).isEqualTo(8192L);
    // Larger DATA frames than HTTP/2's 16 KiB default: fewer frames for large messages.
    assertThat(settings.maxFrameSize()).isEqualTo(64 * 1024);
  }

  @Test
  void missingContentTypeIs415() throws Exception {
    Http2Headers h = RawHttp2Client.grpcHeaders(PATH);
    h.remove("content-type");
    RawHttp2Client.Response r = call(h, validMessage());
    assertThat(r.header(":status")).isEqualTo("415");
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    Http2Headers h = RawHttp2Client.grpcHeaders(PATH).set("content-type", "application/json");
    RawHttp2Client.Response r = call(h, validMessage());
    assertThat(r.header(":status")).isEqualTo("415");
    assertThat(r.header("grpc-message")).contains("application/json");
  }

  @Test
  void grpcContentTypeWithSuffixIsAccepted() throws Exception {
    Http2Headers h = RawHttp2Client.grpcHeaders(PATH).set("content-type", "application/grpc+proto");
    RawHttp2Client.Response r = call(h, validMessage());
    assertThat(r.header("grpc-status")).isEqualTo("0");
  }

  @Test
  void messageOverTheLimitIsResourceExhausted() throws Exception {
    byte[] big = StringValue.of("x".repeat(LIMIT * 2)).toByteArray();
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH), RawHttp2Client.frame(0, big));
    assertThat(r.header("grpc-status")).isEqualTo("8");
    assertThat(r.header("grpc-message")).contains("exceeds the server's inbound limit of " + LIMIT);
  }

  @Test
  void truncatedMessageIsInternal() throws Exception {
    ByteBuf partial = RawHttp2Client.frame(0, new byte[10]);
    partial.writerIndex(5 + 4);
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH), partial);
    assertThat(r.header("grpc-status")).isEqualTo("13");
    assertThat(r.header("grpc-message")).contains("truncated");
  }

  @Test
  void truncatedPrefixIsInternal() throws Exception {
    ByteBuf partial = RawHttp2Client.frame(0, new byte[10]);
    partial.writerIndex(3);
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH), partial);
    assertThat(r.header("grpc-status")).isEqualTo("13");
  }

  @Test
  void malformedTimeoutIsInternal() throws Exception {
    for (String bad : new String[] {"abc", "123456789S", "10x", "S", "-5m"}) {
      Http2Headers h = RawHttp2Client.grpcHeaders(PATH).set("grpc-timeout", bad);
      RawHttp2Client.Response r = call(h, validMessage());
      assertThat(r.header("grpc-status")).as(bad).isEqualTo("13");
      assertThat(r.header("grpc-message")).as(bad).contains("grpc-timeout");
    }
  }

  @Test
  void everyTimeoutUnitIsAccepted() throws Exception {
    for (String ok : new String[] {"99999999n", "5000000u", "5000m", "5S", "1M", "1H"}) {
      Http2Headers h = RawHttp2Client.grpcHeaders(PATH).set("grpc-timeout", ok);
      RawHttp2Client.Response r = call(h, validMessage());
      assertThat(r.header("grpc-status")).as(ok).isEqualTo("0");
    }
  }

  @Test
  void unknownCompressionFlagIsInternal() throws Exception {
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH),
        RawHttp2Client.frame(2, StringValue.of("x").toByteArray()));
    assertThat(r.header("grpc-status")).isEqualTo("13");
    assertThat(r.header("grpc-message")).contains("flags");
  }

  @Test
  void compressedFlagWithoutEncodingIsInternal() throws Exception {
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH),
        RawHttp2Client.frame(1, StringValue.of("x").toByteArray()));
    assertThat(r.header("grpc-status")).isEqualTo("13");
  }

  @Test
  void unsupportedEncodingIsUnimplemented() throws Exception {
    Http2Headers h = RawHttp2Client.grpcHeaders(PATH).set("grpc-encoding", "snappy");
    RawHttp2Client.Response r = call(h, validMessage());
    assertThat(r.header("grpc-status")).isEqualTo("12");
  }

  @Test
  void garbageProtobufIsInternal() throws Exception {
    byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH), RawHttp2Client.frame(0, garbage));
    assertThat(r.header("grpc-status")).isEqualTo("13");
    assertThat(r.header("grpc-message")).containsIgnoringCase("protobuf");
  }

  @Test
  void malformedPathIsUnimplemented() throws Exception {
    for (String bad : new String[] {"nope", "/", "/test.Strings/Missing", "/no.Such/Echo"}) {
      RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(bad), validMessage());
      assertThat(r.header("grpc-status")).as(bad).isEqualTo("12");
    }
  }

  @Test
  void tooManyRequestsForUnaryIsInternal() throws Exception {
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH), validMessage(), validMessage());
    assertThat(r.header("grpc-status")).isEqualTo("13");
  }

  @Test
  void messagesSplitAcrossAndPackedIntoDataFrames() throws Exception {
    byte[] a = StringValue.of("split").toByteArray();
    ByteBuf whole = RawHttp2Client.frame(0, a);
    ByteBuf first = whole.readRetainedSlice(3);
    ByteBuf rest = whole.readRetainedSlice(whole.readableBytes());
    whole.release();
    RawHttp2Client.Response r = call(RawHttp2Client.grpcHeaders(PATH), first, rest);
    assertThat(r.header("grpc-status")).isEqualTo("0");
    assertThat(new String(r.data.toByteArray(), StandardCharsets.UTF_8)).contains("split");
  }
}
