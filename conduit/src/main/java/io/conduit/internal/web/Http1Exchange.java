package io.conduit.internal.web;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.Map;

/** One HTTP/1.1 request's response on its connection. Event loop only. */
final class Http1Exchange implements WebExchange {
  private final Http1Connection connection;
  private final Channel channel;
  private final Http2Headers extraHeaders;
  private boolean headSent;
  private boolean ended;

  /** {@code extraHeaders}: added to the head whatever the protocol writes (CORS), or null. */
  Http1Exchange(Http1Connection connection, Channel channel, Http2Headers extraHeaders) {
    this.connection = connection;
    this.channel = channel;
    this.extraHeaders = extraHeaders;
  }

  /** The CORS headers of this request's responses, or null. */
  Http2Headers corsHeaders() {
    return extraHeaders;
  }

  @Override
  public Channel channel() {
    return channel;
  }

  @Override
  public void head(HttpResponseStatus status, Http2Headers headers, long contentLength) {
    if (headSent || ended) {
      return;
    }
    headSent = true;
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    HttpHeaders h = response.headers();
    copy(headers, h);
    copy(extraHeaders, h);
    if (contentLength >= 0) {
      h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
    } else {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    if (connection.closesAfterResponse()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    channel.write(response, channel.voidPromise());
  }

  private static void copy(Http2Headers from, HttpHeaders to) {
    if (from == null) {
      return;
    }
    for (Map.Entry<CharSequence, CharSequence> e : from) {
      if (e.getKey().length() > 0 && e.getKey().charAt(0) != ':') {
        to.add(e.getKey(), e.getValue());
      }
    }
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
    if (written == null) {
      channel.write(new DefaultHttpContent(data), channel.voidPromise());
    } else {
      channel.write(new DefaultHttpContent(data)).addListener(f -> written.run());
    }
    if (flush) {
      channel.flush();
    }
  }

  @Override
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(
        (ChannelFutureListener) f -> connection.responseEnded(this));
  }

  @Override
  public void fail() {
    if (ended) {
      return;
    }
    ended = true;
    // HTTP/1.1 cannot abort a response but by closing the connection.
    channel.close();
  }

  @Override
  public boolean headSent() {
    return headSent;
  }
}
