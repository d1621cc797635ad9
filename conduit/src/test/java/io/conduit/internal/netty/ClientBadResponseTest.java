package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.protobuf.ProtoMarshaller;
import io.conduit.stub.ClientCalls;
import io.conduit.testing.RawHttp2Server;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client turns every odd or broken response into a clear status. */
@Timeout(30)
class ClientBadResponseTest {
  static final MethodDescriptor<StringValue, StringValue> ECHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Strings/Echo",
      ProtoMarshaller.of(StringValue.getDefaultInstance()),
      ProtoMarshaller.of(StringValue.getDefaultInstance()));

  private static Status callAgainst(Consumer<RawHttp2Server.Stream> responder) throws Exception {
    return callAgainst(responder, Integer.MAX_VALUE);
  }

  private static Status callAgainst(Consumer<RawHttp2Server.Stream> responder, int maxInbound)
      throws Exception {
    try (RawHttp2Server server = RawHttp2Server.start(responder::accept);
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext()
            .maxInboundMessageSize(maxInbound).build()) {
      try {
        ClientCalls.blockingUnary(channel, ECHO, CallOptions.DEFAULT, StringValue.of("x"));
        return Status.OK;
      } catch (StatusException e) {
        return e.status();
      }
    }
  }

  private static Http2Headers okHeaders() {
    return new DefaultHttp2Headers().status("200").set("content-type", "application/grpc");
  }

  private static Http2Headers trailers(int code) {
    return new DefaultHttp2Headers().set("grpc-status", Integer.toString(code));
  }

  private static ByteBuf frame(byte[] payload) {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0).writeInt(payload.length).writeBytes(payload);
    return b;
  }

  @Test
  void httpStatusesMapToGrpcCodes() throws Exception {
    int[] http = {400, 401, 403, 404, 429, 502, 503, 504, 500};
    Status.Code[] expected = {Status.Code.INTERNAL, Status.Code.UNAUTHENTICATED,
        Status.Code.PERMISSION_DENIED, Status.Code.UNIMPLEMENTED, Status.Code.UNAVAILABLE,
        Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.UNKNOWN};
    for (int i = 0; i < http.length; i++) {
      int code = http[i];
      Status s = callAgainst(st -> st.headers(new DefaultHttp2Headers().status(Integer.toString(code))
          .set("content-type", "text/html"), true));
      assertThat(s.code()).as("HTTP " + code).isEqualTo(expected[i]);
      assertThat(s.description()).contains(Integer.toString(code));
    }
  }

  /**
   * An HTTP error that ends the stream while the client is still sending closes the client's side
   * too: otherwise the stream would stay open and the connection could never close when idle, so
   * a channel shut down gracefully would never terminate.
   */
  @Test
  void anHttpErrorToAClientStillSendingLetsTheChannelTerminate() throws Exception {
    MethodDescriptor<StringValue, StringValue> upload = MethodDescriptor.of(
        MethodDescriptor.Type.CLIENT_STREAMING, "test.Strings/Upload",
        ProtoMarshaller.of(StringValue.getDefaultInstance()),
        ProtoMarshaller.of(StringValue.getDefaultInstance()));
    try (RawHttp2Server server = RawHttp2Server.start(st -> st.headers(
        new DefaultHttp2Headers().status("400").set("content-type", "text/html"), true))) {
      Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build();
      java.util.concurrent.CompletableFuture<Status> closed = new java.util.concurrent.CompletableFuture<>();
      io.conduit.ClientCall<StringValue, StringValue> call = channel.newCall(upload, CallOptions.DEFAULT);
      call.start(new io.conduit.ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, io.conduit.Metadata trailers) {
          closed.complete(status);
        }
      }, new io.conduit.Metadata());
      call.request(1);
      call.sendMessage(StringValue.of("part 1"));
      // No half-close: the client is still sending when the server's error ends the stream.
      assertThat(closed.get(10, java.util.concurrent.TimeUnit.SECONDS).code())
          .isEqualTo(Status.Code.INTERNAL);
      channel.shutdown();
      assertThat(channel.awaitTermination(java.time.Duration.ofSeconds(10)))
          .as("the channel terminates once its only call has ended").isTrue();
    }
  }

  @Test
  void nonGrpcContentTypeIsUnknown() throws Exception {
    Status s = callAgainst(st -> st.headers(new DefaultHttp2Headers().status("200")
        .set("content-type", "text/html"), false).data(Unpooled.wrappedBuffer(new byte[10]), true));
    assertThat(s.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(s.description()).contains("text/html");
  }

  @Test
  void missingGrpcStatusIsUnknown() throws Exception {
    Status s = callAgainst(st -> st.headers(okHeaders(), false)
        .data(frame(StringValue.of("y").toByteArray()), false)
        .headers(new DefaultHttp2Headers().set("x-other", "1"), true));
    assertThat(s.code()).isEqualTo(Status.Code.UNKNOWN);
  }

  @Test
  void trailersOnlyResponseCarriesTheStatus() throws Exception {
    Status s = callAgainst(st -> st.headers(okHeaders().set("grpc-status", "7")
        .set("grpc-message", "no%20way"), true));
    assertThat(s.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(s.description()).isEqualTo("no way");
  }

  @Test
  void resetCodesMapToGrpcCodes() throws Exception {
    assertThat(callAgainst(st -> st.reset(Http2Error.REFUSED_STREAM.code())).code())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(callAgainst(st -> st.reset(Http2Error.CANCEL.code())).code())
        .isEqualTo(Status.Code.CANCELLED);
    assertThat(callAgainst(st -> st.reset(Http2Error.ENHANCE_YOUR_CALM.code())).code())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(callAgainst(st -> st.reset(Http2Error.INADEQUATE_SECURITY.code())).code())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(callAgainst(st -> st.reset(Http2Error.INTERNAL_ERROR.code())).code())
        .isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void responseOverTheLimitIsResourceExhausted() throws Exception {
    Status s = callAgainst(st -> st.headers(okHeaders(), false)
        .data(frame(StringValue.of("x".repeat(4096)).toByteArray()), false)
        .headers(trailers(0), true), 1024);
    assertThat(s.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.description()).contains("1024");
  }

  @Test
  void garbageResponseIsInternal() throws Exception {
    Status s = callAgainst(st -> st.headers(okHeaders(), false)
        .data(frame(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}), false)
        .headers(trailers(0), true));
    assertThat(s.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.description()).containsIgnoringCase("protobuf");
  }

  @Test
  void truncatedResponseIsInternal() throws Exception {
    ByteBuf partial = frame(new byte[10]);
    partial.writerIndex(8);
    Status s = callAgainst(st -> st.headers(okHeaders(), false).data(partial, false)
        .headers(trailers(0), true));
    assertThat(s.code()).isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void requestHeadersFollowTheProtocol() throws Exception {
    Http2Headers[] seen = new Http2Headers[1];
    Status s = callAgainst(st -> {
      seen[0] = st.requestHeaders;
      st.headers(okHeaders(), false).data(frame(StringValue.of("y").toByteArray()), false)
          .headers(trailers(0), true);
    });
    assertThat(s.isOk()).isTrue();
    Http2Headers h = seen[0];
    assertThat(h.method().toString()).isEqualTo("POST");
    assertThat(h.scheme().toString()).isEqualTo("http");
    assertThat(h.path().toString()).isEqualTo("/test.Strings/Echo");
    assertThat(h.authority().toString()).startsWith("127.0.0.1:");
    assertThat(h.get("content-type").toString()).isEqualTo("application/grpc");
    assertThat(h.get("te").toString()).isEqualTo("trailers");
    assertThat(h.get("user-agent").toString()).startsWith("conduit-java/");
  }

  @Test
  void unaryWithoutResponseIsInternal() throws Exception {
    Status s = callAgainst(st -> st.headers(okHeaders(), false).headers(trailers(0), true));
    assertThat(s.code()).isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void connectionRefusedIsUnavailable() throws Exception {
    int port;
    try (RawHttp2Server s = RawHttp2Server.start(st -> {})) {
      port = s.port();
    }
    try (Channel channel = Channel.forAddress("127.0.0.1", port).plaintext().build()) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, ECHO, CallOptions.DEFAULT,
          StringValue.of("x")))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }
}
