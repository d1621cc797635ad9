package io.conduit.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.conduit.Server;
import io.conduit.testing.RawHttp2Client;
import io.grpc.testing.integration.Messages.BoolValue;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Conduit interop server's CompressedResponse and CompressedRequest features, checked on the
 * wire: the compressed flag of each response message (which neither Conduit's nor grpc-java's
 * client can see) and the answer to requests whose {@code expect_compressed} does or does not
 * match their flag.
 */
@Timeout(60)
class ServerCompressionOnTheWireTest {
  private static final String SERVICE = "/grpc.testing.TestService/";
  private static final String INVALID_ARGUMENT = "3";

  private static TestServiceImpl service;
  private static Server server;
  private RawHttp2Client client;

  /** One gRPC message as it came over the wire. */
  record Frame(boolean compressed, byte[] bytes) {
    /** The message bytes, inflated when the frame is compressed. */
    byte[] message() {
      return compressed ? gunzip(bytes) : bytes;
    }
  }

  @BeforeAll
  static void startServer() {
    service = new TestServiceImpl();
    server = InteropTestSupport.startInteropServer(service);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
    if (service != null) {
      service.close();
    }
  }

  @BeforeEach
  void connect() throws Exception {
    client = RawHttp2Client.connect("127.0.0.1", server.port());
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  // ---------------------------------------------------------------------- CompressedResponse

  @Test
  void unaryResponseIsCompressedWhenAskedFor() throws Exception {
    RawHttp2Client.Response response = call("UnaryCall", false, SimpleRequest.newBuilder()
        .setResponseCompressed(BoolValue.newBuilder().setValue(true))
        .setResponseSize(314159)
        .setPayload(zeros(271828))
        .build());
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
    assertThat(response.header("grpc-encoding")).isEqualTo("gzip");
    List<Frame> frames = frames(response);
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0).compressed()).as("the compressed flag").isTrue();
    assertThat(frames.get(0).bytes().length).as("bytes on the wire").isLessThan(10_000);
    assertThat(SimpleResponse.parseFrom(frames.get(0).message()).getPayload().getBody().size())
        .isEqualTo(314159);
  }

  @Test
  void unaryResponseIsUncompressedWhenAskedSo() throws Exception {
    for (boolean present : new boolean[] {true, false}) {
      SimpleRequest.Builder request = SimpleRequest.newBuilder().setResponseSize(314159);
      if (present) {
        request.setResponseCompressed(BoolValue.newBuilder().setValue(false));
      }
      RawHttp2Client.Response response = call("UnaryCall", false, request.build());
      assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
      List<Frame> frames = frames(response);
      assertThat(frames).hasSize(1);
      assertThat(frames.get(0).compressed()).as("the compressed flag").isFalse();
      assertThat(SimpleResponse.parseFrom(frames.get(0).message()).getPayload().getBody().size())
          .isEqualTo(314159);
    }
  }

  @Test
  void unaryResponseIsUncompressedForAClientThatDoesNotAcceptGzip() throws Exception {
    Http2Headers headers = RawHttp2Client.grpcHeaders(SERVICE + "UnaryCall");
    int stream = client.send(headers, true, RawHttp2Client.frame(0, SimpleRequest.newBuilder()
        .setResponseCompressed(BoolValue.newBuilder().setValue(true))
        .setResponseSize(1000)
        .build().toByteArray()));
    RawHttp2Client.Response response = client.await(stream);
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
    assertThat(frames(response)).singleElement()
        .satisfies(f -> assertThat(f.compressed()).isFalse());
  }

  @Test
  void streamedResponsesAreCompressedPerMessage() throws Exception {
    RawHttp2Client.Response response = call("StreamingOutputCall", false,
        StreamingOutputCallRequest.newBuilder()
            .addResponseParameters(ResponseParameters.newBuilder()
                .setCompressed(BoolValue.newBuilder().setValue(true)).setSize(31415))
            .addResponseParameters(ResponseParameters.newBuilder()
                .setCompressed(BoolValue.newBuilder().setValue(false)).setSize(92653))
            .addResponseParameters(ResponseParameters.newBuilder().setSize(10))
            .addResponseParameters(ResponseParameters.newBuilder()
                .setCompressed(BoolValue.newBuilder().setValue(true)).setSize(2653))
            .build());
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
    assertThat(response.header("grpc-encoding")).isEqualTo("gzip");
    List<Frame> frames = frames(response);
    assertThat(frames).extracting(Frame::compressed).containsExactly(true, false, false, true);
    List<Integer> sizes = new ArrayList<>();
    for (Frame f : frames) {
      sizes.add(StreamingOutputCallResponse.parseFrom(f.message()).getPayload().getBody().size());
    }
    assertThat(sizes).containsExactly(31415, 92653, 10, 2653);
  }

  @Test
  void streamWithoutCompressionAskedForHasNoEncoding() throws Exception {
    RawHttp2Client.Response response = call("StreamingOutputCall", false,
        StreamingOutputCallRequest.newBuilder()
            .addResponseParameters(ResponseParameters.newBuilder().setSize(100))
            .build());
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
    assertThat(response.header("grpc-encoding")).isNull();
    assertThat(frames(response)).extracting(Frame::compressed).containsExactly(false);
  }

  // ---------------------------------------------------------------------- CompressedRequest

  @Test
  void uncompressedRequestExpectedCompressedIsInvalid() throws Exception {
    RawHttp2Client.Response response = call("UnaryCall", false, unaryExpecting(true));
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo(INVALID_ARGUMENT);
    assertThat(response.header("grpc-message")).contains("arrived uncompressed");
    assertThat(frames(response)).isEmpty();
  }

  @Test
  void compressedRequestExpectedCompressedIsServed() throws Exception {
    RawHttp2Client.Response response = call("UnaryCall", true, unaryExpecting(true));
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
    assertThat(SimpleResponse.parseFrom(frames(response).get(0).message())
        .getPayload().getBody().size()).isEqualTo(314159);
  }

  @Test
  void compressedRequestExpectedUncompressedIsInvalid() throws Exception {
    RawHttp2Client.Response response = call("UnaryCall", true, unaryExpecting(false));
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo(INVALID_ARGUMENT);
    assertThat(response.header("grpc-message")).contains("arrived compressed");
  }

  @Test
  void requestsWithoutExpectationAreServedEitherWay() throws Exception {
    SimpleRequest request = SimpleRequest.newBuilder().setResponseSize(10).build();
    for (boolean compressed : new boolean[] {true, false}) {
      RawHttp2Client.Response response = call("UnaryCall", compressed, request);
      assertThat(response.header("grpc-status")).as("compressed=%s: %s", compressed, response)
          .isEqualTo("0");
    }
  }

  /** The probe of client_compressed_streaming: rejected at the first message, not at the end. */
  @Test
  void streamedRequestIsRejectedBeforeTheClientHalfCloses() throws Exception {
    Http2Headers headers = RawHttp2Client.grpcHeaders(SERVICE + "StreamingInputCall");
    int stream = client.send(headers, false, RawHttp2Client.frame(0,
        StreamingInputCallRequest.newBuilder()
            .setExpectCompressed(BoolValue.newBuilder().setValue(true))
            .setPayload(zeros(27182))
            .build().toByteArray()));
    RawHttp2Client.Response response = client.await(stream);
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo(INVALID_ARGUMENT);
  }

  @Test
  void streamedRequestsAreCheckedPerMessage() throws Exception {
    Http2Headers headers = RawHttp2Client.grpcHeaders(SERVICE + "StreamingInputCall")
        .set("grpc-encoding", "gzip").set("grpc-accept-encoding", "gzip");
    StreamingInputCallRequest compressed = StreamingInputCallRequest.newBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(true))
        .setPayload(zeros(27182))
        .build();
    StreamingInputCallRequest uncompressed = StreamingInputCallRequest.newBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(false))
        .setPayload(zeros(45904))
        .build();
    int stream = client.send(headers, true,
        RawHttp2Client.frame(1, gzip(compressed.toByteArray())),
        RawHttp2Client.frame(0, uncompressed.toByteArray()));
    RawHttp2Client.Response response = client.await(stream);
    assertThat(response.header("grpc-status")).as("%s", response).isEqualTo("0");
    assertThat(StreamingInputCallResponse.parseFrom(frames(response).get(0).message())
        .getAggregatedPayloadSize()).isEqualTo(73086);

    // The same messages with their flags swapped: the first one already fails the call.
    int swapped = client.send(headers, true,
        RawHttp2Client.frame(0, compressed.toByteArray()),
        RawHttp2Client.frame(1, gzip(uncompressed.toByteArray())));
    assertThat(client.await(swapped).header("grpc-status")).isEqualTo(INVALID_ARGUMENT);
  }

  // ---------------------------------------------------------------------- helpers

  private static SimpleRequest unaryExpecting(boolean compressed) {
    return SimpleRequest.newBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(compressed))
        .setResponseSize(314159)
        .setPayload(zeros(271828))
        .build();
  }

  /**
   * Calls {@code method} with one {@code request}, gzip-compressed (with {@code grpc-encoding:
   * gzip}) if {@code compressed}; the client accepts gzip responses.
   */
  private RawHttp2Client.Response call(String method, boolean compressed, MessageLite request)
      throws Exception {
    Http2Headers headers = RawHttp2Client.grpcHeaders(SERVICE + method)
        .set("grpc-accept-encoding", "gzip");
    if (compressed) {
      headers.set("grpc-encoding", "gzip");
    }
    byte[] bytes = request.toByteArray();
    ByteBuf frame = compressed
        ? RawHttp2Client.frame(1, gzip(bytes))
        : RawHttp2Client.frame(0, bytes);
    return client.await(client.send(headers, true, frame));
  }

  /** The gRPC messages of a response's DATA. */
  private static List<Frame> frames(RawHttp2Client.Response response) {
    ByteBuffer data = ByteBuffer.wrap(response.data.toByteArray());
    List<Frame> frames = new ArrayList<>();
    while (data.remaining() >= 5) {
      int flags = data.get();
      byte[] bytes = new byte[data.getInt()];
      data.get(bytes);
      frames.add(new Frame((flags & 1) != 0, bytes));
    }
    assertThat(data.remaining()).as("bytes after the last whole message").isZero();
    return frames;
  }

  private static Payload zeros(int size) {
    return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
  }

  private static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] bytes) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
