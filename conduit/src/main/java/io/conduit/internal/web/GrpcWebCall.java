package io.conduit.internal.web;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.StatusMessage;
import io.conduit.internal.netty.GrpcHeaders;
import io.conduit.internal.netty.MessageDeframer;
import io.conduit.internal.netty.MessageFramer;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A gRPC-Web call (grpc/grpc doc/PROTOCOL-WEB.md): length-prefixed messages as in gRPC, the
 * trailers as a last frame flagged {@code 0x80} in the body, and in text mode the body in base64
 * both ways (each frame the server writes encoded on its own, with its padding, as Envoy does).
 */
final class GrpcWebCall extends WebCall {
  static final AsciiString BINARY = AsciiString.cached("application/grpc-web+proto");
  static final AsciiString TEXT = AsciiString.cached("application/grpc-web-text+proto");
  private static final int TRAILERS_FLAG = 0x80;

  private final boolean text;
  private final MessageDeframer deframer;
  private final Base64StreamDecoder base64;

  GrpcWebCall(WebExchange exchange, boolean text, String authority, long timeoutNanos,
      int maxMessageSize) {
    super(exchange, MessageCodec.PROTO, authority, timeoutNanos);
    this.text = text;
    this.deframer = new MessageDeframer(alloc, this, maxMessageSize, true);
    this.base64 = text ? new Base64StreamDecoder() : null;
  }

  private Http2Headers head() {
    return new DefaultHttp2Headers(false).set(GrpcHeaders.CONTENT_TYPE, text ? TEXT : BINARY);
  }

  @Override
  void sendHeaders(Metadata headers) {
    Http2Headers h = head();
    GrpcHeaders.addMetadata(h, headers);
    exchange.head(HttpResponseStatus.OK, h, -1);
  }

  @Override
  void sendMessage(ByteBuf payload, Runnable written) {
    if (!exchange.headSent()) {
      sendHeaders(null);
    }
    ByteBuf frame = alloc.compositeBuffer(2)
        .addComponent(true, alloc.buffer(MessageFramer.HEADER_LENGTH).writeByte(0)
            .writeInt(payload.readableBytes()))
        .addComponent(true, payload);
    exchange.body(encode(frame), true, written);
  }

  private ByteBuf encode(ByteBuf frame) {
    if (!text) {
      return frame;
    }
    try {
      return Base64.encode(frame, false);
    } finally {
      frame.release();
    }
  }

  @Override
  void sendStatus(Status status, Metadata trailers) {
    if (!exchange.headSent()) {
      // Trailers-only: the status in the headers, no body.
      Http2Headers h = head();
      GrpcHeaders.addStatus(h, status);
      GrpcHeaders.addMetadata(h, trailers);
      exchange.head(HttpResponseStatus.OK, h, 0);
      exchange.end();
      return;
    }
    StringBuilder block = new StringBuilder("grpc-status:").append(status.code().value()).append("\r\n");
    if (status.description() != null) {
      block.append("grpc-message:").append(StatusMessage.encode(status.description())).append("\r\n");
    }
    if (trailers != null) {
      for (Metadata.Entry e : trailers.entries()) {
        if (!io.conduit.internal.ReservedHeaders.isReserved(e.key())) {
          block.append(e.key()).append(':').append(e.wireValue()).append("\r\n");
        }
      }
    }
    byte[] bytes = block.toString().getBytes(StandardCharsets.US_ASCII);
    ByteBuf frame = alloc.buffer(MessageFramer.HEADER_LENGTH + bytes.length)
        .writeByte(TRAILERS_FLAG).writeInt(bytes.length).writeBytes(bytes);
    exchange.body(encode(frame), true, null);
    exchange.end();
  }

  @Override
  void inbound(ByteBuf data) {
    if (!text) {
      deframer.add(data);
      return;
    }
    ByteBuf decoded;
    try {
      decoded = base64.decode(alloc, data);
    } catch (IllegalArgumentException e) {
      abortOnLoop(Status.INTERNAL.withDescription("malformed grpc-web-text body: " + e.getMessage()),
          new Metadata());
      return;
    } finally {
      data.release();
    }
    deframer.add(decoded);
  }

  @Override
  void inboundEnd() {
    if (text && !base64.atBoundary()) {
      abortOnLoop(Status.INTERNAL.withDescription("malformed grpc-web-text body: it ends inside a "
          + "base64 group"), new Metadata());
      return;
    }
    deframer.endOfStream();
  }

  @Override
  void requestMessages(int n) {
    deframer.request(n);
  }

  @Override
  void releaseInbound() {
    deframer.close();
  }
}
