package io.conduit.internal.web;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.netty.GrpcHeaders;
import io.conduit.internal.netty.MessageDeframer;
import io.conduit.internal.netty.MessageFramer;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A streaming Connect call ({@code application/connect+proto} or {@code +json}): enveloped
 * messages both ways, HTTP status 200, and the status and trailers in a last envelope flagged
 * {@code 0x02} whose JSON holds the error (unless OK) and the metadata.
 */
final class ConnectStreamCall extends WebCall {
  private static final int END_STREAM_FLAG = 0x02;

  private final AsciiString contentType;
  private final MessageDeframer deframer;

  ConnectStreamCall(WebExchange exchange, MessageCodec codec, String authority, long timeoutNanos,
      int maxMessageSize) {
    super(exchange, codec, authority, timeoutNanos);
    this.contentType = AsciiString.cached("application/connect+" + codec.name());
    this.deframer = new MessageDeframer(alloc, this, maxMessageSize, true);
  }

  @Override
  void sendHeaders(Metadata headers) {
    Http2Headers h = new DefaultHttp2Headers(false).set(GrpcHeaders.CONTENT_TYPE, contentType);
    GrpcHeaders.addMetadata(h, headers);
    exchange.head(HttpResponseStatus.OK, h, -1);
  }

  @Override
  void sendMessage(ByteBuf payload, Runnable written) {
    if (!exchange.headSent()) {
      sendHeaders(null);
    }
    exchange.body(envelope(0, payload), true, written);
  }

  private ByteBuf envelope(int flags, ByteBuf payload) {
    return alloc.compositeBuffer(2)
        .addComponent(true, alloc.buffer(MessageFramer.HEADER_LENGTH).writeByte(flags)
            .writeInt(payload.readableBytes()))
        .addComponent(true, payload);
  }

  @Override
  void sendStatus(Status status, Metadata trailers) {
    if (!exchange.headSent()) {
      sendHeaders(null);
    }
    byte[] json = ConnectErrors.endStreamJson(status, trailers).getBytes(StandardCharsets.UTF_8);
    exchange.body(envelope(END_STREAM_FLAG, alloc.buffer(json.length).writeBytes(json)), true, null);
    exchange.end();
  }

  @Override
  void inbound(ByteBuf data) {
    deframer.add(data);
  }

  @Override
  void inboundEnd() {
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
