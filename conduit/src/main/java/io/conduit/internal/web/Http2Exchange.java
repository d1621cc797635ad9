package io.conduit.internal.web;

import io.conduit.internal.netty.WebServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Headers;

/** One HTTP/2 request's response, on its stream of a native gRPC connection. Event loop only. */
final class Http2Exchange implements WebExchange {
  private final WebServer.Http2RequestStream stream;
  private final Http2Headers extraHeaders;
  private boolean headSent;
  private boolean ended;

  /** {@code extraHeaders}: added to the head whatever the protocol writes (CORS), or null. */
  Http2Exchange(WebServer.Http2RequestStream stream, Http2Headers extraHeaders) {
    this.stream = stream;
    this.extraHeaders = extraHeaders;
  }

  @Override
  public Channel channel() {
    return stream.channel();
  }

  @Override
  public void head(HttpResponseStatus status, Http2Headers headers, long contentLength) {
    if (headSent || ended) {
      return;
    }
    headSent = true;
    headers.status(status.codeAsText());
    if (extraHeaders != null) {
      headers.add(extraHeaders);
    }
    if (contentLength >= 0) {
      headers.setLong("content-length", contentLength);
    }
    stream.writeHeaders(headers, false);
  }

  @Override
  public void body(ByteBuf data, boolean flush, Runnable written) {
    if (ended) {
      data.release();
      if (written != null) {
        written.run();
      }
      return;
    }
    stream.writeData(data, false, written);
    if (flush) {
      stream.channel().flush();
    }
  }

  @Override
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    stream.writeData(Unpooled.EMPTY_BUFFER, true, null);
    stream.channel().flush();
  }

  @Override
  public void fail() {
    if (ended) {
      return;
    }
    ended = true;
    stream.reset();
    stream.channel().flush();
  }

  @Override
  public boolean headSent() {
    return headSent;
  }
}
