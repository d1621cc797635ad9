package io.conduit.internal.web;

import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.internal.netty.GrpcHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A unary Connect call: the body is the one request message, unenveloped; the response is the
 * one message with the trailers as {@code trailer-} headers, or an error JSON body with the
 * HTTP status of its code. Nothing is sent before the status is known (the trailers go in the
 * head).
 */
final class ConnectUnaryCall extends WebCall {
  private static final AsciiString APPLICATION_JSON = AsciiString.cached("application/json");

  private final int maxMessageSize;
  private final AsciiString contentType;
  private CompositeByteBuf body;
  private boolean bodyEnded;
  private int credits;
  private boolean delivered;
  private Metadata responseHeaders;
  private ByteBuf response;

  /** {@code body}: the whole request message when it is known already (a GET), else null. */
  ConnectUnaryCall(WebExchange exchange, MessageCodec codec, String authority, long timeoutNanos,
      int maxMessageSize, ByteBuf body) {
    super(exchange, codec, authority, timeoutNanos);
    this.maxMessageSize = maxMessageSize;
    this.contentType = AsciiString.cached("application/" + codec.name());
    this.body = alloc.compositeBuffer(Integer.MAX_VALUE);
    if (body != null) {
      this.body.addComponent(true, body);
      this.bodyEnded = true;
    }
  }

  @Override
  void sendHeaders(Metadata headers) {
    responseHeaders = headers;
  }

  @Override
  void sendMessage(ByteBuf payload, Runnable written) {
    if (response != null) {
      // A unary method answers once; ServerCallImpl refuses a second, but stay safe.
      response.release();
    }
    response = payload;
    written.run();
  }

  @Override
  void sendStatus(Status status, Metadata trailers) {
    Http2Headers h = new DefaultHttp2Headers(false);
    GrpcHeaders.addMetadata(h, responseHeaders);
    if (trailers != null) {
      for (Metadata.Entry e : trailers.entries()) {
        if (ConnectErrors.isMetadata(e.key())) {
          h.add("trailer-" + e.key(), e.wireValue());
        }
      }
    }
    ByteBuf out;
    HttpResponseStatus httpStatus;
    if (status.code() == Status.Code.OK && response != null) {
      h.set(GrpcHeaders.CONTENT_TYPE, contentType);
      out = response;
      httpStatus = HttpResponseStatus.OK;
    } else {
      if (response != null) {
        response.release();
      }
      Status s = status.code() == Status.Code.OK
          ? Status.UNIMPLEMENTED.withDescription("the method sent no response message") : status;
      h.set(GrpcHeaders.CONTENT_TYPE, APPLICATION_JSON);
      byte[] json = ConnectErrors.errorJson(s, trailers).getBytes(StandardCharsets.UTF_8);
      out = alloc.buffer(json.length).writeBytes(json);
      httpStatus = HttpResponseStatus.valueOf(ConnectErrors.httpStatus(s.code()));
    }
    response = null;
    exchange.head(httpStatus, h, out.readableBytes());
    exchange.body(out, true, null);
    exchange.end();
  }

  @Override
  void inbound(ByteBuf data) {
    if (body.readableBytes() + (long) data.readableBytes() > maxMessageSize) {
      data.release();
      abortOnLoop(Status.RESOURCE_EXHAUSTED.withDescription("request message exceeds the limit of "
          + maxMessageSize + " bytes"), new Metadata());
      return;
    }
    body.addComponent(true, data);
  }

  @Override
  void inboundEnd() {
    bodyEnded = true;
    deliverIfWanted();
  }

  @Override
  void requestMessages(int n) {
    credits += n;
    deliverIfWanted();
  }

  /** The one message once it is complete and wanted, then the half-close. */
  void deliverIfWanted() {
    if (bodyEnded && credits > 0 && !delivered && !completed) {
      delivered = true;
      ByteBuf message = body;
      body = null;
      deliver(message);
      deliverHalfClose();
    }
  }

  @Override
  void releaseInbound() {
    if (body != null) {
      body.release();
      body = null;
    }
  }
}
