package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.conduit.testing.RawHttp2Client;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Message compression per doc/compression.md. */
@Timeout(60)
class CompressionTest {
  static final MethodDescriptor<String, String> ECHO = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, "test.Zip/Echo", EchoService.STRING, EchoService.STRING);

  /** Echoes; compresses the response with the encoding named in the request after "zip:". */
  private static Server server(List<Boolean> compressedFlags) {
    ServerInterceptor record = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return new ForwardingServerCall.ForwardingListener<>(next.startCall(call, headers)) {
          @Override
          public void onMessage(Q message) {
            compressedFlags.add(call.isMessageCompressed());
            super.onMessage(message);
          }
        };
      }
    };
    return Server.builder().bind("127.0.0.1", 0).intercept(record)
        .service(ServiceDefinition.builder("test.Zip")
            .method(ECHO, ServerCalls.unary((req, out) -> {
              if (req.startsWith("zip:")) {
                out.setCompression(req.substring(4, req.indexOf(' ')));
              }
              out.onNext(req);
              out.onCompleted();
            }))
            .build())
        .build().start();
  }

  @Test
  void gzipAndDeflateBothWays() {
    List<Boolean> flags = new ArrayList<>();
    try (Server server = server(flags);
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      for (String enc : new String[] {"gzip", "deflate"}) {
        String text = "zip:" + enc + " " + "hello ".repeat(1000);
        assertThat(ClientCalls.blockingUnary(channel, ECHO,
            CallOptions.DEFAULT.withCompression(enc), text)).isEqualTo(text);
      }
      assertThat(flags).containsExactly(true, true);
    }
  }

  @Test
  void messageCompressionCanBeTurnedOffPerMessage() {
    List<Boolean> flags = new ArrayList<>();
    try (Server server = server(flags);
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      CallFactory plainMessages = ClientInterceptor.intercept(channel, List.of(new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
            CallOptions options, CallFactory next) {
          return new ForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void sendMessage(Q message) {
              setMessageCompression(false);
              super.sendMessage(message);
            }
          };
        }
      }));
      assertThat(ClientCalls.blockingUnary(plainMessages, ECHO,
          CallOptions.DEFAULT.withCompression("gzip"), "x")).isEqualTo("x");
      assertThat(flags).containsExactly(false);
    }
  }

  @Test
  void unknownClientCompressorFailsClearly() {
    try (Server server = server(new ArrayList<>());
        Channel channel = Channel.forAddress("127.0.0.1", server.port()).plaintext().build()) {
      assertThatThrownBy(() -> ClientCalls.blockingUnary(channel, ECHO,
          CallOptions.DEFAULT.withCompression("zstd-nope"), "x"))
          .isInstanceOfSatisfying(StatusException.class,
              e -> assertThat(e.status().description()).contains("zstd-nope"));
    }
  }

  private static ByteBuf gzipFrame(byte[] payload) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(bytes)) {
      z.write(payload);
    }
    byte[] c = bytes.toByteArray();
    return RawHttp2Client.frame(1, c);
  }

  @Test
  void unsupportedRequestEncodingIsUnimplementedWithTheSupportedList() throws Exception {
    try (Server server = server(new ArrayList<>());
        RawHttp2Client raw = RawHttp2Client.connect("127.0.0.1", server.port())) {
      Http2Headers h = RawHttp2Client.grpcHeaders("/test.Zip/Echo").set("grpc-encoding", "snappy");
      RawHttp2Client.Response r = raw.await(raw.send(h, true, RawHttp2Client.frame(1, new byte[] {1})));
      assertThat(r.header("grpc-status")).isEqualTo("12");
      assertThat(r.header("grpc-accept-encoding")).contains("gzip").contains("deflate");
    }
  }

  @Test
  void theServerNeverUsesAnEncodingTheClientDoesNotAccept() throws Exception {
    try (Server server = server(new ArrayList<>());
        RawHttp2Client raw = RawHttp2Client.connect("127.0.0.1", server.port())) {
      byte[] req = "zip:gzip hi".getBytes(StandardCharsets.UTF_8);
      Http2Headers accepts = RawHttp2Client.grpcHeaders("/test.Zip/Echo")
          .set("grpc-encoding", "gzip").set("grpc-accept-encoding", "gzip");
      RawHttp2Client.Response zipped = raw.await(raw.send(accepts, true, gzipFrame(req)));
      assertThat(zipped.header("grpc-status")).isEqualTo("0");
      assertThat(zipped.header("grpc-encoding")).isEqualTo("gzip");
      byte[] body = zipped.data.toByteArray();
      assertThat(body[0]).isEqualTo((byte) 1);
      try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body, 5, body.length - 5))) {
        assertThat(in.readAllBytes()).isEqualTo(req);
      }

      Http2Headers refuses = RawHttp2Client.grpcHeaders("/test.Zip/Echo")
          .set("grpc-accept-encoding", "deflate");
      RawHttp2Client.Response plain = raw.await(raw.send(refuses, true, RawHttp2Client.frame(0, req)));
      assertThat(plain.header("grpc-status")).isEqualTo("0");
      assertThat(plain.header("grpc-encoding")).isNull();
      assertThat(plain.data.toByteArray()[0]).isEqualTo((byte) 0);
    }
  }

  @Test
  void aZipBombIsRefusedWithoutInflatingIt() throws Exception {
    // 1 GiB of zeros, about 1 MiB compressed: under the 4 MiB wire limit, far over it inflated.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(bytes, 1 << 16)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 1024; i++) {
        z.write(zeros);
      }
    }
    byte[] bomb = bytes.toByteArray();
    assertThat(bomb.length).isLessThan(4 * 1024 * 1024);
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long before = rt.totalMemory() - rt.freeMemory();
    try (Server server = server(new ArrayList<>());
        RawHttp2Client raw = RawHttp2Client.connect("127.0.0.1", server.port())) {
      Http2Headers h = RawHttp2Client.grpcHeaders("/test.Zip/Echo").set("grpc-encoding", "gzip");
      RawHttp2Client.Response r = raw.await(raw.send(h, true, RawHttp2Client.frame(1, bomb)));
      assertThat(r.header("grpc-status")).isEqualTo("8");
      assertThat(r.header("grpc-message")).contains("decompressed");
      long after = rt.totalMemory() - rt.freeMemory();
      assertThat(after - before).isLessThan(256L * 1024 * 1024);
    }
  }

  @Test
  void callOptionsKeepTheirCompression() {
    assertThat(CallOptions.DEFAULT.withCompression("gzip").withTimeout(Duration.ofSeconds(1)).compression())
        .isEqualTo("gzip");
  }
}
