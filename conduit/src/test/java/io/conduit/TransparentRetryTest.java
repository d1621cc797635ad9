package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.testing.RawHttp2Server;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transparent retry (gRFC A6): a stream the server's application never saw (refused with
 * REFUSED_STREAM before any response, or above a GOAWAY's last stream id) is sent again on a new
 * pick, whether or not the method has a retry policy, and without counting as an attempt of that
 * policy. A scripted HTTP/2 server answers what a gRPC server only does under races.
 */
@Timeout(30)
class TransparentRetryTest {
  static final MethodDescriptor<String, String> CALL = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Transparent/Call", EchoService.STRING, EchoService.STRING);

  static final String RETRY_CONFIG = """
      {"methodConfig": [{
        "name": [{"service": "test.Transparent"}],
        "retryPolicy": {
          "maxAttempts": 2, "initialBackoff": "0.01s", "maxBackoff": "0.05s",
          "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]
        }}]}""";

  /** The request streams the server got, in order. */
  private final List<RawHttp2Server.Stream> streams = new CopyOnWriteArrayList<>();

  /** A server that answers the n-th request stream (from 0, across connections) per {@code script}. */
  private RawHttp2Server server(BiConsumer<Integer, RawHttp2Server.Stream> script) throws Exception {
    return RawHttp2Server.start(st -> {
      // One event loop serves every connection: the count is in arrival order.
      streams.add(st);
      script.accept(streams.size() - 1, st);
    });
  }

  private static Channel channel(RawHttp2Server server, String config) {
    Channel.Builder b = Channel.forAddress("127.0.0.1", server.port()).plaintext();
    return (config == null ? b : b.defaultServiceConfig(config)).build();
  }

  private static void answerOk(RawHttp2Server.Stream st, String reply) {
    byte[] payload = reply.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = Unpooled.buffer().writeByte(0).writeInt(payload.length).writeBytes(payload);
    st.headers(new DefaultHttp2Headers().status("200").set("content-type", "application/grpc"), false)
        .data(frame, false)
        .headers(new DefaultHttp2Headers().set("grpc-status", "0"), true);
  }

  private static void answerStatus(RawHttp2Server.Stream st, Status.Code code) {
    // Trailers-Only: the server's application saw the call and failed it.
    st.headers(new DefaultHttp2Headers().status("200").set("content-type", "application/grpc")
        .set("grpc-status", Integer.toString(code.value())), true);
  }

  private List<String> previousAttempts() {
    return streams.stream().map(st -> {
      CharSequence v = st.requestHeaders.get("grpc-previous-rpc-attempts");
      return v == null ? "none" : v.toString();
    }).toList();
  }

  @Test
  void aRefusedStreamIsSentAgainWithoutARetryPolicy() throws Exception {
    try (RawHttp2Server server = server((n, st) -> {
          if (n == 0) {
            st.reset(Http2Error.REFUSED_STREAM.code());
          } else {
            answerOk(st, "second stream");
          }
        });
        Channel channel = channel(server, null)) {
      assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "x")).isEqualTo("second stream");
      assertThat(streams).hasSize(2);
      assertThat(previousAttempts()).containsExactly("none", "none");
    }
  }

  @Test
  void transparentRetriesDoNotCountAsAttemptsOfTheRetryPolicy() throws Exception {
    // maxAttempts 2: had the refused stream counted, the UNAVAILABLE of stream 1 would be final.
    try (RawHttp2Server server = server((n, st) -> {
          switch (n) {
            case 0 -> st.reset(Http2Error.REFUSED_STREAM.code());
            case 1 -> answerStatus(st, Status.Code.UNAVAILABLE);
            default -> answerOk(st, "attempt 2");
          }
        });
        Channel channel = channel(server, RETRY_CONFIG)) {
      assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "x")).isEqualTo("attempt 2");
      // The transparent retry is the same attempt: it does not raise grpc-previous-rpc-attempts.
      assertThat(previousAttempts()).containsExactly("none", "none", "1");
    }
  }

  @Test
  void aStreamTheServerAnsweredIsNotSentAgain() throws Exception {
    try (RawHttp2Server server = server((n, st) -> {
          // Response headers first: the server's application had the call, whatever comes next.
          st.headers(new DefaultHttp2Headers().status("200").set("content-type", "application/grpc"), false)
              .reset(Http2Error.REFUSED_STREAM.code());
        });
        Channel channel = channel(server, null)) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "x"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().code()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(streams).hasSize(1);
    }
  }

  @Test
  void aStreamAboveTheGoAwaysLastStreamIdIsSentAgainOnANewConnection() throws Exception {
    try (RawHttp2Server server = server((n, st) -> {
          if (n == 0) {
            // "I processed nothing above this": the stream went unseen, and the connection is done.
            st.goAway(Math.max(0, st.id - 2), Http2Error.NO_ERROR.code());
          } else {
            answerOk(st, "new connection");
          }
        });
        Channel channel = channel(server, RETRY_CONFIG)) {
      assertThat(ClientCalls.blockingUnary(channel, CALL, CallOptions.DEFAULT, "x")).isEqualTo("new connection");
      assertThat(streams).hasSize(2);
      assertThat(streams.get(1).connection()).isNotSameAs(streams.get(0).connection());
      assertThat(previousAttempts()).containsExactly("none", "none");
    }
  }
}
